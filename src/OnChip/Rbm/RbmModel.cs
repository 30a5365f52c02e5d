using OnChip.Configuration;
using OnChip.Data;
using OnChip.Parallelism;
using OnChip.Training;

namespace OnChip.Rbm;

/// <summary>
/// An RBM model file as <c>onchip eval</c> (and the other readers of <see cref="ModelKinds"/>) see it: scored as
/// <c>onchip rbm eval</c> scores it, with the test error and reconstruction error as extra numbers.
/// </summary>
internal sealed class RbmModel(LoadedRbm loaded) : TrainedModel(loaded.Metadata)
{
    public LoadedRbm Loaded { get; } = loaded;
    public override string Description => $"{Loaded.Machine}, binarize {Loaded.Binarize}";
    public override int Features => Loaded.Machine.ImageSize;
    public override int Classes => Loaded.Machine.ClassCount;

    internal override EvaluationResult Evaluate(Dataset data, int? freeSteps, WorkerPool pool)
    {
        if (freeSteps is not null) throw new ConfigException("--t1: an RBM has no relaxation (free-phase steps) to set");
        if (!Binarization.Names.Contains(Loaded.Binarize))
            throw new ConfigException($"--model: unknown binarize '{Loaded.Binarize}' in the model's metadata");
        var result = new RbmEvaluator(Loaded.Machine, pool, Loaded.Binarize).Evaluate(data);
        return new EvaluationResult(result.Accuracy, result.Loss,
            new Dictionary<string, double> { ["test_error"] = result.Error, ["recon_error"] = result.ReconstructionError });
    }
}
