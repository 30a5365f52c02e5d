using System.Diagnostics;
using OnChip.Configuration;
using OnChip.Data;
using OnChip.Training;

namespace OnChip.Bench;

/// <summary>
/// Seconds of training per epoch for the reference configuration of the foundation issue (full Fashion-MNIST,
/// 784-512-10, mysig, MSE, Adam 5e-4, β = 0.1, T1 = 30, T2 = 10, batch 50). Usage:
/// <c>epoch [--rule ep] [--threads N] [--epochs 3] [--data fashion-mnist] [--train-limit N]</c>.
/// The first epoch includes JIT warm-up; the median is taken over all epochs after it.
/// </summary>
public static class EpochBench
{
    public static void Run(string[] args)
    {
        var config = new TrainingConfig { Data = "fashion-mnist", Epochs = 4, TestLimit = 1000 };
        TrainingBenchSetup.Apply(config, args);
        var data = TrainingBenchSetup.Data(config);
        Console.WriteLine($"epoch bench: {data.Train.Count} examples, {config.Archi} {config.Act} {config.Loss}, rule {config.Rule}, " +
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
}
