using OnChip.Data;
using OnChip.Parallelism;

namespace OnChip.Training;

/// <summary>Scores any trained model file (of a kind in <see cref="ModelKinds"/>) on a dataset.</summary>
internal static class ModelEvaluation
{
    public sealed record Result(string Description, double Accuracy, double Loss, IReadOnlyDictionary<string, double> Extra);

    public static Result Evaluate(string path, Dataset data, int? freeSteps, WorkerPool pool)
    {
        var model = ModelKinds.Load(path);
        if (model.Features != data.FeatureCount || model.Classes != data.ClassCount)
            throw new Configuration.ConfigException($"--model: the model in {path} ({model.Description}) does not fit {data.Name} ({data.FeatureCount} features, {data.ClassCount} classes)");
        var result = model.Evaluate(data, freeSteps, pool);
        string steps = model.EnergyNetwork is null ? "" : $", T1={freeSteps ?? (model as EnergyModel)!.Model.FreeSteps}";
        return new Result(model.Description + steps, result.Accuracy, result.Loss, result.Extra);
    }
}
