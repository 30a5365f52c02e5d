using OnChip.Data;
using OnChip.FeedForward;
using OnChip.Parallelism;
using OnChip.Persistence;
using OnChip.Tensors;

namespace OnChip.Training;

/// <summary>Scores any trained model file (layered energy-based or feed-forward) on a dataset.</summary>
public static class ModelEvaluation
{
    public sealed record Result(string Description, double Accuracy, double Loss);

    public static Result Evaluate(string path, Dataset data, int? freeSteps, WorkerPool pool)
    {
        var contents = TensorArchive.Load(path);
        switch (contents.Kind)
        {
            case ModelFile.Kind:
            {
                var model = ModelFile.Load(path);
                CheckFits(model.Network.Spec.Archi, data, path);
                // A model trained on standardised inputs is evaluated on inputs standardised the same way.
                if (ChannelNormalization.FromMetadata(model.Metadata) is { } normalization) data = normalization.Apply(data);
                int steps = freeSteps ?? model.FreeSteps;
                var (accuracy, loss) = new Evaluator(model.Network, pool).Evaluate(data, steps);
                var spec = model.Network.Spec;
                return new Result($"{spec.ArchiText} {spec.Activation} {spec.Loss} (energy-based), T1={steps}", accuracy, loss);
            }
            case FeedForwardLearner.ModelKind:
            {
                var network = FeedForwardLearner.Load(contents, path);
                CheckFits(network.Archi, data, path);
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
                return new Result($"{network.Spec.ArchiText} {network.Spec.Activation} {network.Spec.Loss} (feed-forward)",
                    (double)correct / data.Count, loss / data.Count);
            }
            default:
                throw new UserFacingException($"{path}: holds a '{contents.Kind}' file, not a model onchip eval can score");
        }
    }

    private static void CheckFits(int[] archi, Dataset data, string path)
    {
        if (archi[0] != data.FeatureCount || archi[^1] != data.ClassCount)
            throw new Configuration.ConfigException($"--model: the model in {path} ({string.Join('-', archi)}) does not fit {data.Name} ({data.FeatureCount} features, {data.ClassCount} classes)");
    }
}
