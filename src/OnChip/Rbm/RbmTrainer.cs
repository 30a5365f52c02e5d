using System.Diagnostics;
using OnChip.Configuration;
using OnChip.Data;
using OnChip.Optimizers;
using OnChip.Parallelism;
using OnChip.Randomness;
using OnChip.Synapses;
using OnChip.Training;

namespace OnChip.Rbm;

/// <summary>
/// Adds numbers to an epoch's line of metrics.jsonl. The trainer asks every source in <see cref="RbmTrainer.MetricSources"/>
/// once per epoch, after the evaluation and the device counters; a source may add keys or overwrite earlier ones.
/// </summary>
internal interface IEpochMetricSource
{
    void Report(IDictionary<string, double> metrics);
}

/// <summary>One epoch of RBM training: the standard metrics plus RBM-specific ones (test_error, recon_error, …).</summary>
internal sealed record RbmEpochResult(EpochMetrics Metrics, IReadOnlyDictionary<string, double> Extra);

/// <summary>
/// Trains an RBM by contrastive divergence: per epoch, shuffle, then per mini-batch load (binarize), compute the CD
/// gradient, and let plain SGD apply it through each parameter's storage; then evaluate on the test set.
/// Deterministic for a given seed (and, by construction, for any thread count). Knows nothing of files or consoles.
/// </summary>
internal sealed class RbmTrainer : IDisposable
{
    private readonly RbmConfig _config;
    private readonly DataSplit _data;
    private readonly WorkerPool _pool;
    private readonly bool _ownsPool;
    private readonly Rng _shuffle;
    private readonly int[] _order;
    private readonly ReadoutTrainer? _readoutTrainer;
    private readonly RbmEvaluator _evaluator;

    public RbmTrainer(RbmConfig config, DataSplit data, WorkerPool? pool = null)
    {
        config.Validate();
        _config = config;
        _data = data;
        var train = data.Train;
        if (train.Count == 0) throw new ConfigException($"data: {train.Name} has no training examples");
        if (train.FeatureCount != data.Test.FeatureCount)
            throw new ConfigException($"data: the training and test images differ in size ({train.FeatureCount} and {data.Test.FeatureCount} pixels)");
        _ownsPool = pool is null;
        _pool = pool ?? new WorkerPool(config.Threads);

        Machine = new RestrictedBoltzmannMachine(config.Model, train.FeatureCount, train.ClassCount, config.Hidden);
        Machine.Initialize(Rng.ForStream(config.Seed, "init"), config.InitStd, VisibleMeans(Machine, train, config.Binarize));
        Devices = DeviceSetup.Attach(Machine.Parameters, config.Devices, config.Seed);
        Optimizer = new Sgd(Machine.Parameters, [config.Lr], config.Momentum, config.WeightDecay);
        int batch = Math.Min(config.Batch, train.Count);
        Learner = new ContrastiveDivergence(Machine, new CdSettings(config.CdK, config.Persistent, config.Chains), batch, _pool, config.Seed);
        if (Machine.Readout is { } readout)
        {
            ReadoutOptimizer = new Sgd(readout.Parameters, [config.ReadoutLr], config.Momentum, config.WeightDecay);
            _readoutTrainer = new ReadoutTrainer(readout, batch, _pool);
        }
        _evaluator = new RbmEvaluator(Machine, _pool, config.Binarize, Math.Max(batch, 500));
        _shuffle = Rng.ForStream(config.Seed, "shuffle");
        _order = Enumerable.Range(0, train.Count).ToArray();
    }

    public RestrictedBoltzmannMachine Machine { get; }
    /// <summary>The device arrays holding W (and a, b with <c>--device-biases</c>); empty with ideal storage.</summary>
    public IReadOnlyList<DeviceArray> Devices { get; }
    /// <summary>Plain SGD over W, a, b: the requested ΔW reaches <c>Parameter.Storage.Apply</c>.</summary>
    public Optimizer Optimizer { get; }
    /// <summary>SGD over the read-out of a generative rbm (null for drbm).</summary>
    public Optimizer? ReadoutOptimizer { get; }
    public ContrastiveDivergence Learner { get; }
    /// <summary>Extra per-epoch metrics beyond test_error, recon_error and the device counters.</summary>
    public IList<IEpochMetricSource> MetricSources { get; } = new List<IEpochMetricSource>();
    public int BatchSize => Learner.Capacity;
    public int BatchesPerEpoch => (_data.Train.Count + BatchSize - 1) / BatchSize;

    /// <summary>Per-unit mean of the visible layer over the training data (for the visible-bias initialisation).</summary>
    public static float[] VisibleMeans(RestrictedBoltzmannMachine rbm, Dataset train, string binarize)
    {
        var sum = new double[rbm.Visible];
        int n = train.Count, pixels = rbm.ImageSize;
        for (int e = 0; e < n; e++)
        {
            var x = train.Example(e);
            if (binarize == Binarization.Threshold)
                for (int i = 0; i < pixels; i++) sum[i] += x[i] > 0.5f ? 1 : 0;
            else
                for (int i = 0; i < pixels; i++) sum[i] += x[i];
            if (rbm.LabelCount > 0) sum[pixels + train.Labels[e]]++;
        }
        return sum.Select(s => (float)(s / n)).ToArray();
    }

    /// <summary>Runs every epoch; stops early (after the current mini-batch) when <paramref name="cancel"/> fires.</summary>
    public IReadOnlyList<RbmEpochResult> Run(ITrainingObserver? observer = null, CancellationToken cancel = default, Action<RbmEpochResult>? onEpoch = null)
    {
        var history = new List<RbmEpochResult>();
        for (int epoch = 1; epoch <= _config.Epochs; epoch++)
        {
            var result = RunEpoch(epoch, observer, cancel);
            if (result is null) break;
            history.Add(result);
            onEpoch?.Invoke(result);
        }
        return history;
    }

    /// <summary>Trains one epoch and evaluates; returns null (and records nothing) when cancelled mid-epoch.</summary>
    public RbmEpochResult? RunEpoch(int epoch, ITrainingObserver? observer, CancellationToken cancel = default)
    {
        _shuffle.Shuffle(_order.AsSpan());
        var train = _data.Train;
        int batches = BatchesPerEpoch, batchSize = BatchSize;
        long correct = 0, seen = 0;
        double loss = 0;
        var countersBefore = DeviceSetup.Counters(Devices);
        var clock = Stopwatch.StartNew();
        for (int b = 0; b < batches; b++)
        {
            int start = b * batchSize;
            int count = Math.Min(batchSize, train.Count - start);
            TrainBatch(train, _order.AsSpan(start, count), ref correct, ref loss);
            seen += count;
            if (!double.IsFinite(loss))
                throw new DivergenceException($"training diverged at epoch {epoch}, batch {b + 1}: the loss is {loss} (try a smaller --lr)");
            observer?.OnBatch(new BatchProgress(epoch, _config.Epochs, b + 1, batches, (int)seen,
                (double)correct / seen, loss / seen, seen / clock.Elapsed.TotalSeconds));
            if (cancel.IsCancellationRequested) return null;
        }
        double trainSeconds = clock.Elapsed.TotalSeconds;

        clock.Restart();
        var test = _evaluator.Evaluate(_data.Test);
        double evalSeconds = clock.Elapsed.TotalSeconds;
        var metrics = new EpochMetrics(epoch, (double)correct / seen, loss / seen, test.Accuracy, test.Loss,
            trainSeconds, evalSeconds, seen / trainSeconds, Optimizer.LearningRates[0]);
        var extra = new Dictionary<string, double>
        {
            ["test_error"] = test.Error,
            ["recon_error"] = test.ReconstructionError,
        };
        if (Devices.Count > 0)
        {
            // Per-epoch hardware counts (pulses, reads, energy …), the evaluation's reads included, as on a chip.
            foreach (var (key, value) in DeviceSetup.Counters(Devices)) extra[key] = value - countersBefore[key];
        }
        foreach (var source in MetricSources) source.Report(extra);
        observer?.OnEpoch(metrics);
        return new RbmEpochResult(metrics, extra);
    }

    /// <summary>One update on the given training examples; adds the batch's correct count and summed loss (measured before the update).</summary>
    public void TrainBatch(Dataset train, ReadOnlySpan<int> indices, ref long correct, ref double loss)
    {
        Learner.LoadBatch(train, indices, _config.Binarize);
        Learner.ComputeGradient();
        if (_readoutTrainer is not null)
        {
            var (c, l) = _readoutTrainer.Train(Learner.HiddenRows, Learner.DataStart, indices.Length, Learner.Labels, ReadoutOptimizer!);
            correct += c;
            loss += l;
        }
        else
        {
            correct += Learner.TrainCorrect;
            loss += Learner.TrainLoss;
        }
        Optimizer.Step(_pool);
    }

    public RbmEvaluation Evaluate(Dataset data) => _evaluator.Evaluate(data);

    public void Dispose()
    {
        if (_ownsPool) _pool.Dispose();
    }
}
