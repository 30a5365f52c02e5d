using OnChip.Configuration;
using OnChip.Data;
using OnChip.Rbm;

namespace OnChip.Bench;

/// <summary>
/// Seconds of RBM training per epoch in Ernoult 2019's setting: discriminative RBM 784+10-300, CD-1, mini-batch 100,
/// on the first 40,000 Fashion-MNIST training images (1,000 test images for the per-epoch evaluation). Usage:
/// <c>rbm [--epochs 4] [--threads N] [--data fashion-mnist] [--train-limit 40000] [any rbm train option]</c>.
/// The first epoch includes JIT warm-up; the median is taken over the epochs after it.
/// </summary>
public static class RbmBench
{
    public static void Run(string[] args)
    {
        var config = new RbmConfig();
        config.Shared.Data = "fashion-mnist";
        config.Shared.TrainLimit = 40000;
        config.Shared.TestLimit = 1000;
        config.Shared.Epochs = 4;
        for (int i = 0; i < args.Length; i++)
        {
            var key = RbmConfig.Keys.FirstOrDefault(k => "--" + k.Name == args[i])
                ?? throw new ArgumentException($"unknown option {args[i]}");
            if (key.IsFlag && (i + 1 >= args.Length || args[i + 1].StartsWith("--", StringComparison.Ordinal))) key.Set(config, "true");
            else key.Set(config, args[++i]);
        }
        var full = DatasetLoader.Load(config.Data);
        var data = new DataSplit(config.Shared.TrainLimit is int n ? full.Train.Take(Math.Min(n, full.Train.Count)) : full.Train,
            full.Test.Take(Math.Min(config.Shared.TestLimit ?? 1000, full.Test.Count)));
        Console.WriteLine($"rbm bench: {data.Train.Count} examples, {config.Model} {data.Train.FeatureCount}-{config.Hidden}, " +
                          $"{(config.Persistent ? "PCD" : "CD")}-{config.CdK}, {config.Chains} chain(s), batch {config.Batch}, binarize {config.Binarize}, " +
                          $"{config.Threads} threads, {config.Epochs} epochs");
        using var trainer = RbmLearner.CreateTrainer(config, data);
        var times = new EpochTimes();
        for (int epoch = 1; epoch <= config.Epochs; epoch++)
        {
            var (r, _) = times.Run(() => trainer.RunNextEpoch(null)!, r => r.EpochSeconds);
            Console.WriteLine($"  epoch {epoch}: {r.EpochSeconds:F3} s train  ({r.ExamplesPerSecond:F0} ex/s)  " +
                              $"test error {100 * r.Hardware!["test_error"]:F2}%  recon {r.Hardware!["recon_error"]:F4}  eval {r.EvalSeconds:F3} s");
        }
        times.PrintSummary();
    }
}
