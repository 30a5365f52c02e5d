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
        using var trainer = new RbmTrainer(config, data);
        var seconds = new List<double>();
        var cpu = new List<double>();
        var process = System.Diagnostics.Process.GetCurrentProcess();
        for (int epoch = 1; epoch <= config.Epochs; epoch++)
        {
            process.Refresh();
            var before = process.TotalProcessorTime;
            var r = trainer.RunEpoch(epoch, null)!;
            process.Refresh();
            cpu.Add((process.TotalProcessorTime - before).TotalSeconds);
            seconds.Add(r.Metrics.EpochSeconds);
            Console.WriteLine($"  epoch {epoch}: {r.Metrics.EpochSeconds:F3} s train  ({r.Metrics.ExamplesPerSecond:F0} ex/s)  " +
                              $"test error {100 * r.Extra["test_error"]:F2}%  recon {r.Extra["recon_error"]:F4}  eval {r.Metrics.EvalSeconds:F3} s");
        }
        var steady = seconds.Skip(1).Order().ToArray();
        if (steady.Length > 0)
        {
            Console.WriteLine($"seconds per epoch (epochs 2..{config.Epochs}): min {steady[0]:F3}  median {steady[steady.Length / 2]:F3}  max {steady[^1]:F3}");
            var steadyCpu = cpu.Skip(1).Order().ToArray();   // whole epoch incl. evaluation; steadier than wall time on a shared machine
            Console.WriteLine($"cpu seconds per epoch (epochs 2..{config.Epochs}): min {steadyCpu[0]:F3}  median {steadyCpu[steadyCpu.Length / 2]:F3}  max {steadyCpu[^1]:F3}");
        }
    }
}
