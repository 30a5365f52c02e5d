using System.Diagnostics;
using OnChip.Sweeps;

namespace OnChip.Tests.Sweeps;

/// <summary>
/// The Slurm executor without a cluster: the array script (run by bash as Slurm would, one task at a time) and the
/// submit-and-follow logic against stand-ins for sbatch, squeue, sacct and scontrol. scripts/ci-slurm-check.sh runs
/// the real thing on a single-node Slurm.
/// </summary>
public class SlurmExecutorTests : SweepTestDirectory
{
    private SweepDirectory Prepare(int runs)
    {
        string spec = WriteSpec($"base: {{archi: 784-16-10, epochs: 1, threads: 2}}\nseeds: {runs}\n");
        string sweep = Path.Combine(Dir, "sweep");
        Assert.Equal(0, Cli("sweep", spec, "--out", sweep, "--dry-run").Code);
        return SweepDirectory.Open(sweep);
    }

    private string Tool(string name, string body)
    {
        string path = Path.Combine(Dir, name);
        File.WriteAllText(path, "#!/bin/sh\n" + body + "\n");
        if (!OperatingSystem.IsWindows()) File.SetUnixFileMode(path, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
        return path;
    }

    [Theory]
    [InlineData(new[] { 0, 1, 2, 3 }, 0, "0-3")]
    [InlineData(new[] { 0, 1, 2, 3 }, 2, "0-3%2")]
    [InlineData(new[] { 7, 1, 3, 2, 9, 8 }, 0, "1-3,7-9")]
    [InlineData(new[] { 5 }, 1, "5%1")]
    public void Array_specs_compress_the_task_ids(int[] tasks, int maxParallel, string expected) =>
        Assert.Equal(expected, SlurmExecutor.ArraySpec(tasks, maxParallel));

    [Fact]
    public void The_script_carries_the_options_and_each_task_runs_its_own_run()
    {
        var sweep = Prepare(runs: 3);
        string log = Path.Combine(Dir, "calls.log");
        var cli = OnChipCommand.FromShell($"sh {Tool("fake-onchip", $"echo \"$*\" >> '{log}'; echo 'error: no data' >&2; exit 4")}");
        var options = new SlurmOptions { Partition = "cpu", Time = "1:00:00", Mem = "2G", MaxParallel = 2, CpusPerTask = 2, JobName = "t", Extra = ["--account=abc"] };
        string script = SlurmExecutor.Script(sweep, [0, 1, 2], options, cli, Dir);
        foreach (var line in new[]
                 {
                     "#SBATCH --array=0-2%2", "#SBATCH --cpus-per-task=2", "#SBATCH --partition=cpu", "#SBATCH --time=1:00:00",
                     "#SBATCH --mem=2G", "#SBATCH --job-name=t", "#SBATCH --account=abc", $"#SBATCH --chdir={Dir}",
                     $"#SBATCH --output={sweep.FullPath}/logs/%A_%4a.out",
                 })
            Assert.Contains(line + "\n", script);
        string path = SlurmExecutor.WriteScript(sweep, script);
        Assert.Equal(Path.Combine(sweep.FullPath, "sweep.sbatch"), path);

        // Task 1 as Slurm starts it: a first start, then (once the run has results) a resume.
        string run = sweep.RunPath(sweep.Plan.Runs[1]);
        Assert.Equal(4, RunTask(path, 1));
        Assert.Equal($"train --config {run}/config.yaml --out {run}", File.ReadAllLines(log).Single());
        Assert.Equal("4\n", File.ReadAllText(Path.Combine(run, SweepDirectory.ExitCodeFile)));
        Assert.Equal("error: no data\n", File.ReadAllText(Path.Combine(run, SweepDirectory.StderrFile)));
        WriteMetrics(run, 1, 0.5);
        RunTask(path, 1);
        Assert.Equal($"train --resume {run}", File.ReadAllLines(log)[^1]);
        // A task id that is no run of the sweep fails without running anything.
        Assert.Equal(2, RunTask(path, 7));
        Assert.Equal(2, File.ReadAllLines(log).Length);
    }

    private static int RunTask(string script, int task)
    {
        var info = new ProcessStartInfo("bash", [script]) { RedirectStandardOutput = true, RedirectStandardError = true };
        info.Environment["SLURM_ARRAY_TASK_ID"] = task.ToString();
        using var process = Process.Start(info)!;
        process.StandardOutput.ReadToEnd();
        process.StandardError.ReadToEnd();
        process.WaitForExit();
        return process.ExitCode;
    }

    [Fact]
    public void Paths_that_sbatch_lines_cannot_carry_are_refused()
    {
        var sweep = Prepare(runs: 1);
        var e = Assert.Throws<UserFacingException>(() =>
            SlurmExecutor.Script(sweep, [0], new SlurmOptions(), OnChipCommand.FromArgv("onchip"), "/tmp/a dir"));
        Assert.Contains("space", e.Message);
        e = Assert.Throws<UserFacingException>(() =>
            SlurmExecutor.Script(sweep, [0], new SlurmOptions { Time = "1 hour" }, OnChipCommand.FromArgv("onchip"), Dir));
        Assert.Contains("--time", e.Message);
    }

    [Fact]
    public void Submit_then_follow_with_squeue_until_the_tasks_end_then_read_their_states()
    {
        var sweep = Prepare(runs: 2);
        string calls = Path.Combine(Dir, "squeue.calls");
        var tools = new SlurmTools(
            Sbatch: Tool("sbatch", "echo \"$*\" > '" + Dir + "/sbatch.args'; echo '42;cluster'"),
            // Two polls with live tasks (run 0 completes in between), then none.
            Squeue: Tool("squeue", $$"""
                echo "$*" >> '{{calls}}'
                n=$(wc -l < '{{calls}}')
                if [ "$n" -eq 1 ]; then printf '42_0|RUNNING\n42_1|PENDING\n'; fi
                if [ "$n" -eq 2 ]; then printf '42_1|RUNNING\n'; fi
                exit 0
                """),
            Sacct: Tool("sacct", "printf '42_0|COMPLETED|0:0\\n42_1|FAILED|1:0\\n'"),
            Scontrol: Tool("scontrol", "exit 1"));
        var output = new StringWriter();
        var slurm = new SlurmExecutor(tools, output);
        Assert.Equal("42", slurm.Submit("/some/sweep.sbatch"));
        Assert.Equal("--parsable /some/sweep.sbatch", File.ReadAllText(Path.Combine(Dir, "sbatch.args")).Trim());

        var states = slurm.Wait("42", sweep, [0, 1], TimeSpan.FromMilliseconds(10));
        Assert.Equal("-h -r -j 42 -o %i|%T", File.ReadAllLines(calls)[0]);
        Assert.Equal(3, File.ReadAllLines(calls).Length);
        Assert.NotNull(states);
        Assert.Equal([("COMPLETED", "0:0", "sacct"), ("FAILED", "1:0", "sacct")], states!.Select(s => (s.State, s.ExitCode, s.Source)));
        string text = output.ToString();
        Assert.Contains("job 42: 1 running, 1 pending, 0 ended", text);
        Assert.Contains("job 42: 0 running, 0 pending, 2 ended", text);
    }

    [Fact]
    public void Without_accounting_the_states_come_from_scontrol_then_from_the_run_directories()
    {
        var sweep = Prepare(runs: 3);
        WriteMetrics(sweep.RunPath(sweep.Plan.Runs[2]), 1, 0.5);
        var tools = new SlurmTools(
            Sacct: Tool("sacct", "echo 'sacct: error: Slurm accounting storage is disabled' >&2; exit 1"),
            Scontrol: Tool("scontrol", "echo 'JobId=43 ArrayJobId=42 ArrayTaskId=1 JobState=TIMEOUT Reason=TimeLimit ExitCode=0:15'"));
        var states = new SlurmExecutor(tools, TextWriter.Null).FinalStates("42", sweep, [1, 2]);
        Assert.Equal([("TIMEOUT", "scontrol"), ("COMPLETED", "run directory")], states.Select(s => (s.State, s.Source)));
    }

    [Fact]
    public void A_failed_submission_or_a_missing_squeue_is_one_line()
    {
        var slurm = new SlurmExecutor(new SlurmTools(Sbatch: Tool("sbatch", "echo 'sbatch: error: invalid partition specified: gpu' >&2; exit 1")), TextWriter.Null);
        var e = Assert.Throws<UserFacingException>(() => slurm.Submit("x.sbatch"));
        Assert.Contains("invalid partition specified: gpu", e.Message);
        slurm = new SlurmExecutor(new SlurmTools(Sbatch: Path.Combine(Dir, "no-such-sbatch")), TextWriter.Null);
        e = Assert.Throws<UserFacingException>(() => slurm.Submit("x.sbatch"));
        Assert.Contains("is Slurm installed", e.Message);
        // Submitted, but no squeue to follow it with: said at once, with what to do next.
        slurm = new SlurmExecutor(new SlurmTools(Squeue: Path.Combine(Dir, "no-such-squeue")), TextWriter.Null);
        e = Assert.Throws<UserFacingException>(() => slurm.Wait("42", Prepare(runs: 1), [0], TimeSpan.FromMilliseconds(1)));
        Assert.Contains("job 42 was submitted and goes on", e.Message);
        Assert.Contains("onchip sweep collect", e.Message);
    }
}
