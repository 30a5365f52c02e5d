using System.Text.Json.Nodes;
using OnChip.Data;
using OnChip.Networks;
using OnChip.Optimizers;
using OnChip.Parallelism;
using OnChip.Persistence;
using OnChip.Randomness;
using OnChip.Tensors;
using OnChip.Training;

namespace OnChip.FeedForward;

/// <summary>A feed-forward network trained by backprop (<c>bp</c> or <c>progressive-bp</c>).</summary>
internal sealed class FeedForwardLearner : ISupervisedLearner
{
    public const string ModelKind = "feedforward";
    private readonly FeedForwardNetwork.Activations _batch, _evaluation;
    private readonly WorkerPool _pool;
    private double _loss;
    private int _correct;

    public FeedForwardLearner(FeedForwardNetwork network, Backpropagation rule, int capacity, WorkerPool pool)
    {
        Network = network;
        Rule = rule;
        _pool = pool;
        _batch = new FeedForwardNetwork.Activations(network, capacity);
        _evaluation = new FeedForwardNetwork.Activations(network, Math.Max(capacity, 500));
        Targets = new Matrix(capacity, network.Archi[^1]);
        _evaluationTargets = new Matrix(_evaluation.Capacity, network.Archi[^1]);
    }

    private readonly Matrix _evaluationTargets;
    public FeedForwardNetwork Network { get; }
    public Backpropagation Rule { get; }
    public IReadOnlyList<Parameter> Parameters => Network.Parameters;
    public int GroupCount => Network.Depth;
    public Matrix Input => _batch.Input;
    public Matrix Targets { get; }
    public int Capacity => _batch.Capacity;
    public int Count { get; set; }
    public Rng? RandomStream => null;
    public double BatchLoss => _loss;

    public void TrainBatch(Optimizer optimizer)
    {
        Rule.TrainBatch(_batch, Targets, Count, optimizer, _pool);
        // The forward pass of the step is the prediction the batch got before the update.
        _correct = Network.CountCorrect(_batch, Targets, Count);
        _loss = Network.Loss(_batch, Targets, Count);
    }

    public int CountCorrect() => _correct;

    public (double Accuracy, double Loss) Evaluate(Dataset data)
    {
        if (data.Count == 0) return (double.NaN, double.NaN);
        long correct = 0;
        double loss = 0;
        var indices = new int[_evaluation.Capacity];
        for (int start = 0; start < data.Count; start += indices.Length)
        {
            int count = Math.Min(indices.Length, data.Count - start);
            for (int i = 0; i < count; i++) indices[i] = start + i;
            BatchLoader.Load(_evaluation.Input, _evaluationTargets, data, indices.AsSpan(0, count));
            Network.Forward(_evaluation, count, _pool);
            correct += Network.CountCorrect(_evaluation, _evaluationTargets, count);
            loss += Network.Loss(_evaluation, _evaluationTargets, count);
        }
        return ((double)correct / data.Count, loss / data.Count);
    }

    public IReadOnlyDictionary<string, double>? TakeEpochMeasurements() => Rule.TakeMeasurements();

    public void SaveModel(string path, JsonObject metadata)
    {
        var meta = (JsonObject)metadata.DeepClone();
        meta["archi"] = Network.Spec.ArchiText;
        meta["activation"] = Network.Spec.Activation;
        meta["loss"] = Network.Spec.Loss;
        TensorArchive.Save(path, ModelKind, meta, Parameters.Select(p => new NamedTensor(p.Name, p.Shape, p.Value.Data)).ToArray());
    }

    /// <summary>Reads a feed-forward model file back.</summary>
    public static FeedForwardNetwork Load(TensorArchive.Contents contents, string path)
    {
        string Meta(string key) => contents.Metadata[key]?.GetValue<string>() ?? throw new UserFacingException($"{path}: metadata has no '{key}'");
        FeedForwardNetwork network;
        try { network = new FeedForwardNetwork(new NetworkSpec(NetworkSpec.ParseArchi(Meta("archi")), Meta("activation"), Meta("loss"))); }
        catch (ArgumentException e) { throw new UserFacingException($"{path}: invalid model description ({e.Message})"); }
        foreach (var p in network.Parameters)
        {
            var t = contents.Tensor(p.Name, path);
            if (!t.Shape.SequenceEqual(p.Shape)) throw new UserFacingException($"{path}: tensor {p.Name} has shape [{string.Join(",", t.Shape)}], expected [{string.Join(",", p.Shape)}]");
            t.Data.CopyTo(p.Value.Data, 0);
        }
        return network;
    }
}
