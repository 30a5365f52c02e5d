using OnChip.Configuration;
using OnChip.Training;

namespace OnChip.Bench;

/// <summary>
/// What device arrays cost: CPU and wall seconds per EP training epoch (the whole epoch, its test evaluation included) for ideal storage and for each device/programming pair,
/// with the epochs of all configurations interleaved round-robin in one process (so a change in machine load hits
/// them all alike), and each configuration's median over epochs 2.. as a ratio to ideal's. Usage:
/// <c>device-cost [--configs ecram/pulse-train,ernoult-nonlinear/sign] [--epochs 5] [--train-limit 12000] [--threads 1] [any train option]</c>.
/// Defaults: the EP reference network on Fashion-MNIST with plain SGD, lr 0.1.
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
        for (int i = 0; i + 1 < args.Length; i += 2)
        {
            if (args[i] == "--configs") configs = args[i + 1].Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
            else options.AddRange([args[i], args[i + 1]]);
        }
        var names = new[] { "ideal/exact" }.Concat(configs).ToArray();
        var settings = names.Select(name => Configure(options, name)).ToArray();
        var first = settings[0];
        var data = TrainingBenchSetup.Data(first);
        Console.WriteLine($"device-cost bench: {data.Train.Count} examples, {first.Archi}, {first.Optim} lr {string.Join(",", first.Lr)}, batch {first.Batch}, " +
                          $"{first.Threads} threads, {first.Epochs} epochs per configuration, interleaved");
        var trainers = settings.Select(c => new Trainer(c, data)).ToArray();
        var times = names.Select(_ => new EpochTimes()).ToArray();
        for (int epoch = 1; epoch <= first.Epochs; epoch++)
            for (int c = 0; c < trainers.Length; c++)
                times[c].Run(() => trainers[c].RunNextEpoch(null)!, m => m.EpochSeconds);
        foreach (var t in trainers) t.Dispose();
        // CPU time is the steadier measure on a shared machine with one thread; with more, idle workers spin, so
        // wall time is the one to read.
        double idealCpu = times[0].MedianCpu, idealWall = times[0].MedianWall;
        Console.WriteLine($"{"storage/programming",-28} {"cpu s/epoch",12} {"ratio",7} {"wall s/epoch",13} {"ratio",7}   cpu s, epochs 2..{first.Epochs}");
        for (int c = 0; c < names.Length; c++)
            Console.WriteLine($"{names[c],-28} {times[c].MedianCpu,12:F3} {times[c].MedianCpu / idealCpu,6:F2}x {times[c].MedianWall,13:F3} {times[c].MedianWall / idealWall,6:F2}x   " +
                              string.Join(" ", times[c].SteadyCpu.Select(s => s.ToString("F3"))));
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
