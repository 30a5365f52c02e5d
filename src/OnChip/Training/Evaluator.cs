using OnChip.Data;
using OnChip.Learning;
using OnChip.Networks;
using OnChip.Parallelism;

namespace OnChip.Training;

/// <summary>
/// Scores a network on a dataset: free phase only (T1 steps from s = 0), prediction = highest class score.
/// Examples relax independently, so the evaluation batch size changes speed, not results.
/// </summary>
public sealed class Evaluator(LayeredNetwork network, WorkerPool pool, int batchSize = 500)
{
    private readonly BatchContext _batch = new(network, batchSize, pool);
    private readonly int[] _indices = new int[batchSize];

    public (double Accuracy, double Loss) Evaluate(Dataset data, int freeSteps)
    {
        if (data.Count == 0) return (double.NaN, double.NaN);
        long correct = 0;
        double loss = 0;
        for (int start = 0; start < data.Count; start += _indices.Length)
        {
            int count = Math.Min(_indices.Length, data.Count - start);
            for (int i = 0; i < count; i++) _indices[i] = start + i;
            BatchLoader.Load(_batch, data, _indices.AsSpan(0, count));
            _batch.RunFreePhase(freeSteps);
            correct += _batch.CountCorrect();
            loss += _batch.FreeLoss;
        }
        return ((double)correct / data.Count, loss / data.Count);
    }
}
