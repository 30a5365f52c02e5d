using System.Diagnostics;

namespace OnChip.Bench;

/// <summary>
/// Wall and CPU seconds of the epochs of a training benchmark, summarised over the epochs after the first (which
/// includes JIT warm-up). CPU time is steadier than wall time on a shared machine (with --threads 1, no spinning).
/// </summary>
internal sealed class EpochTimes
{
    private readonly List<double> _seconds = [], _cpu = [], _wall = [];
    private readonly Process _process = Process.GetCurrentProcess();
    private readonly Stopwatch _clock = new();

    /// <summary>Runs one epoch; records its training seconds (as the trainer reports them) and the CPU seconds of the whole call.</summary>
    public (T Result, double CpuSeconds) Run<T>(Func<T> epoch, Func<T, double> trainingSeconds)
    {
        _process.Refresh();
        var before = _process.TotalProcessorTime;
        _clock.Restart();
        var result = epoch();
        _wall.Add(_clock.Elapsed.TotalSeconds);
        _process.Refresh();
        double cpu = (_process.TotalProcessorTime - before).TotalSeconds;
        _cpu.Add(cpu);
        _seconds.Add(trainingSeconds(result));
        return (result, cpu);
    }

    /// <summary>Median CPU seconds of a whole call, over the epochs after the first.</summary>
    public double MedianCpu => Median(_cpu);

    /// <summary>Median wall seconds of a whole call (the test evaluation included), over the epochs after the first.</summary>
    public double MedianWall => Median(_wall);

    /// <summary>CPU seconds of the epochs after the first, in order.</summary>
    public IEnumerable<double> SteadyCpu => _cpu.Skip(1);

    public void PrintSummary()
    {
        if (_seconds.Count < 2) return;
        Print("seconds per epoch", _seconds);
        Print("cpu seconds per epoch", _cpu);
    }

    private static void Print(string what, List<double> values)
    {
        var steady = Steady(values);
        Console.WriteLine($"{what} (epochs 2..{values.Count}): min {steady[0]:F3}  median {Median(values):F3}  max {steady[^1]:F3}");
    }

    private static double[] Steady(List<double> values) => values.Skip(1).Order().ToArray();

    /// <summary>The median of the epochs after the first: the mean of the middle two for an even count (two epochs: their mean, not the slower).</summary>
    private static double Median(List<double> values)
    {
        var steady = Steady(values);
        int m = steady.Length / 2;
        return steady.Length % 2 == 1 ? steady[m] : 0.5 * (steady[m - 1] + steady[m]);
    }
}
