using System.Diagnostics;

namespace OnChip.Bench;

/// <summary>
/// Wall and CPU seconds of the epochs of a training benchmark, summarised over the epochs after the first (which
/// includes JIT warm-up). CPU time is steadier than wall time on a shared machine (with --threads 1, no spinning).
/// </summary>
internal sealed class EpochTimes
{
    private readonly List<double> _seconds = [], _cpu = [];
    private readonly Process _process = Process.GetCurrentProcess();

    /// <summary>Runs one epoch; records its training seconds (as the trainer reports them) and the CPU seconds of the whole call.</summary>
    public (T Result, double CpuSeconds) Run<T>(Func<T> epoch, Func<T, double> trainingSeconds)
    {
        _process.Refresh();
        var before = _process.TotalProcessorTime;
        var result = epoch();
        _process.Refresh();
        double cpu = (_process.TotalProcessorTime - before).TotalSeconds;
        _cpu.Add(cpu);
        _seconds.Add(trainingSeconds(result));
        return (result, cpu);
    }

    public void PrintSummary()
    {
        if (_seconds.Count < 2) return;
        Print("seconds per epoch", _seconds);
        Print("cpu seconds per epoch", _cpu);
    }

    private void Print(string what, List<double> values)
    {
        var steady = values.Skip(1).Order().ToArray();
        Console.WriteLine($"{what} (epochs 2..{values.Count}): min {steady[0]:F3}  median {steady[steady.Length / 2]:F3}  max {steady[^1]:F3}");
    }
}
