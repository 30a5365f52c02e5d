using OnChip.Configuration;
using OnChip.Training;

namespace OnChip.Bench;

/// <summary>
/// What a learning rule costs against another on the same network: wall and CPU seconds per training epoch of each
/// rule, with the epochs of the rules interleaved round-robin in one process (so a change in machine load hits them
/// alike), and each rule's median over epochs 2.. as a ratio to the first rule's. Usage:
/// <c>rules [--rules ep-symmetric,hep] [--epochs 4] [--train-limit 12000] [any train option]</c>. Defaults: the EP
/// reference network (784-512-10, mysig, MSE) on Fashion-MNIST; hEP with --points 4 (the goal: ≤ 2.5× a C-EP epoch).
/// </summary>
public static class RuleCostBench
{
    public static void Run(string[] args)
    {
        var options = new List<string> { "--data", "fashion-mnist", "--epochs", "4", "--train-limit", "12000", "--points", "4" };
        string[] rules = ["ep-symmetric", "hep"];
        for (int i = 0; i + 1 < args.Length; i += 2)
        {
            if (args[i] == "--rules") rules = args[i + 1].Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
            else options.AddRange([args[i], args[i + 1]]);
        }
        var settings = rules.Select(rule =>
        {
            var config = new TrainingConfig();
            TrainingBenchSetup.Apply(config, [.. options, "--rule", rule]);
            config.Validate();
            return config;
        }).ToArray();
        var first = settings[0];
        var data = TrainingBenchSetup.Data(first);
        Console.WriteLine($"rules bench: {data.Train.Count} examples, {first.NetworkText}, β={first.Beta}, T1={first.T1} T2={first.T2}, points {first.Points}, " +
                          $"batch {first.Batch}, {first.Threads} threads, {first.Epochs} epochs per rule, interleaved");
        var trainers = settings.Select(c => new Trainer(c, data)).ToArray();
        var times = rules.Select(_ => new EpochTimes()).ToArray();
        for (int epoch = 1; epoch <= first.Epochs; epoch++)
            for (int r = 0; r < trainers.Length; r++)
                times[r].Run(() => trainers[r].RunNextEpoch(null)!, m => m.EpochSeconds);
        foreach (var t in trainers) t.Dispose();
        Console.WriteLine($"{"rule",-16} {"wall s/epoch",13} {"ratio",7} {"cpu s/epoch",12} {"ratio",7}");
        for (int r = 0; r < rules.Length; r++)
            Console.WriteLine($"{rules[r],-16} {times[r].MedianWall,13:F3} {times[r].MedianWall / times[0].MedianWall,6:F2}x {times[r].MedianCpu,12:F3} {times[r].MedianCpu / times[0].MedianCpu,6:F2}x");
    }
}
