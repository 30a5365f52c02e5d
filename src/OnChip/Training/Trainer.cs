using System.Diagnostics;
using System.Globalization;
using System.Numerics.Tensors;
using System.Text.Json.Nodes;
using OnChip.Configuration;
using OnChip.Data;
using OnChip.Learning;
using OnChip.Networks;
using OnChip.Optimizers;
using OnChip.Parallelism;
using OnChip.Persistence;
using OnChip.Randomness;
using OnChip.Synapses;

namespace OnChip.Training;

/// <summary>Builds the learner of a run whose model is not one of the <see cref="Models.ModelFamilies"/> (an RBM).</summary>
internal delegate ISupervisedLearner LearnerFactory(DataSplit data, WorkerPool pool);

/// <summary>
/// The one training loop: per epoch, shuffle, run the learner on every mini-batch, then evaluate on the test set.
/// Deterministic for a given seed and thread count. Knows nothing of files or consoles. The learner comes from the
/// model family of <c>--model</c>, or from a <see cref="LearnerFactory"/> (RBMs), which then owns its settings'
/// validation; the loop's own settings (data order, batch, epochs, learning rates, optimizer, devices) are the config's.
/// </summary>
public sealed class Trainer : IDisposable
{
    private readonly TrainingConfig _config;
    private readonly DataSplit _data;
    private readonly Augmentation? _augmentation;
    private readonly Rng _augmentRng;
    private readonly WorkerPool _pool;
    private readonly Rng _shuffle;
    private readonly int[] _order;

    /// <summary>
    /// A trainer for <paramref name="model"/> trained by <paramref name="rule"/> and <paramref name="optimizer"/> on
    /// <paramref name="data"/>, with weights in <paramref name="storage"/> (default: ideal). Throws a
    /// <see cref="Configuration.ConfigException"/> when the settings do not fit together or the data.
    /// </summary>
    public Trainer(Model model, Rule rule, Optim optimizer, DataSplit data, TrainingOptions? options = null, Storage? storage = null)
        : this(TrainingConfig.From(model, rule, optimizer, storage, options), data)
    {
    }

    /// <summary>
    /// A trainer for the settings in <paramref name="config"/> (every <c>onchip train</c> option is a property), on
    /// <paramref name="data"/> limited to the config's train and test limits.
    /// </summary>
    public Trainer(TrainingConfig config, DataSplit data) : this(config, data, null)
    {
    }

    /// <summary>A trainer whose learner <paramref name="learner"/> builds (an RBM); null: the model family's.</summary>
    internal Trainer(TrainingConfig config, DataSplit data, LearnerFactory? learner)
    {
        if (learner is null) config.Validate();
        _config = config;
        data = data.Limit(config.TrainLimit, config.TestLimit);
        if (config.Normalize)
        {
            Normalization = ChannelNormalization.Of(data.Train);
            data = Normalization.Apply(data);
        }
        _data = data;
        if (config.Augment) _augmentation = new Augmentation(data.Train.Channels, data.Train.Height, data.Train.Width, config.CropPadding, flip: true);
        _augmentRng = Rng.ForStream(config.Seed, "augment");
        if (learner is null) config.Family.CheckAgainstData(config, data.Train);

        _pool = new WorkerPool(config.Threads);
        try
        {
            Learner = learner is null ? config.Family.CreateLearner(config, data.Train, _pool) : learner(data, _pool);
        }
        catch
        {
            _pool.Dispose();
            throw;
        }
        var rates = config.LearningRates(Learner.GroupCount);
        config.Devices.CheckLayers(Learner.GroupCount);
        Devices = DeviceSetup.Attach(Learner.Parameters, config.Devices, config.Seed, rates);
        Optimizer = Optimizer.Create(config.Optim, Learner.Parameters, rates, config.Momentum, config.Wd);
        _shuffle = Rng.ForStream(config.Seed, "shuffle");
        _order = Enumerable.Range(0, data.Train.Count).ToArray();
    }

    /// <summary>The input standardisation (with --normalize), applied to both splits; null otherwise.</summary>
    internal ChannelNormalization? Normalization { get; }

    /// <summary>The model and its rule.</summary>
    internal ISupervisedLearner Learner { get; }
    internal IReadOnlyList<Parameter> Parameters => Learner.Parameters;
    /// <summary>The device arrays holding the weights (empty with ideal storage).</summary>
    internal IReadOnlyList<DeviceArray> Devices { get; }
    internal Optimizer Optimizer { get; }

    /// <summary>Mini-batches per epoch.</summary>
    public int BatchesPerEpoch => (_data.Train.Count + _config.Batch - 1) / _config.Batch;

    /// <summary>Number of epochs fully trained and evaluated.</summary>
    public int CompletedEpochs { get; private set; }

    /// <summary>True while an epoch has been started but not finished (after a cancellation mid-epoch).</summary>
    public bool InEpoch => _progress is not null;

    /// <summary>Where the current epoch stands, so that training can stop after any mini-batch and resume exactly.</summary>
    private sealed class EpochProgress
    {
        public int NextBatch;
        public long Correct, Seen;
        public double Loss, TrainSeconds;
        public Dictionary<string, double> CountersBefore = [];
    }

    private EpochProgress? _progress;

    /// <summary>Runs the remaining epochs; stops (after the current mini-batch) when <paramref name="cancel"/> fires.</summary>
    public IReadOnlyList<EpochMetrics> Run(ITrainingObserver? observer = null, CancellationToken cancel = default)
    {
        var history = new List<EpochMetrics>();
        while (CompletedEpochs < _config.Epochs && !(cancel.IsCancellationRequested && _progress is null))
        {
            var metrics = RunNextEpoch(observer, cancel);
            if (metrics is null) break;
            history.Add(metrics);
        }
        return history;
    }

    /// <summary>
    /// Trains the next epoch (or the rest of an interrupted one) and evaluates it; returns null, keeping the position,
    /// when cancelled mid-epoch.
    /// </summary>
    public EpochMetrics? RunNextEpoch(ITrainingObserver? observer, CancellationToken cancel = default)
    {
        int epoch = CompletedEpochs + 1;
        if (_progress is null)
        {
            ApplySchedule(epoch);
            _shuffle.Shuffle(_order.AsSpan());
            _progress = new EpochProgress { CountersBefore = DeviceSetup.Counters(Devices) };
        }
        var p = _progress;
        var train = _data.Train;
        int batches = BatchesPerEpoch;
        var clock = Stopwatch.StartNew();
        double secondsBefore = p.TrainSeconds;
        for (int b = p.NextBatch; b < batches; b++)
        {
            int start = b * _config.Batch;
            int count = Math.Min(_config.Batch, train.Count - start);
            Learner.LoadBatch(train, _order.AsSpan(start, count));
            _augmentation?.Apply(Learner.Input, count, _augmentRng);
            Learner.BeginBatch(epoch, b);
            Learner.TrainBatch(Optimizer);
            if (!double.IsFinite(Learner.BatchLoss))
                throw new DivergenceException($"training diverged at epoch {epoch}, batch {b + 1}: the loss is {Learner.BatchLoss} (try a smaller learning rate or β)");
            p.Correct += Learner.CountCorrect();
            p.Loss += Learner.BatchLoss;
            p.Seen += count;
            p.NextBatch = b + 1;
            p.TrainSeconds = secondsBefore + clock.Elapsed.TotalSeconds;
            observer?.OnBatch(new BatchProgress(epoch, _config.Epochs, b + 1, batches, (int)p.Seen,
                (double)p.Correct / p.Seen, p.Loss / p.Seen, p.Seen / Math.Max(p.TrainSeconds, 1e-9)));
            if (cancel.IsCancellationRequested && b + 1 < batches) return null;
        }
        double trainSeconds = p.TrainSeconds;
        foreach (var parameter in Learner.Parameters)
            if (!float.IsFinite(TensorPrimitives.MaxMagnitude(parameter.Value.Span)))  // NaN propagates through MaxMagnitude
                throw new DivergenceException($"training diverged in epoch {epoch}: {parameter.Name} holds NaN or infinite values (try a smaller learning rate or β)");

        clock.Restart();
        var (testAccuracy, testLoss) = Learner.Evaluate(_data.Test);
        double evalSeconds = clock.Elapsed.TotalSeconds;
        Dictionary<string, double>? hardware = null;
        if (Devices.Count > 0)
        {
            // Per-epoch counts: training updates and training reads (the evaluation's reads are included too, as on a chip).
            hardware = DeviceSetup.Counters(Devices);
            foreach (var (key, before) in p.CountersBefore) hardware[key] -= before;
        }
        if (Learner.TakeEpochMeasurements() is { } measured)
        {
            hardware ??= [];
            foreach (var (key, value) in measured) hardware[key] = value;
        }
        var metrics = new EpochMetrics(epoch, (double)p.Correct / p.Seen, p.Loss / p.Seen, testAccuracy, testLoss,
            trainSeconds, evalSeconds, p.Seen / trainSeconds, Optimizer.LearningRates[0], hardware);
        CompletedEpochs = epoch;
        LastMetrics = metrics;
        _progress = null;
        observer?.OnEpoch(metrics);
        return metrics;
    }

    /// <summary>
    /// The learning rates of epoch <paramref name="epoch"/>: cosine annealing from each group's base rate to
    /// min(1e-5, base) over the run (per epoch, as the reference code does), and/or an exponential decay by
    /// <c>lr-decay</c> after every epoch (PyTorch's ExponentialLR stepped per epoch, as the resistive networks' code does).
    /// </summary>
    private void ApplySchedule(int epoch)
    {
        if (!_config.Cosine && _config.LrDecay == 1f) return;
        for (int g = 0; g < Optimizer.LearningRates.Length; g++)
        {
            float rate = Optimizer.BaseLearningRates[g];
            if (_config.Cosine)
            {
                float floor = Math.Min(1e-5f, rate);
                double progress = (double)(epoch - 1) / _config.Epochs;
                rate = (float)(floor + 0.5 * (rate - floor) * (1 + Math.Cos(Math.PI * progress)));
            }
            if (_config.LrDecay != 1f) rate = (float)(rate * Math.Pow(_config.LrDecay, epoch - 1));
            Optimizer.LearningRates[g] = rate;
        }
    }

    /// <summary>Scores the network as it is now on <paramref name="data"/> (standardised as the training data was, with --normalize).</summary>
    public (double Accuracy, double Loss) Evaluate(Dataset data) => Learner.Evaluate(Normalization?.Apply(data) ?? data);

    /// <summary>
    /// Writes the trained model (the file <c>onchip eval</c>, <c>export</c> and <see cref="TrainedModel.Load"/> read),
    /// atomically, with the run's settings in its metadata.
    /// </summary>
    public void SaveModel(string path) =>
        Learner.SaveModel(path, new SupervisedJob(_config).ModelMetadata(this, LastMetrics ?? new EpochMetrics(CompletedEpochs, double.NaN, double.NaN,
            double.NaN, double.NaN, 0, 0, 0, Optimizer.LearningRates[0])));

    /// <summary>What the last completed epoch measured (null before the first).</summary>
    public EpochMetrics? LastMetrics { get; private set; }

    /// <summary>
    /// Everything needed to continue exactly: position (epoch, batch, running sums), data order, random streams,
    /// weights, optimizer state and device state. Tensors are live arrays; write them before training goes on.
    /// </summary>
    internal (JsonObject Metadata, List<NamedTensor> Tensors) CaptureState()
    {
        var meta = new JsonObject
        {
            ["completed_epochs"] = CompletedEpochs,
            ["threads"] = _config.Threads,
            ["optimizer_steps"] = new JsonArray(Optimizer.GroupSteps.Select(n => (JsonNode)n).ToArray()),
            ["learning_rates"] = new JsonArray(Optimizer.LearningRates.Select(r => (JsonNode)r).ToArray()),
            ["shuffle_rng"] = Words(_shuffle.GetState()),
            ["augment_rng"] = Words(_augmentRng.GetState()),
            ["rule_rng"] = Learner.RandomStream is { } r ? Words(r.GetState()) : null,
            ["device_counters"] = new JsonArray(Devices.Select(d => (JsonNode)new JsonArray(d.Counters.Select(c => (JsonNode)c).ToArray())).ToArray()),
        };
        if (_progress is { } p)
        {
            meta["progress"] = new JsonObject
            {
                ["next_batch"] = p.NextBatch, ["correct"] = p.Correct, ["seen"] = p.Seen, ["loss"] = p.Loss, ["train_seconds"] = p.TrainSeconds,
                ["counters_before"] = new JsonObject(p.CountersBefore.Select(kv => KeyValuePair.Create(kv.Key, (JsonNode?)kv.Value))),
            };
        }
        var tensors = new List<NamedTensor> { new("order", [_order.Length], _order.Select(i => (float)i).ToArray()) };
        tensors.AddRange(Learner.Parameters.Select(p => new NamedTensor($"param/{p.Name}", p.Shape, p.Value.Data)));
        tensors.AddRange(Optimizer.StateBuffers.Select((b, i) => new NamedTensor($"optimizer/{i}", [b.Length], b)));
        tensors.AddRange(Learner.StateBuffers.Select(b => new NamedTensor($"learner/{b.Name}", [b.Data.Length], b.Data)));
        for (int d = 0; d < Devices.Count; d++)
            tensors.AddRange(Devices[d].StateBuffers.Select(b => new NamedTensor($"device/{d}/{b.Name}", [b.Data.Length], b.Data)));
        return (meta, tensors);
    }

    /// <summary>Restores a state captured by <see cref="CaptureState"/> from a trainer built with the same config.</summary>
    internal void RestoreState(TensorArchive.Contents checkpoint, string path)
    {
        var meta = checkpoint.Metadata;
        float[] Tensor(string name, int length)
        {
            var t = checkpoint.Tensor(name, path);
            if (t.Data.Length != length) throw new UserFacingException($"{path}: {name} has {t.Data.Length} values, expected {length} (was the run's configuration or data changed?)");
            return t.Data;
        }
        var order = Tensor("order", _order.Length);
        for (int i = 0; i < _order.Length; i++) _order[i] = (int)order[i];
        foreach (var p in Learner.Parameters) Tensor($"param/{p.Name}", p.Length).CopyTo(p.Value.Data, 0);
        for (int i = 0; i < Optimizer.StateBuffers.Count; i++)
            Tensor($"optimizer/{i}", Optimizer.StateBuffers[i].Length).CopyTo(Optimizer.StateBuffers[i], 0);
        foreach (var (name, data) in Learner.StateBuffers) Tensor($"learner/{name}", data.Length).CopyTo(data, 0);
        for (int d = 0; d < Devices.Count; d++)
        {
            foreach (var (name, data) in Devices[d].StateBuffers) Tensor($"device/{d}/{name}", data.Length).CopyTo(data, 0);
            Devices[d].StateRestored();
            Devices[d].Counters = meta["device_counters"]![d]!.AsArray().Select(n => n!.GetValue<long>()).ToArray();
        }
        CompletedEpochs = meta["completed_epochs"]!.GetValue<int>();
        var steps = meta["optimizer_steps"]!.AsArray();
        for (int g = 0; g < steps.Count; g++) Optimizer.GroupSteps[g] = steps[g]!.GetValue<long>();
        var rates = meta["learning_rates"]!.AsArray();
        for (int g = 0; g < rates.Count; g++) Optimizer.LearningRates[g] = rates[g]!.GetValue<float>();
        _shuffle.SetState(FromWords(meta["shuffle_rng"]!));
        if (meta["augment_rng"] is { } augmentState) _augmentRng.SetState(FromWords(augmentState));
        if (Learner.RandomStream is { } rng && meta["rule_rng"] is { } ruleState) rng.SetState(FromWords(ruleState));
        _progress = null;
        if (meta["progress"] is JsonObject progress)
        {
            _progress = new EpochProgress
            {
                NextBatch = progress["next_batch"]!.GetValue<int>(),
                Correct = progress["correct"]!.GetValue<long>(),
                Seen = progress["seen"]!.GetValue<long>(),
                Loss = progress["loss"]!.GetValue<double>(),
                TrainSeconds = progress["train_seconds"]!.GetValue<double>(),
                CountersBefore = progress["counters_before"]!.AsObject().ToDictionary(kv => kv.Key, kv => kv.Value!.GetValue<double>()),
            };
        }
    }

    private static JsonArray Words(ulong[] state) => new(state.Select(w => (JsonNode)w.ToString(CultureInfo.InvariantCulture)).ToArray());
    private static ulong[] FromWords(JsonNode node) => node.AsArray().Select(w => ulong.Parse(w!.GetValue<string>(), CultureInfo.InvariantCulture)).ToArray();

    /// <summary>Stops the worker threads.</summary>
    public void Dispose() => _pool.Dispose();
}

/// <summary>The run produced NaN or infinite values; the message says where and what to try.</summary>
public sealed class DivergenceException(string message) : UserFacingException(message);
