using OnChip.Data;
using OnChip.Tensors;

namespace OnChip.Training;

/// <summary>Copies the examples of one mini-batch into input rows and one-hot target rows.</summary>
internal static class BatchLoader
{
    public static int Load(Matrix input, Matrix targets, Dataset data, ReadOnlySpan<int> indices)
    {
        if (indices.Length > input.Rows) throw new ArgumentException("more examples than the batch capacity");
        int features = data.FeatureCount;
        for (int r = 0; r < indices.Length; r++)
        {
            int i = indices[r];
            data.Features.AsSpan(i * features, features).CopyTo(input.Row(r));
            var y = targets.Row(r);
            y.Clear();
            y[data.Labels[i]] = 1f;
        }
        return indices.Length;
    }

    /// <summary>Loads a batch and writes the network's input layer from it (the trainer's learners encode after augmentation).</summary>
    public static void Load(Learning.BatchContext batch, Dataset data, ReadOnlySpan<int> indices)
    {
        batch.Count = Load(batch.Input, batch.Targets, data, indices);
        batch.EncodeInput();
    }

    public static void Load(ISupervisedLearner learner, Dataset data, ReadOnlySpan<int> indices) =>
        learner.Count = Load(learner.Input, learner.Targets, data, indices);
}
