using System.ComponentModel;
using System.Diagnostics;
using System.Globalization;
using System.Text;
using System.Text.RegularExpressions;
using OnChip.Persistence;

namespace OnChip.Sweeps;

/// <summary>Options of the array job (the <c>#SBATCH</c> lines).</summary>
internal sealed record SlurmOptions
{
    public string JobName { get; init; } = "onchip-sweep";
    public string? Partition { get; init; }
    /// <summary>Time limit per task, in any Slurm format (<c>30</c>, <c>2:00:00</c>, <c>1-00:00:00</c>).</summary>
    public string? Time { get; init; }
    /// <summary>Memory per task (<c>--mem</c>, e.g. <c>4G</c>).</summary>
    public string? Mem { get; init; }
    /// <summary>At most this many tasks at once (<c>%M</c> of the array); 0 = no limit.</summary>
    public int MaxParallel { get; init; }
    public int CpusPerTask { get; init; } = 1;
    /// <summary>Further sbatch options, each written as its own <c>#SBATCH</c> line (e.g. <c>--account=abc</c>).</summary>
    public IReadOnlyList<string> Extra { get; init; } = [];
}

/// <summary>The Slurm commands used (tests replace them with stand-ins).</summary>
internal sealed record SlurmTools(string Sbatch = "sbatch", string Squeue = "squeue", string Sacct = "sacct", string Scontrol = "scontrol");

/// <summary>The final state of one array task.</summary>
internal sealed record TaskState(int Task, string State, string? ExitCode, string Source);

/// <summary>
/// The Slurm executor: writes DIR/sweep.sbatch, an array job whose task i runs run i through the same <c>onchip</c>
/// command (by absolute path), submits it with <c>sbatch --parsable</c>, and optionally follows it with
/// <c>squeue</c> until every task ended, then reports each task's state (from <c>sacct</c>, or <c>scontrol</c> when
/// accounting is off, or the run directories).
/// </summary>
internal sealed class SlurmExecutor(SlurmTools tools, TextWriter output)
{
    public const string ScriptFileName = "sweep.sbatch";

    // ---- the script ----------------------------------------------------------------------------------------

    /// <summary>"0-3,5,7-9%4": the task ids as ranges, with the throttle when <paramref name="maxParallel"/> &gt; 0.</summary>
    public static string ArraySpec(IReadOnlyList<int> tasks, int maxParallel)
    {
        if (tasks.Count == 0) throw new ArgumentException("no tasks");
        var sorted = tasks.Distinct().Order().ToArray();
        var parts = new List<string>();
        for (int i = 0; i < sorted.Length;)
        {
            int j = i;
            while (j + 1 < sorted.Length && sorted[j + 1] == sorted[j] + 1) j++;
            parts.Add(j == i ? $"{sorted[i]}" : $"{sorted[i]}-{sorted[j]}");
            i = j + 1;
        }
        return string.Join(",", parts) + (maxParallel > 0 ? $"%{maxParallel}" : "");
    }

    /// <summary>The sbatch script running <paramref name="tasks"/> (run numbers) of <paramref name="sweep"/>.</summary>
    public static string Script(SweepDirectory sweep, IReadOnlyList<int> tasks, SlurmOptions options, OnChipCommand cli, string workingDirectory)
    {
        string dir = sweep.FullPath;
        foreach (var (what, path) in new[] { ("the sweep directory", dir), ("the working directory", workingDirectory) })
            if (path.Any(c => char.IsWhiteSpace(c) || c is '%' or '"' or '\'' || char.IsControl(c)))
                throw new UserFacingException($"{path}: {what} holds a space, quote or '%', which #SBATCH lines cannot carry; use a plain path for --executor slurm");
        foreach (var (name, value) in new[] { ("--job-name", options.JobName), ("--partition", options.Partition), ("--time", options.Time), ("--mem", options.Mem) })
            if (value is not null && (value.Length == 0 || value.Any(c => char.IsWhiteSpace(c) || char.IsControl(c))))
                throw new UserFacingException($"{name}: '{value}' is not a valid value (no spaces)");
        foreach (var extra in options.Extra)
            if (!extra.StartsWith('-') || extra.Any(char.IsControl))
                throw new UserFacingException($"--sbatch-option: '{extra}' is not an sbatch option (e.g. --account=abc)");
        int digits = sweep.Plan.Digits;
        string words = string.Join(" ", sweep.Plan.Command.Words);  // plain words: no quoting needed
        var s = new StringBuilder();
        s.Append("#!/bin/bash\n");
        s.Append("#SBATCH --job-name=").Append(options.JobName).Append('\n');
        s.Append("#SBATCH --array=").Append(ArraySpec(tasks, options.MaxParallel)).Append('\n');
        s.Append("#SBATCH --cpus-per-task=").Append(options.CpusPerTask.ToString(CultureInfo.InvariantCulture)).Append('\n');
        s.Append("#SBATCH --ntasks=1\n");
        s.Append("#SBATCH --output=").Append(dir).Append('/').Append(SweepDirectory.LogsFolder).Append($"/%A_%{digits}a.out\n");
        s.Append("#SBATCH --error=").Append(dir).Append('/').Append(SweepDirectory.LogsFolder).Append($"/%A_%{digits}a.err\n");
        s.Append("#SBATCH --chdir=").Append(workingDirectory).Append('\n');
        if (options.Partition is not null) s.Append("#SBATCH --partition=").Append(options.Partition).Append('\n');
        if (options.Time is not null) s.Append("#SBATCH --time=").Append(options.Time).Append('\n');
        if (options.Mem is not null) s.Append("#SBATCH --mem=").Append(options.Mem).Append('\n');
        foreach (var extra in options.Extra) s.Append("#SBATCH ").Append(extra).Append('\n');
        s.Append($$"""
            #
            # OnChip sweep of {{sweep.Plan.Runs.Count}} run(s) from {{sweep.Plan.Spec}}, written by onchip sweep --executor slurm.
            # Array task i runs {{dir}}/runs/<i as {{digits}} digits>: onchip {{words}} --config RUN/config.yaml --out RUN the first
            # time, onchip {{words}} --resume RUN once the run started (a complete run returns at once). The task writes only
            # its run directory (stderr also to RUN/stderr.log, the exit status to RUN/exit_code) and its log files.
            set -u
            sweep={{OnChipCommand.Quote(dir)}}
            task="${SLURM_ARRAY_TASK_ID:?this script is a Slurm array job: submit it with sbatch}"
            run="$sweep/runs/$(printf '%0{{digits}}d' "$task")"
            if [ ! -f "$run/config.yaml" ]; then
              echo "onchip sweep: $run/config.yaml not found (task $task is not a run of this sweep)" >&2
              exit 2
            fi
            if [ -e "$run/metrics.jsonl" ] || [ -e "$run/model.onchip" ] || [ -e "$run/checkpoint.onchip" ] || [ -e "$run/checkpoint.prev.onchip" ]; then
              set -- {{words}} --resume "$run"
            else
              set -- {{words}} --config "$run/config.yaml" --out "$run"
            fi
            echo "onchip sweep: task $task (job ${SLURM_ARRAY_JOB_ID:-?}) on $(hostname): onchip $*"
            rm -f "$run/exit_code"
            {{cli.ShellText}} "$@" 2> "$run/stderr.log"
            rc=$?
            cat "$run/stderr.log" >&2
            echo "$rc" > "$run/exit_code"
            echo "onchip sweep: task $task exit status $rc"
            exit "$rc"

            """);
        return s.ToString();
    }

    /// <summary>Writes DIR/sweep.sbatch (atomically, executable) and returns its path.</summary>
    public static string WriteScript(SweepDirectory sweep, string script)
    {
        string path = Path.Combine(sweep.FullPath, ScriptFileName);
        AtomicFile.WriteAllText(path, script);
        if (!OperatingSystem.IsWindows())
            File.SetUnixFileMode(path, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute | UnixFileMode.GroupRead | UnixFileMode.OtherRead);
        return path;
    }

    // ---- submit and follow ---------------------------------------------------------------------------------

    /// <summary>Submits the script with <c>sbatch --parsable</c>; returns the job id.</summary>
    public string Submit(string scriptPath)
    {
        var (code, stdout, stderr) = Exec(tools.Sbatch, ["--parsable", scriptPath]);
        if (code == -1) throw new UserFacingException($"cannot run {tools.Sbatch} ({stderr}): is Slurm installed and on PATH? (or use --executor local)");
        if (code != 0) throw new UserFacingException($"{tools.Sbatch} failed (exit code {code}): {OneLine(stderr.Length > 0 ? stderr : stdout)}");
        string id = stdout.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries).FirstOrDefault()?.Split(';')[0] ?? "";
        if (!Regex.IsMatch(id, "^[0-9]+$")) throw new UserFacingException($"{tools.Sbatch} --parsable printed '{OneLine(stdout)}', not a job id");
        return id;
    }

    /// <summary>
    /// Follows job <paramref name="jobId"/> with squeue every <paramref name="poll"/> until none of its tasks is
    /// pending or running, printing each run as it completes and a line when the task counts change; then returns
    /// every task's final state. Returns null when <paramref name="cancel"/> stops the wait (the job goes on).
    /// </summary>
    public IReadOnlyList<TaskState>? Wait(string jobId, SweepDirectory sweep, IReadOnlyList<int> tasks, TimeSpan poll, CancellationToken cancel = default)
    {
        var reported = new HashSet<int>();
        string last = "";
        int failures = 0;
        int total = tasks.Count;
        while (true)
        {
            var (code, stdout, stderr) = Exec(tools.Squeue, ["-h", "-r", "-j", jobId, "-o", "%i|%T"]);
            var live = new List<string>();
            if (code == -1)
                throw new UserFacingException($"--wait: cannot run {tools.Squeue} ({stderr}); job {jobId} was submitted and goes on: " +
                                              $"when it ended, run onchip sweep collect {sweep.Path}");
            if (code != 0 && !stderr.Contains("Invalid job id", StringComparison.OrdinalIgnoreCase))
            {
                if (++failures >= 10) throw new UserFacingException($"{tools.Squeue} keeps failing ({OneLine(stderr)}); the job {jobId} may still run: follow it with squeue -j {jobId}");
                output.WriteLine($"warning: {tools.Squeue} failed ({OneLine(stderr)}); retrying");
            }
            else
            {
                failures = 0;
                foreach (var line in stdout.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
                    live.Add(line.Split('|') is [_, var state, ..] ? state : "UNKNOWN");
            }
            ReportCompleted(sweep, tasks, reported, total);
            if (code == 0 || failures == 0)
            {
                int running = live.Count(s => s is "RUNNING" or "COMPLETING" or "CONFIGURING");
                int pending = live.Count - running;
                string summary = $"job {jobId}: {running} running, {pending} pending, {total - live.Count} ended";
                if (summary != last) output.WriteLine(summary);
                last = summary;
                if (live.Count == 0) break;
            }
            if (cancel.WaitHandle.WaitOne(poll))
            {
                output.WriteLine($"stopped following job {jobId}; it goes on (squeue -j {jobId}); collect results later with: onchip sweep collect {sweep.Path}");
                return null;
            }
        }
        ReportCompleted(sweep, tasks, reported, total);
        return FinalStates(jobId, sweep, tasks);
    }

    private void ReportCompleted(SweepDirectory sweep, IReadOnlyList<int> tasks, HashSet<int> reported, int total)
    {
        foreach (int task in tasks)
        {
            if (reported.Contains(task)) continue;
            var state = sweep.State(sweep.Plan.Runs[task]);
            if (state.Status != RunStatus.Complete) continue;
            reported.Add(task);
            string acc = SweepCollector.FinalMetric(state.Path, "test_acc") is double a ? $": test acc {(100 * a).ToString("F2", CultureInfo.InvariantCulture)}%" : "";
            output.WriteLine($"[{reported.Count}/{total}] run {state.Run.Id} complete{acc} ({state.Run.Label()})");
        }
    }

    /// <summary>Each task's state: from sacct, else scontrol (jobs stay there MinJobAge seconds), else the run directories.</summary>
    public IReadOnlyList<TaskState> FinalStates(string jobId, SweepDirectory sweep, IReadOnlyList<int> tasks)
    {
        var states = new Dictionary<int, TaskState>();
        var (code, stdout, _) = Exec(tools.Sacct, ["-n", "-P", "-X", "-j", jobId, "-o", "JobID,State,ExitCode"]);
        if (code == 0)
            foreach (var line in stdout.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
                if (line.Split('|') is [var id, var state, var exit, ..] && Regex.Match(id, @"^[0-9]+_([0-9]+)$") is { Success: true } m)
                    states[int.Parse(m.Groups[1].Value, CultureInfo.InvariantCulture)] = new(int.Parse(m.Groups[1].Value, CultureInfo.InvariantCulture), state.Split(' ')[0], exit, "sacct");
        if (tasks.Any(t => !states.ContainsKey(t)))
        {
            (code, stdout, _) = Exec(tools.Scontrol, ["-o", "show", "job", jobId]);
            if (code == 0)
                foreach (var line in stdout.Split('\n', StringSplitOptions.RemoveEmptyEntries))
                {
                    var task = Regex.Match(line, @"\bArrayTaskId=([0-9]+)\b");
                    var state = Regex.Match(line, @"\bJobState=(\S+)");
                    var exit = Regex.Match(line, @"\bExitCode=(\S+)");
                    if (task.Success && state.Success)
                    {
                        int t = int.Parse(task.Groups[1].Value, CultureInfo.InvariantCulture);
                        if (!states.ContainsKey(t)) states[t] = new(t, state.Groups[1].Value, exit.Success ? exit.Groups[1].Value : null, "scontrol");
                    }
                }
        }
        foreach (int t in tasks.Where(t => !states.ContainsKey(t)))
        {
            var run = sweep.State(sweep.Plan.Runs[t]);
            states[t] = new(t, run.Status == RunStatus.Complete ? "COMPLETED" : run.ExitCode is int c ? (c == 0 ? "COMPLETED" : "FAILED") : "UNKNOWN",
                run.ExitCode?.ToString(CultureInfo.InvariantCulture), "run directory");
        }
        return tasks.Select(t => states[t]).ToArray();
    }

    /// <summary>Runs a command and returns its exit code and output (-1 and the reason when it cannot be started).</summary>
    public static (int Code, string Stdout, string Stderr) Exec(string file, IReadOnlyList<string> args, int timeoutSeconds = 120)
    {
        var info = new ProcessStartInfo(file) { RedirectStandardOutput = true, RedirectStandardError = true, RedirectStandardInput = true, UseShellExecute = false };
        foreach (var a in args) info.ArgumentList.Add(a);
        try
        {
            using var process = Process.Start(info);
            if (process is null) return (-1, "", "did not start");
            process.StandardInput.Close();
            var stdout = process.StandardOutput.ReadToEndAsync();
            var stderr = process.StandardError.ReadToEndAsync();
            if (!process.WaitForExit(TimeSpan.FromSeconds(timeoutSeconds)))
            {
                try { process.Kill(entireProcessTree: true); } catch (InvalidOperationException) { }
                return (-2, "", $"{file} did not answer within {timeoutSeconds} s");
            }
            process.WaitForExit();
            return (process.ExitCode, stdout.Result, stderr.Result);
        }
        catch (Win32Exception e)
        {
            return (-1, "", e.Message);
        }
    }

    private static string OneLine(string text)
    {
        string line = string.Join(" ", text.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries));
        return line.Length > 300 ? line[..300] + "…" : line;
    }
}
