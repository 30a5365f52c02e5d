using OnChip.Configuration;
using OnChip.Data;
using OnChip.Training;

namespace OnChip.Tests.Training;

/// <summary>
/// The acceptance figures of the foundation issue, on the full Fashion-MNIST (CI installs Debian's
/// dataset-fashion-mnist): reference configuration, 5 epochs, seed 0. The reference PyTorch code reaches 87.2%
/// (one-sided) and 88.0% (symmetric) after 5 epochs; BPTT through the last K = T2 = 10 steps is the baseline.
/// </summary>
public class FashionMnistAccuracyTests
{
    private static TrainingConfig Reference(string rule) => new() { Data = "fashion-mnist", Rule = rule, Epochs = 5, Seed = 0 };

    [Theory]
    [InlineData("ep", 0.868)]
    [InlineData("ep-symmetric", 0.875)]
    [InlineData("bptt", 0.873)]
    public void Reference_configuration_reaches_the_published_accuracy(string rule, double target)
    {
        var data = DatasetLoader.Load("fashion-mnist");
        Assert.Equal(60000, data.Train.Count);
        using var trainer = new Trainer(Reference(rule), data);
        var history = trainer.Run();
        Assert.True(history[^1].TestAccuracy >= target,
            $"{rule}: {history[^1].TestAccuracy:P2} after 5 epochs (target {target:P1}); curve {string.Join(" ", history.Select(h => h.TestAccuracy.ToString("P2")))}");
    }

    /// <summary>
    /// DRN-1H with the published protocol (science.md §7), reduced for CI to 2 epochs on the first 12,000 training
    /// images: measured 82.23% (centred EP) and 82.29% (TBP) on 2026-12-05; the 100-epoch run is a documented benchmark.
    /// </summary>
    [Theory]
    [InlineData("ep-symmetric", 0.81)]
    [InlineData("bptt", 0.81)]
    public void Resistive_network_learns_fashion_mnist_with_the_published_protocol(string rule, double target)
    {
        var data = DatasetLoader.Load("fashion-mnist");
        var config = new TrainingConfig
        {
            Data = "fashion-mnist", Model = "resistive", Archi = "784-1024-10", InputGain = 300f, T1 = 4, T2 = 4, Rule = rule, Beta = 0.5f,
            Optim = "sgd", Momentum = 0.9f, Lr = [0.005f], LrDecay = 0.99f, Batch = 32, Epochs = 2, Seed = 0,
        };
        using var trainer = new Trainer(config, new DataSplit(data.Train.Take(12000), data.Test));
        var history = trainer.Run();
        Assert.True(history[^1].TestAccuracy >= target,
            $"{rule}: {history[^1].TestAccuracy:P2} after 2 epochs on 12k (target {target:P1}); curve {string.Join(" ", history.Select(h => h.TestAccuracy.ToString("P2")))}");
    }
}
