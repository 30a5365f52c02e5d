using OnChip.Sweeps;

namespace OnChip.Tests.Sweeps;

/// <summary>
/// Rerunning a sweep: complete runs are skipped, started ones are resumed (onchip train --resume), failed ones retried.
/// The runs are started through a stand-in for onchip (--onchip-command) that records its arguments.
/// </summary>
public class SweepResumeTests : SweepTestDirectory
{
    private const string Spec = "base: {archi: 784-16-10, epochs: 2}\ngrid: {beta: [0.1, 0.2, 0.3]}\nseeds: 1\n";

    private string Log => Path.Combine(Dir, "calls.log");

    /// <summary>A fake onchip: logs "train --resume DIR" or "train --config FILE --out DIR", writes 2 epochs, fails for β = 0.3 when told to.</summary>
    private string FakeOnChip(bool failBeta03)
    {
        string script = Path.Combine(Dir, "fake-onchip.sh");
        File.WriteAllText(script, $$"""
            echo "$*" >> '{{Log}}'
            if [ "$2" = --resume ]; then dir="$3"; else dir="$5"; fi
            if {{(failBeta03 ? "true" : "false")}} && grep -q '^beta: 0.3$' "$dir/config.yaml"; then echo "error: boom" >&2; exit 3; fi
            printf '{"epoch":1,"test_acc":0.5}\n{"epoch":2,"test_acc":0.6}\n' > "$dir/metrics.jsonl"
            """);
        return $"sh {script}";
    }

    private string[] Calls() => File.Exists(Log) ? File.ReadAllLines(Log) : [];

    [Fact]
    public void A_finished_run_is_skipped_an_unfinished_one_resumed_and_a_new_one_started()
    {
        string spec = WriteSpec(Spec);
        string sweep = Path.Combine(Dir, "sweep");
        var (code, output, error) = Cli("sweep", spec, "--out", sweep, "--dry-run");
        Assert.True(code == 0, error);
        Assert.Contains("0 complete (skipped), 0 to resume, 3 to start", output);
        Assert.Empty(Calls());

        string runs = Path.Combine(sweep, "runs");
        WriteMetrics(Path.Combine(runs, "0000"), epochs: 2, acc: 0.7);   // finished
        WriteMetrics(Path.Combine(runs, "0001"), epochs: 1, acc: 0.7);   // interrupted after epoch 1
        File.WriteAllText(Path.Combine(runs, "0001", "checkpoint.onchip"), "stand-in");

        (code, output, error) = Cli("sweep", spec, "--out", sweep, "--jobs", "1", "--onchip-command", FakeOnChip(failBeta03: false));
        Assert.True(code == 0, error + output);
        Assert.Contains("1 complete (skipped), 1 to resume, 1 to start", output);
        var calls = Calls().Order().ToArray();
        string full = Path.GetFullPath(runs);
        Assert.Equal(
        [
            $"train --config {full}/0002/config.yaml --out {full}/0002",
            $"train --resume {full}/0001",
        ], calls);
        Assert.Equal("0\n", File.ReadAllText(Path.Combine(runs, "0001", SweepDirectory.ExitCodeFile)));
        Assert.False(File.Exists(Path.Combine(runs, "0000", SweepDirectory.ExitCodeFile)));

        // Everything is complete now: nothing runs.
        (code, output, _) = Cli("sweep", spec, "--out", sweep, "--onchip-command", FakeOnChip(failBeta03: false));
        Assert.Equal(0, code);
        Assert.Contains("nothing to do", output);
        Assert.Equal(2, Calls().Length);
    }

    [Fact]
    public void A_failing_run_does_not_stop_the_others_and_is_retried_by_the_next_sweep()
    {
        string spec = WriteSpec(Spec);
        string sweep = Path.Combine(Dir, "sweep");
        var (code, output, _) = Cli("sweep", spec, "--out", sweep, "--jobs", "2", "--onchip-command", FakeOnChip(failBeta03: true));
        Assert.Equal(1, code);
        Assert.Contains("run 0002 FAILED (exit code 3)", output);
        Assert.Contains("error: boom", output);
        Assert.Contains("done: 2 of 3 run(s) complete, 1 failed (0002)", output);
        Assert.Equal(3, Calls().Length);
        var state = SweepDirectory.Open(sweep).States();
        Assert.Equal([RunStatus.Complete, RunStatus.Complete, RunStatus.Failed], state.Select(s => s.Status));

        (code, output, _) = Cli("sweep", spec, "--out", sweep, "--onchip-command", FakeOnChip(failBeta03: false));
        Assert.Equal(0, code);
        Assert.Contains("2 complete (skipped), 0 to resume, 1 to start", output);
        Assert.Equal(4, Calls().Length);
        Assert.EndsWith("0002", Calls()[^1]);
    }

    [Fact]
    public void A_changed_spec_does_not_overwrite_the_runs_of_a_sweep()
    {
        string sweep = Path.Combine(Dir, "sweep");
        Assert.Equal(0, Cli("sweep", WriteSpec(Spec), "--out", sweep, "--dry-run").Code);
        string before = File.ReadAllText(Path.Combine(sweep, "sweep.json"));

        var (code, _, error) = Cli("sweep", WriteSpec(Spec.Replace("0.3", "0.4"), "changed.yaml"), "--out", sweep, "--dry-run");
        Assert.Equal(1, code);
        Assert.Contains("holds a different sweep (run 0002: beta is 0.3 there, 0.4 in the spec)", error);
        Assert.DoesNotContain("   at ", error);
        Assert.Equal(before, File.ReadAllText(Path.Combine(sweep, "sweep.json")));

        // A run whose config.yaml was edited by hand is named, not overwritten.
        string config = Path.Combine(sweep, "runs", "0001", "config.yaml");
        File.WriteAllText(config, File.ReadAllText(config).Replace("epochs: 2", "epochs: 3"));
        (code, _, error) = Cli("sweep", WriteSpec(Spec), "--out", sweep, "--dry-run");
        Assert.Equal(1, code);
        Assert.Contains("run 0001", error);
        Assert.Contains("epochs is 3 there, 2 in the spec", error);
    }

    [Fact]
    public void Bad_input_is_one_line_naming_the_problem()
    {
        string spec = WriteSpec("grid: {betta: [0.1, 0.2]}\n");
        var (code, output, error) = Cli("sweep", spec, "--out", Path.Combine(Dir, "s"));
        Assert.Equal(1, code);
        Assert.Equal("", output);
        Assert.Equal($"error: {spec}: grid: unknown key 'betta' at line 1; did you mean 'beta'?", error.Trim());
        Assert.False(Directory.Exists(Path.Combine(Dir, "s")));

        (code, _, error) = Cli("sweep", Path.Combine(Dir, "none.yaml"), "--out", Path.Combine(Dir, "s"));
        Assert.Equal(1, code);
        Assert.Contains("none.yaml: cannot read the sweep spec", error);

        (code, _, error) = Cli("sweep", WriteSpec(Spec), "--out", Path.Combine(Dir, "s"), "--partition", "gpu");
        Assert.Equal(1, code);
        Assert.Contains("--partition: only with --executor slurm", error);

        (code, _, error) = Cli("sweep", "collect", Path.Combine(Dir, "nowhere"));
        Assert.Equal(1, code);
        Assert.Contains("no such sweep directory", error);
    }
}
