using OnChip.Data;
using OnChip.Learning;

namespace OnChip.Training;

/// <summary>Copies the examples of one mini-batch into the context's input rows and one-hot target rows.</summary>
public static class BatchLoader
{
    public static void Load(BatchContext batch, Dataset data, ReadOnlySpan<int> indices)
    {
        if (indices.Length > batch.Capacity) throw new ArgumentException("more examples than the batch capacity");
        int features = data.FeatureCount;
        var input = batch.Input;
        var targets = batch.Targets;
        for (int r = 0; r < indices.Length; r++)
        {
            int i = indices[r];
            data.Features.AsSpan(i * features, features).CopyTo(input.Row(r));
            var y = targets.Row(r);
            y.Clear();
            y[data.Labels[i]] = 1f;
        }
        batch.Count = indices.Length;
    }
}
