using System.Diagnostics;
using OnChip.Configuration;
using OnChip.Data;
using OnChip.Learning;
using OnChip.Networks;
using OnChip.Optimizers;
using OnChip.Parallelism;
using OnChip.Randomness;

namespace OnChip.Training;

/// <summary>
/// Trains a layered energy-based network: per epoch, shuffle, run the learning rule on every mini-batch, then
/// evaluate on the test set. Deterministic for a given seed and thread count. Knows nothing of files or consoles.
/// </summary>
public sealed class Trainer : IDisposable
{
    private readonly TrainingConfig _config;
    private readonly DataSplit _data;
    private readonly WorkerPool _pool;
    private readonly BatchContext _batch;
    private readonly Evaluator _evaluator;
    private readonly Rng _shuffle;
    private readonly int[] _order;

    public Trainer(TrainingConfig config, DataSplit data)
    {
        config.Validate();
        _config = config;
        _data = data;
        var spec = config.NetworkSpec;
        CheckAgainstData(spec, data);

        Network = new LayeredNetwork(spec);
        Network.Initialize(Rng.ForStream(config.Seed, "init"), config.InitScale);
        _pool = new WorkerPool(config.Threads);
        Rule = LearningRule.Create(config.Rule, Network, config.Phases, Rng.ForStream(config.Seed, "rule"));
        Optimizer = Optimizer.Create(config.Optim, Network.Parameters, config.LearningRates(Network.GroupCount), config.Momentum, config.Wd);
        _batch = new BatchContext(Network, config.Batch, _pool);
        _evaluator = new Evaluator(Network, _pool, Math.Max(config.Batch, 500));
        _shuffle = Rng.ForStream(config.Seed, "shuffle");
        _order = Enumerable.Range(0, data.Train.Count).ToArray();
    }

    public LayeredNetwork Network { get; }
    public LearningRule Rule { get; }
    public Optimizer Optimizer { get; }
    public int BatchesPerEpoch => (_data.Train.Count + _config.Batch - 1) / _config.Batch;

    private static void CheckAgainstData(NetworkSpec spec, DataSplit data)
    {
        if (spec.Archi[0] != data.Train.FeatureCount)
            throw new ConfigException($"archi: the input size {spec.Archi[0]} does not match the {data.Train.FeatureCount} features of {data.Train.Name} (use {data.Train.FeatureCount}-…)");
        if (spec.Archi[^1] != data.Train.ClassCount)
            throw new ConfigException($"archi: the output size {spec.Archi[^1]} does not match the {data.Train.ClassCount} classes of {data.Train.Name} (use …-{data.Train.ClassCount})");
    }

    /// <summary>Runs every epoch; stops early (after the current mini-batch) when <paramref name="cancel"/> fires.</summary>
    public IReadOnlyList<EpochMetrics> Run(ITrainingObserver? observer = null, CancellationToken cancel = default)
    {
        var history = new List<EpochMetrics>();
        for (int epoch = 1; epoch <= _config.Epochs; epoch++)
        {
            var metrics = RunEpoch(epoch, observer, cancel);
            if (metrics is null) break;
            history.Add(metrics);
        }
        return history;
    }

    /// <summary>Trains one epoch and evaluates it; returns null (and records nothing) when cancelled mid-epoch.</summary>
    public EpochMetrics? RunEpoch(int epoch, ITrainingObserver? observer, CancellationToken cancel = default)
    {
        ApplySchedule(epoch);
        _shuffle.Shuffle(_order.AsSpan());
        var train = _data.Train;
        int batches = BatchesPerEpoch;
        long correct = 0, seen = 0;
        double loss = 0;
        var clock = Stopwatch.StartNew();
        for (int b = 0; b < batches; b++)
        {
            int start = b * _config.Batch;
            int count = Math.Min(_config.Batch, train.Count - start);
            BatchLoader.Load(_batch, train, _order.AsSpan(start, count));
            Rule.TrainBatch(_batch, Optimizer);
            correct += _batch.CountCorrect();
            loss += _batch.FreeLoss;
            seen += count;
            if (!double.IsFinite(_batch.FreeLoss))
                throw new DivergenceException($"training diverged at epoch {epoch}, batch {b + 1}: the loss is {_batch.FreeLoss} (try a smaller learning rate or β)");
            observer?.OnBatch(new BatchProgress(epoch, _config.Epochs, b + 1, batches, (int)seen,
                (double)correct / seen, loss / seen, seen / clock.Elapsed.TotalSeconds));
            if (cancel.IsCancellationRequested) return null;
        }
        double trainSeconds = clock.Elapsed.TotalSeconds;

        clock.Restart();
        var (testAccuracy, testLoss) = _evaluator.Evaluate(_data.Test, _config.T1);
        double evalSeconds = clock.Elapsed.TotalSeconds;
        var metrics = new EpochMetrics(epoch, (double)correct / seen, loss / seen, testAccuracy, testLoss,
            trainSeconds, evalSeconds, seen / trainSeconds, Optimizer.LearningRates[0]);
        observer?.OnEpoch(metrics);
        return metrics;
    }

    /// <summary>Cosine annealing from each group's base rate to min(1e-5, base) over the run (per epoch, as the reference code does).</summary>
    private void ApplySchedule(int epoch)
    {
        if (!_config.Cosine) return;
        for (int g = 0; g < Optimizer.LearningRates.Length; g++)
        {
            float initial = Optimizer.BaseLearningRates[g];
            float floor = Math.Min(1e-5f, initial);
            double progress = (double)(epoch - 1) / _config.Epochs;
            Optimizer.LearningRates[g] = (float)(floor + 0.5 * (initial - floor) * (1 + Math.Cos(Math.PI * progress)));
        }
    }

    public (double Accuracy, double Loss) Evaluate(Dataset data) => _evaluator.Evaluate(data, _config.T1);

    public void Dispose() => _pool.Dispose();
}

/// <summary>The run produced NaN or infinite values; the message says where and what to try.</summary>
public sealed class DivergenceException(string message) : UserFacingException(message);
