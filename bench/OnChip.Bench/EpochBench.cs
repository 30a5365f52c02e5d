using OnChip.Configuration;

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
        TrainingBenchSetup.TrainEpochs("epoch", config);
    }
}
