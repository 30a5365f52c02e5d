using System.ComponentModel;
using System.Diagnostics;
using System.Globalization;
using System.Runtime.InteropServices;
using OnChip.Training;

namespace OnChip.Sweeps;

/// <summary>How one run of a sweep ended.</summary>
internal sealed record RunResult(RunState State, int ExitCode, TimeSpan Elapsed, string? Error);

/// <summary>
/// Runs a sweep's runs on this machine, at most <c>jobs</c> at a time, each in its own child process
/// (<c>onchip COMMAND --config RUN/config.yaml --out RUN</c>, or <c>onchip COMMAND --resume RUN</c> for a run that
/// started before; COMMAND is the sweep's, <c>train</c> or <c>rbm train</c>), its stdout and stderr in RUN/stdout.log and RUN/stderr.log and its exit status in RUN/exit_code.
/// A failing run does not stop the others. One line is printed per finished run.
/// </summary>
internal sealed class LocalExecutor(OnChipCommand cli, int jobs, TextWriter output)
{
    private readonly Lock _gate = new();
    private readonly HashSet<Process> _running = [];

    /// <summary>Called after each run's line is printed (under the output lock): drives a progress bar.</summary>
    public Action<RunResult>? Finished { get; init; }

    /// <summary>The arguments of <c>onchip</c> that start or continue a run.</summary>
    public static string[] TrainArguments(TrainingCommand command, RunState state) =>
        state.Started
            ? [.. command.Words, "--resume", state.Path]
            : [.. command.Words, "--config", Path.Combine(state.Path, RunDirectory.ConfigFileName), "--out", state.Path];

    /// <summary>
    /// Runs <paramref name="todo"/>; once <paramref name="cancel"/> is set no new run starts (runs under way finish,
    /// or stop at their own signal and checkpoint). Results are in run order.
    /// </summary>
    public IReadOnlyList<RunResult> Run(SweepDirectory sweep, IReadOnlyList<RunState> todo, CancellationToken cancel = default)
    {
        if (jobs < 1) throw new ArgumentOutOfRangeException(nameof(jobs));
        var results = new RunResult?[todo.Count];
        int next = -1, finished = 0;
        var workers = Enumerable.Range(0, Math.Min(jobs, Math.Max(1, todo.Count))).Select(_ => Task.Run(() =>
        {
            while (!cancel.IsCancellationRequested)
            {
                int i = Interlocked.Increment(ref next);
                if (i >= todo.Count) break;
                var result = RunOne(sweep, todo[i]);
                results[i] = result;
                int k = Interlocked.Increment(ref finished);
                lock (_gate)
                {
                    output.WriteLine(Describe(sweep, result, $"[{k}/{todo.Count}]"));
                    Finished?.Invoke(result);
                }
            }
        })).ToArray();
        Task.WaitAll(workers);
        return results.OfType<RunResult>().OrderBy(r => r.State.Run.Number).ToArray();
    }

    /// <summary>Asks the runs under way to stop (SIGTERM: each checkpoints and exits with code 130).</summary>
    public void Terminate()
    {
        lock (_gate)
        {
            foreach (var process in _running)
            {
                try
                {
                    if (!process.HasExited) Signal(process.Id);
                }
                catch (InvalidOperationException) { }
            }
        }
    }

    private static void Signal(int pid)
    {
        if (OperatingSystem.IsWindows()) return;
        _ = kill(pid, 15);
    }

    [DllImport("libc", SetLastError = true)]
    private static extern int kill(int pid, int signal);

    private RunResult RunOne(SweepDirectory sweep, RunState before)
    {
        var clock = Stopwatch.StartNew();
        string dir = before.Path;
        int code;
        string? error = null;
        try
        {
            File.Delete(Path.Combine(dir, SweepDirectory.ExitCodeFile));
            var info = cli.StartInfo(TrainArguments(sweep.Plan.Command, before));
            info.RedirectStandardOutput = true;
            info.RedirectStandardError = true;
            info.RedirectStandardInput = true;
            using var stdout = new FileStream(Path.Combine(dir, SweepDirectory.StdoutFile), FileMode.Create, FileAccess.Write, FileShare.Read);
            using var stderr = new FileStream(Path.Combine(dir, SweepDirectory.StderrFile), FileMode.Create, FileAccess.Write, FileShare.Read);
            Process process;
            try { process = Process.Start(info) ?? throw new InvalidOperationException("the process did not start"); }
            catch (Win32Exception e) { throw new InvalidOperationException($"cannot start {cli}: {e.Message}"); }
            using (process)
            {
                lock (_gate) _running.Add(process);
                try
                {
                    process.StandardInput.Close();
                    var copyOut = process.StandardOutput.BaseStream.CopyToAsync(stdout);
                    var copyErr = process.StandardError.BaseStream.CopyToAsync(stderr);
                    process.WaitForExit();
                    Task.WaitAll(copyOut, copyErr);
                    code = process.ExitCode;
                }
                finally
                {
                    lock (_gate) _running.Remove(process);
                }
            }
            SweepDirectory.WriteExitCode(dir, code);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or InvalidOperationException)
        {
            code = -1;
            error = e.Message;
            try { SweepDirectory.WriteExitCode(dir, 127); } catch (Exception w) when (w is IOException or UnauthorizedAccessException) { }
        }
        var after = sweep.State(before.Run);
        if (code == 0 && after.Status != RunStatus.Complete)
            error = $"exited normally after {after.EpochsDone} of {before.Run.Epochs} epoch(s)";
        error ??= code is 0 or 130 ? null : SweepDirectory.LastError(dir);
        return new RunResult(after, code, clock.Elapsed, error);
    }

    /// <summary>"[3/12] run 0002 complete in 4.2 s: test acc 81.20% (beta=0.1 seed=0)", or why it failed.</summary>
    public static string Describe(SweepDirectory sweep, RunResult result, string prefix)
    {
        var run = result.State.Run;
        string seconds = result.Elapsed.TotalSeconds.ToString("F1", CultureInfo.InvariantCulture);
        string label = run.Label();
        if (result.ExitCode == 0 && result.State.Status == RunStatus.Complete)
        {
            string acc = SweepCollector.FinalMetric(result.State.Path, "test_acc") is double a ? $": test acc {(100 * a).ToString("F2", CultureInfo.InvariantCulture)}%" : "";
            return $"{prefix} run {run.Id} complete in {seconds} s{acc} ({label})";
        }
        if (result.ExitCode == 130)
            return $"{prefix} run {run.Id} interrupted after {result.State.EpochsDone} of {run.Epochs} epoch(s) ({label}); the next sweep resumes it";
        string why = result.Error is null ? "" : $": {result.Error}";
        return $"{prefix} run {run.Id} FAILED (exit code {result.ExitCode}) after {seconds} s{why} ({label}); see {Path.Combine(sweep.DisplayPath(run), SweepDirectory.StderrFile)}";
    }
}
