using System.Text.Json.Nodes;
using OnChip.Configuration;
using OnChip.Data;
using OnChip.Networks;
using OnChip.Optimizers;
using OnChip.Parallelism;
using OnChip.Randomness;
using OnChip.Tensors;
using OnChip.Training;

namespace OnChip.Rbm;

/// <summary>
/// An RBM and contrastive divergence as the shared <see cref="Trainer"/> sees them: per mini-batch, load (binarize) the
/// examples, compute the CD gradient of W, a, b (which the trainer's optimizer applies through their storage, ideal or
/// device arrays), and for a generative rbm take one step of its read-out (its own SGD, on ideal storage). The score of
/// a batch is the one made before its update: free-energy classification (drbm) or the read-out (rbm). Evaluation adds
/// <c>test_error</c> and <c>recon_error</c> to the epoch's metrics. Deterministic for a seed, with any thread count.
/// </summary>
internal sealed class RbmLearner : ISupervisedLearner
{
    private readonly RbmConfig _config;
    private readonly WorkerPool _pool;
    private readonly ContrastiveDivergence _cd;
    private readonly ReadoutTrainer? _readoutTrainer;
    private readonly RbmEvaluator _evaluator;
    private readonly int _width, _height;
    private int _correct;
    private double _loss;
    private RbmEvaluation? _lastEvaluation;

    public RbmLearner(RbmConfig config, DataSplit data, WorkerPool pool)
    {
        var train = data.Train;
        if (train.Count == 0) throw new ConfigException($"data: {train.Name} has no training examples");
        if (train.FeatureCount != data.Test.FeatureCount)
            throw new ConfigException($"data: the training and test images differ in size ({train.FeatureCount} and {data.Test.FeatureCount} pixels)");
        _config = config;
        _pool = pool;
        (_width, _height) = (train.Width, train.Height * train.Channels);
        Machine = new RestrictedBoltzmannMachine(config.Model, train.FeatureCount, train.ClassCount, config.Hidden);
        Machine.Initialize(Rng.ForStream(config.Seed, "init"), config.InitStd, VisibleMeans(Machine, train, config.Binarize));
        int batch = Math.Min(config.Batch, train.Count);
        _cd = new ContrastiveDivergence(Machine, new CdSettings(config.CdK, config.Persistent, config.Chains), batch, pool, config.Seed);
        if (Machine.Readout is { } readout)
        {
            ReadoutOptimizer = new Sgd(readout.Parameters, [config.ReadoutLr], config.Momentum, config.WeightDecay);
            _readoutTrainer = new ReadoutTrainer(readout, batch, pool);
        }
        _evaluator = new RbmEvaluator(Machine, pool, config.Binarize, Math.Max(batch, 500));
    }

    /// <summary>The learner of <paramref name="config"/> for <see cref="Trainer"/>.</summary>
    public static LearnerFactory Factory(RbmConfig config) => (data, pool) => new RbmLearner(config, data, pool);

    /// <summary>A trainer of the RBM of <paramref name="config"/> (validated first) on <paramref name="data"/>.</summary>
    public static Trainer CreateTrainer(RbmConfig config, DataSplit data)
    {
        config.Validate();
        return new Trainer(config.Shared, data, Factory(config));
    }

    public RestrictedBoltzmannMachine Machine { get; }
    public ContrastiveDivergence Divergence => _cd;
    /// <summary>SGD over the read-out of a generative rbm (null for drbm).</summary>
    public Optimizer? ReadoutOptimizer { get; }

    /// <summary>W, a, b: what the trainer's optimizer updates and device arrays may hold (the read-out stays ideal).</summary>
    public IReadOnlyList<Parameter> Parameters => Machine.Parameters;
    public int GroupCount => 1;
    public int Capacity => _cd.Capacity;
    public int Count { get => _cd.Count; set => throw new NotSupportedException("an RBM's batch size is set by LoadBatch"); }
    public Matrix Input => throw new NotSupportedException("an RBM loads and binarizes its batches itself (LoadBatch)");
    public Matrix Targets => throw new NotSupportedException("an RBM loads its labels itself (LoadBatch)");
    public Rng? RandomStream => null;
    public double BatchLoss => _loss;

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

    public void LoadBatch(Dataset data, ReadOnlySpan<int> indices) => _cd.LoadBatch(data, indices, _config.Binarize);

    /// <summary>The CD gradient, the read-out's step (rbm), then the trainer's optimizer step on W, a, b.</summary>
    public void TrainBatch(Optimizer optimizer)
    {
        _cd.ComputeGradient();
        if (_readoutTrainer is not null)
            (_correct, _loss) = _readoutTrainer.Train(_cd.HiddenRows, _cd.DataStart, _cd.Count, _cd.Labels, ReadoutOptimizer!);
        else
            (_correct, _loss) = (_cd.TrainCorrect, _cd.TrainLoss);
        optimizer.Step(_pool);
    }

    public int CountCorrect() => _correct;

    public (double Accuracy, double Loss) Evaluate(Dataset data)
    {
        var result = _evaluator.Evaluate(data);
        _lastEvaluation = result;
        return (result.Accuracy, result.Loss);
    }

    /// <summary>The full evaluation (test error, reconstruction error) of <paramref name="data"/>.</summary>
    public RbmEvaluation EvaluateRbm(Dataset data) => _evaluator.Evaluate(data);

    /// <summary>The last evaluation's test error and reconstruction error (metrics.jsonl's <c>test_error</c>, <c>recon_error</c>).</summary>
    public IReadOnlyDictionary<string, double>? TakeEpochMeasurements()
    {
        if (_lastEvaluation is not { } e) return null;
        _lastEvaluation = null;
        return new Dictionary<string, double> { ["test_error"] = e.Error, ["recon_error"] = e.ReconstructionError };
    }

    public void SaveModel(string path, JsonObject metadata)
    {
        var meta = (JsonObject)metadata.DeepClone();
        meta["binarize"] = _config.Binarize;
        meta["device"] = _config.Devices.IsIdeal ? "ideal" : _config.Devices.Device;
        meta["width"] = _width;
        meta["height"] = _height;
        meta["cd_k"] = _config.CdK;
        meta["persistent"] = _config.Persistent;
        meta["chains"] = _config.Chains;
        meta["lr"] = _config.Lr;
        meta["batch"] = _config.Batch;
        RbmModelFile.Save(path, Machine, meta);
    }

    /// <summary>The Gibbs streams and persistent chains, and the read-out with its momentum (not trainer parameters).</summary>
    public IReadOnlyList<(string Name, float[] Data)> StateBuffers =>
    [
        .. _cd.StateBuffers,
        .. Machine.Readout?.Parameters.Select(p => ($"readout/{p.Name}", p.Value.Data)) ?? [],
        .. ReadoutOptimizer?.StateBuffers.Select((b, i) => ($"readout-optimizer/{i}", b)) ?? [],
    ];

    /// <summary>filters.json beside the model: the receptive fields the report draws.</summary>
    public void WriteFilters(string path) => FilterFile.Write(path, Machine, _width, _height);
}
