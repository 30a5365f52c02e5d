using OnChip.Configuration;
using OnChip.Data;

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

    /// <summary>The config's dataset: the first train-limit training examples and test-limit (default 1,000) test examples.</summary>
    public static DataSplit Data(TrainingConfig config)
    {
        var full = DatasetLoader.Load(config.Data);
        return new DataSplit(config.TrainLimit is int n ? full.Train.Take(n) : full.Train, full.Test.Take(config.TestLimit ?? 1000));
    }
}
