using System.Text.Json.Nodes;
using OnChip.Data;
using OnChip.FeedForward;
using OnChip.Networks;
using OnChip.Parallelism;
using OnChip.Persistence;
using OnChip.Tensors;

namespace OnChip.Training;

/// <summary>What scoring a model measured: accuracy, mean loss, and any extra means (e.g. a circuit's power).</summary>
public sealed record EvaluationResult(double Accuracy, double Loss, IReadOnlyDictionary<string, double> Extra);

/// <summary>A trained model read back from its file, as <c>onchip eval</c> and the other tools see it.</summary>
public abstract class TrainedModel(JsonObject metadata)
{
    /// <summary>The settings and results the file was saved with (rule, β, epoch, test accuracy, …).</summary>
    public JsonObject Metadata { get; } = metadata;
    /// <summary>The model in a few words (architecture, family).</summary>
    public abstract string Description { get; }
    /// <summary>Input features the model expects.</summary>
    public abstract int Features { get; }
    /// <summary>Classes the model tells apart.</summary>
    public abstract int Classes { get; }
    /// <summary>The energy-based network, for tools that relax it (null for feed-forward models).</summary>
    internal virtual LayeredNetwork? EnergyNetwork => null;

    /// <summary>Scores the model on <paramref name="data"/> (<paramref name="freeSteps"/>: relaxation steps, null for the trained value).</summary>
    internal abstract EvaluationResult Evaluate(Dataset data, int? freeSteps, WorkerPool pool);

    /// <summary>
    /// Scores the model on <paramref name="data"/>: accuracy, mean loss and any extra measurement (a resistive
    /// network's power). <paramref name="freeSteps"/>: relaxation steps (null: as trained); <paramref name="threads"/>:
    /// worker threads (null: every core).
    /// </summary>
    public EvaluationResult Evaluate(Dataset data, int? freeSteps = null, int? threads = null)
    {
        if (Features != data.FeatureCount || Classes != data.ClassCount)
            throw new Configuration.ConfigException($"the model ({Description}) does not fit {data.Name} ({data.FeatureCount} features, {data.ClassCount} classes)");
        using var pool = new WorkerPool(threads ?? Environment.ProcessorCount);
        return Evaluate(data, freeSteps, pool);
    }

    /// <summary>Reads a model file written by <c>onchip train</c> or <see cref="Trainer.SaveModel"/>.</summary>
    public static TrainedModel Load(string path) => ModelKinds.Load(path);
}

/// <summary>
/// One kind of model file: its name (the file's kind), how to read it and, for <c>export</c>'s manifest, what each of
/// its tensors is (null: the exporter names the tensor and its shape).
/// </summary>
internal sealed record ModelKind(string Name, string Description, Func<TensorArchive.Contents, string, TrainedModel> Load,
    Func<TensorArchive.Contents, NamedTensor, string?>? DescribeTensor = null);

/// <summary>The one registry of model-file kinds: <c>eval</c>, <c>export</c>, <c>report</c> and <c>gdu</c> read files through it.</summary>
internal static class ModelKinds
{
    public static IReadOnlyList<ModelKind> All { get; } =
    [
        .. Models.ModelFamilies.All.OfType<Models.EnergyModelFamily>().Select(f => f.FileKind).Distinct()
            .Select(kind => new ModelKind(kind, $"energy-based network ({kind})", (c, p) => new EnergyModel(ModelFile.Load(c, p)),
                (c, t) => ModelFile.FamilyForKind(c.Kind)?.DescribeTensor(c, t))),
        new(FeedForwardLearner.ModelKind, "feed-forward network", (c, p) => new FeedForwardModel(FeedForwardLearner.Load(c, p), c.Metadata)),
        new(Rbm.RbmModelFile.Kind, "restricted Boltzmann machine (onchip rbm train)", (c, p) => new Rbm.RbmModel(Rbm.RbmModelFile.Load(c, p)),
            Rbm.RbmModelFile.DescribeTensor),
    ];

    /// <summary>"drbm 784+10-300 (model.onchip, epoch 3)": what a model file holds, for reports; null when it cannot be read.</summary>
    public static string? Describe(string path, Action<string> warn)
    {
        try
        {
            var contents = TensorArchive.Load(path);
            if (Find(contents.Kind) is not { } kind)
            {
                warn($"{path}: a '{contents.Kind}' file, not a model file kind OnChip knows");
                return null;
            }
            var model = kind.Load(contents, path);
            return model.Metadata["epoch"] is { } epoch ? $"{model.Description} (epoch {epoch})" : model.Description;
        }
        catch (UserFacingException e)
        {
            warn($"{e.Message}; its description is left out");
            return null;
        }
    }

    public static ModelKind? Find(string kind) => All.FirstOrDefault(k => k.Name == kind);

    /// <summary>Reads any model file; a file of another kind (a checkpoint, an RBM) is refused with one line.</summary>
    public static TrainedModel Load(string path, string purpose = "onchip eval can score")
    {
        var contents = TensorArchive.Load(path);
        var kind = Find(contents.Kind) ?? throw new UserFacingException($"{path}: holds a '{contents.Kind}' file, not a model {purpose}");
        return kind.Load(contents, path);
    }
}

/// <summary>An energy-based network of any family: scored by its free phase.</summary>
internal sealed class EnergyModel(LoadedModel model) : TrainedModel(model.Metadata)
{
    public LoadedModel Model { get; } = model;
    internal override LayeredNetwork EnergyNetwork => Model.Network;
    public override int Features => Model.Network.InputSize;
    public override int Classes => Model.Network.ClassCount;

    public override string Description => Models.ModelFamilies.EnergyFamily(Model.Network.Family).Summary(Model.Network);

    internal override EvaluationResult Evaluate(Dataset data, int? freeSteps, WorkerPool pool)
    {
        // A model trained on standardised inputs is evaluated on inputs standardised the same way.
        if (ChannelNormalization.FromMetadata(Metadata) is { } normalization) data = normalization.Apply(data);
        var evaluator = new Evaluator(Model.Network, pool);
        var (accuracy, loss) = evaluator.Evaluate(data, freeSteps ?? Model.FreeSteps);
        var extra = new Dictionary<string, double>();
        if (evaluator.LastPower is double power) extra["power"] = power;
        return new EvaluationResult(accuracy, loss, extra);
    }
}

/// <summary>A feed-forward network: scored by its forward pass.</summary>
internal sealed class FeedForwardModel(FeedForwardNetwork network, JsonObject metadata) : TrainedModel(metadata)
{
    public override string Description => $"{network.Spec.ArchiText} {network.Spec.Activation} {network.Spec.Loss} (feed-forward)";
    public override int Features => network.Archi[0];
    public override int Classes => network.Archi[^1];

    internal override EvaluationResult Evaluate(Dataset data, int? freeSteps, WorkerPool pool)
    {
        var activations = new FeedForwardNetwork.Activations(network, 500);
        var targets = new Matrix(500, network.Archi[^1]);
        long correct = 0;
        double loss = 0;
        var indices = new int[500];
        for (int start = 0; start < data.Count; start += 500)
        {
            int count = Math.Min(500, data.Count - start);
            for (int i = 0; i < count; i++) indices[i] = start + i;
            BatchLoader.Load(activations.Input, targets, data, indices.AsSpan(0, count));
            network.Forward(activations, count, pool);
            correct += network.CountCorrect(activations, targets, count);
            loss += network.Loss(activations, targets, count);
        }
        return new EvaluationResult((double)correct / data.Count, loss / data.Count, new Dictionary<string, double>());
    }
}
