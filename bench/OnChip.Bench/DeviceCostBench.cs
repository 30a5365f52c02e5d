using OnChip.Configuration;
using OnChip.Training;

namespace OnChip.Bench;

/// <summary>
/// What device arrays cost: CPU and wall seconds per EP training epoch (the whole epoch, its test evaluation included) for ideal storage and for each device/programming pair,
/// with the epochs of all configurations interleaved round-robin in one process (so a change in machine load hits
/// them all alike), and each configuration's median over epochs 2.. as a ratio to ideal's. Usage:
/// <c>device-cost [--configs ecram/pulse-train,ernoult-nonlinear/sign] [--runs 1] [--epochs 5] [--train-limit 12000] [--threads 1] [any train option]</c>.
/// Defaults: the EP reference network on Fashion-MNIST with plain SGD, lr 0.1. A shared machine moves a run's ratios
/// by up to ±0.1, so --runs N repeats the whole measurement (fresh trainers each time) and ends with each ratio's
/// median and range over the runs.
/// </summary>
public static class DeviceCostBench
{
    private static readonly string[] DefaultConfigs =
    [
        "ecram/pulse-train", "ecram/pulse-stochastic", "ecram/mixed-precision", "ecram/pulse-round",
        "ernoult-nonlinear/sign", "ernoult-nonlinear/rprop",
    ];

    public static void Run(string[] args)
    {
        var options = new List<string> { "--data", "fashion-mnist", "--optim", "sgd", "--lr", "0.1", "--epochs", "5", "--train-limit", "12000", "--threads", "1" };
        var configs = DefaultConfigs;
        int runs = 1;
        for (int i = 0; i + 1 < args.Length; i += 2)
        {
            if (args[i] == "--configs") configs = args[i + 1].Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
            else if (args[i] == "--runs") runs = int.TryParse(args[i + 1], out int r) && r >= 1 ? r : throw new ArgumentException($"--runs: expected a positive integer, got '{args[i + 1]}'");
            else options.AddRange([args[i], args[i + 1]]);
        }
        var names = new[] { "ideal/exact" }.Concat(configs).ToArray();
        var settings = names.Select(name => Configure(options, name)).ToArray();
        var first = settings[0];
        var data = TrainingBenchSetup.Data(first);
        Console.WriteLine($"device-cost bench: {data.Train.Count} examples, {first.Archi}, {first.Optim} lr {string.Join(",", first.Lr)}, batch {first.Batch}, " +
                          $"{first.Threads} threads, {first.Epochs} epochs per configuration, interleaved, {runs} run(s)");
        var cpuRatios = names.Select(_ => new List<double>()).ToArray();
        var wallRatios = names.Select(_ => new List<double>()).ToArray();
        for (int run = 1; run <= runs; run++)
        {
            var trainers = settings.Select(c => new Trainer(c, data)).ToArray();
            var times = names.Select(_ => new EpochTimes()).ToArray();
            for (int epoch = 1; epoch <= first.Epochs; epoch++)
                for (int c = 0; c < trainers.Length; c++)
                    times[c].Run(() => trainers[c].RunNextEpoch(null)!, m => m.EpochSeconds);
            foreach (var t in trainers) t.Dispose();
            // CPU time is the steadier measure on a shared machine with one thread; with more, idle workers spin, so
            // wall time is the one to read.
            double idealCpu = times[0].MedianCpu, idealWall = times[0].MedianWall;
            if (runs > 1) Console.WriteLine($"run {run} ({DateTime.UtcNow:HH:mm} UTC)");
            Console.WriteLine($"{"storage/programming",-28} {"cpu s/epoch",12} {"ratio",7} {"wall s/epoch",13} {"ratio",7}   cpu s, epochs 2..{first.Epochs}");
            for (int c = 0; c < names.Length; c++)
            {
                cpuRatios[c].Add(times[c].MedianCpu / idealCpu);
                wallRatios[c].Add(times[c].MedianWall / idealWall);
                Console.WriteLine($"{names[c],-28} {times[c].MedianCpu,12:F3} {times[c].MedianCpu / idealCpu,6:F2}x {times[c].MedianWall,13:F3} {times[c].MedianWall / idealWall,6:F2}x   " +
                                  string.Join(" ", times[c].SteadyCpu.Select(s => s.ToString("F3"))));
            }
        }
        if (runs == 1) return;
        Console.WriteLine($"over {runs} runs: median ratio (min-max)");
        Console.WriteLine($"{"storage/programming",-28} {"cpu",20} {"wall",20}");
        for (int c = 1; c < names.Length; c++)
            Console.WriteLine($"{names[c],-28} {Summary(cpuRatios[c]),20} {Summary(wallRatios[c]),20}");
    }

    private static string Summary(List<double> ratios)
    {
        var sorted = ratios.Order().ToArray();
        double median = sorted.Length % 2 == 1 ? sorted[sorted.Length / 2] : 0.5 * (sorted[sorted.Length / 2 - 1] + sorted[sorted.Length / 2]);
        return $"{median:F2}x ({sorted[0]:F2}-{sorted[^1]:F2})";
    }

    private static TrainingConfig Configure(IReadOnlyList<string> options, string name)
    {
        var parts = name.Split('/');
        if (parts.Length != 2) throw new ArgumentException($"--configs: expected DEVICE/PROGRAMMING, got '{name}'");
        var config = new TrainingConfig();
        TrainingBenchSetup.Apply(config, [.. options, "--device", parts[0], "--programming", parts[1]]);
        return config;
    }
}
