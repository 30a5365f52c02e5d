using System.Diagnostics;
using OnChip.Cli;
using OnChip.Training;

namespace OnChip.Tests.Training;

/// <summary>
/// What the resume tests of every training command share: the CLI in process, a run in a child process that can be
/// killed or interrupted, waiting for its first checkpoint, and comparing two runs' metrics with the timings aside.
/// </summary>
internal static class ChildRuns
{
    private static readonly string[] Timings = ["epoch_seconds", "eval_seconds", "examples_per_second"];

    /// <summary>The command line in this process: exit code, standard output and standard error.</summary>
    public static (int Code, string Out, string Err) Run(params string[] args)
    {
        var output = new StringWriter();
        var error = new StringWriter();
        return (Program.Run(args, output, error), output.ToString(), error.ToString());
    }

    /// <summary>Starts <c>onchip COMMAND… SETTINGS… --out OUTDIR</c> in a child process, its output read asynchronously.</summary>
    public static Process Start(string[] command, string[] settings, string outDir)
    {
        string cli = Path.Combine(AppContext.BaseDirectory, "OnChip.Cli.dll");
        var start = new ProcessStartInfo("dotnet") { RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (var a in (string[])["exec", cli, .. command, .. settings, "--out", outDir]) start.ArgumentList.Add(a);
        var process = Process.Start(start)!;
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        return process;
    }

    /// <summary>Waits (at most two minutes) until the child run in <paramref name="run"/> has written its first checkpoint.</summary>
    public static void WaitForCheckpoint(string run, Process process)
    {
        var clock = Stopwatch.StartNew();
        while (!File.Exists(Path.Combine(run, Checkpoint.FileName)))
        {
            Assert.False(process.HasExited, "the child run ended before it could be interrupted");
            Assert.True(clock.Elapsed < TimeSpan.FromMinutes(2), "timed out waiting for the child run");
            Thread.Sleep(20);
        }
    }

    /// <summary>
    /// Sends SIGINT to the child run in <paramref name="run"/> once its first checkpoint is written, requires that it
    /// stops with exit code 130, and returns what it printed on standard output from the moment this was called.
    /// </summary>
    public static string Interrupt(string run, Process process)
    {
        var output = new System.Text.StringBuilder();
        process.OutputDataReceived += (_, e) => { lock (output) output.AppendLine(e.Data); };
        WaitForCheckpoint(run, process);
        Thread.Sleep(100);
        Process.Start("kill", ["-INT", process.Id.ToString()])!.WaitForExit();
        Assert.True(process.WaitForExit(60_000));
        process.WaitForExit();   // and the end of its output
        Assert.Equal(130, process.ExitCode);
        lock (output) return output.ToString();
    }

    /// <summary>The two runs wrote the same files, byte for byte, and the same metrics lines, timings aside.</summary>
    public static void AssertSameRun(string expected, string actual, params string[] files)
    {
        foreach (string file in files)
            Assert.Equal(File.ReadAllBytes(Path.Combine(expected, file)), File.ReadAllBytes(Path.Combine(actual, file)));
        var a = MetricsLog.Read(Path.Combine(expected, "metrics.jsonl"));
        var b = MetricsLog.Read(Path.Combine(actual, "metrics.jsonl"));
        Assert.Equal(a.Count, b.Count);
        for (int i = 0; i < a.Count; i++)
            foreach (var key in a[i].Keys.Except(Timings))
                Assert.Equal(a[i][key].ToString(), b[i][key].ToString());
    }
}
