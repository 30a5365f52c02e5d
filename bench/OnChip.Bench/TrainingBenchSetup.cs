using OnChip.Configuration;
using OnChip.Data;
using OnChip.Training;

namespace OnChip.Bench;

/// <summary>What the training benchmarks share: `--key value` pairs set on a training config, and the data they train on.</summary>
internal static class TrainingBenchSetup
{
    /// <summary>Sets each `--key value` pair (a train option) on <paramref name="config"/>; an unknown key is an error.</summary>
    public static void Apply(TrainingConfig config, IReadOnlyList<string> options)
    {
        for (int i = 0; i + 1 < options.Count; i += 2)
        {
            var key = TrainingConfig.Keys.FirstOrDefault(k => "--" + k.Name == options[i])
                ?? throw new ArgumentException($"unknown option {options[i]}");
            key.Set(config, options[i + 1]);
        }
    }

    /// <summary>Trains the config's epochs on its data, printing each epoch's seconds and the summary after the first.</summary>
    public static void TrainEpochs(string bench, TrainingConfig config)
    {
        var data = Data(config);
        Console.WriteLine($"{bench} bench: {data.Train.Count} examples, {config.NetworkText}, rule {config.Rule} β={config.Beta}, " +
                          $"batch {config.Batch}, T1={config.T1} T2={config.T2}, {config.Threads} threads, {config.Epochs} epochs");
        using var trainer = new Trainer(config, data);
        var times = new EpochTimes();
        for (int epoch = 1; epoch <= config.Epochs; epoch++)
        {
            var (m, used) = times.Run(() => trainer.RunNextEpoch(null)!, m => m.EpochSeconds);
            Console.WriteLine($"  epoch {epoch}: {m.EpochSeconds:F3} s train  ({m.ExamplesPerSecond:F0} ex/s)  {used:F3} s cpu (whole epoch, incl. test)  test acc {100 * m.TestAccuracy:F2}%");
        }
        times.PrintSummary();
    }

    /// <summary>The config's dataset: the first train-limit training examples and test-limit (default 1,000) test examples.</summary>
    public static DataSplit Data(TrainingConfig config)
    {
        var full = DatasetLoader.Load(config.Data);
        return new DataSplit(config.TrainLimit is int n ? full.Train.Take(n) : full.Train, full.Test.Take(config.TestLimit ?? 1000));
    }
}
