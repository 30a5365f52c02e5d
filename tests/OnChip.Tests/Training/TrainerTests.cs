using OnChip.Configuration;
using OnChip.Data;
using OnChip.Training;

namespace OnChip.Tests.Training;

public class TrainerTests
{
    private static readonly DataSplit Embedded = DatasetLoader.Load("embedded");

    private static DataSplit Subset(int train, int test) => new(Embedded.Train.Take(train), Embedded.Test.Take(test));

    private static TrainingConfig Config(string rule = "ep", ulong seed = 0) => new()
    {
        Rule = rule, Epochs = 2, Seed = seed, Threads = 2, Archi = "784-64-10",
    };

    [Theory]
    [InlineData("ep")]
    [InlineData("ep-symmetric")]
    [InlineData("ep-random-sign")]
    public void Learns_the_embedded_data(string rule)
    {
        using var trainer = new Trainer(Config(rule), Subset(3000, 500));
        var history = trainer.Run();
        Assert.Equal(2, history.Count);
        // Chance is 10%; two epochs on 3,000 images reach about 75% (measured 74–77% across rules).
        Assert.True(history[^1].TestAccuracy > 0.70, $"test accuracy {history[^1].TestAccuracy:P2}");
        Assert.True(history[^1].TrainLoss < history[0].TrainLoss);
    }

    [Fact]
    public void Cross_entropy_readout_learns()
    {
        var config = Config("ep-symmetric");
        config.Loss = "ce";
        using var trainer = new Trainer(config, Subset(3000, 500));
        Assert.True(trainer.Run()[^1].TestAccuracy > 0.70);
    }

    [Fact]
    public void Same_seed_and_threads_give_identical_results()
    {
        double[] Run(ulong seed)
        {
            using var trainer = new Trainer(Config("ep-random-sign", seed), Subset(1000, 200));
            var h = trainer.Run();
            return [.. h.SelectMany(m => new[] { m.TrainAccuracy, m.TrainLoss, m.TestAccuracy, m.TestLoss }),
                    .. trainer.Parameters.SelectMany(p => p.Value.Data.Take(50).Select(v => (double)v))];
        }
        Assert.Equal(Run(5), Run(5));
        Assert.NotEqual(Run(5), Run(6));
    }

    [Fact]
    public void Architecture_must_fit_the_data()
    {
        var config = Config();
        config.Archi = "100-10";
        var e = Assert.Throws<ConfigException>(() => new Trainer(config, Subset(100, 10)));
        Assert.Contains("784 features", e.Message);
        config.Archi = "784-30-7";
        Assert.Contains("10 classes", Assert.Throws<ConfigException>(() => new Trainer(config, Subset(100, 10))).Message);
    }

    [Fact]
    public void Cancellation_stops_without_recording_a_partial_epoch()
    {
        using var cancel = new CancellationTokenSource();
        using var trainer = new Trainer(Config(), Subset(1000, 100));
        var observer = new CancelAfter(3, cancel);
        var history = trainer.Run(observer, cancel.Token);
        Assert.Empty(history);
        Assert.Equal(3, observer.Batches);
    }

    private sealed class CancelAfter(int batches, CancellationTokenSource cancel) : ITrainingObserver
    {
        public int Batches { get; private set; }
        public void OnBatch(in BatchProgress progress)
        {
            if (++Batches == batches) cancel.Cancel();
        }
        public void OnEpoch(EpochMetrics metrics) { }
    }
}
