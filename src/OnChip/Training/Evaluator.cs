using OnChip.Data;
using OnChip.Learning;
using OnChip.Networks;
using OnChip.Networks.Interactions;
using OnChip.Parallelism;

namespace OnChip.Training;

/// <summary>
/// Scores a network on a dataset: free phase only (T1 steps from s = 0), prediction = highest class score.
/// Examples relax independently, so the evaluation batch size changes speed, not results. For a network of physical
/// resistors it also measures the power they dissipate at the free equilibrium (<see cref="LastPower"/>).
/// </summary>
internal sealed class Evaluator(LayeredNetwork network, WorkerPool pool, int batchSize = 500)
{
    private readonly BatchContext _batch = new(network, batchSize, pool);
    private readonly int[] _indices = new int[batchSize];
    private readonly IDissipative[] _resistors = network.Interactions.OfType<IDissipative>().ToArray();

    /// <summary>Mean power Σ g·ΔV² per example at the free equilibrium in the last evaluation (null without resistors).</summary>
    public double? LastPower { get; private set; }

    public (double Accuracy, double Loss) Evaluate(Dataset data, int freeSteps)
    {
        LastPower = null;
        if (data.Count == 0) return (double.NaN, double.NaN);
        long correct = 0;
        double loss = 0, power = 0;
        for (int start = 0; start < data.Count; start += _indices.Length)
        {
            int count = Math.Min(_indices.Length, data.Count - start);
            for (int i = 0; i < count; i++) _indices[i] = start + i;
            BatchLoader.Load(_batch, data, _indices.AsSpan(0, count));
            _batch.RunFreePhase(freeSteps);
            correct += _batch.CountCorrect();
            loss += _batch.FreeLoss;
            foreach (var r in _resistors) power += r.Power(_batch.Free.Layers, count, pool);
        }
        if (_resistors.Length > 0) LastPower = power / data.Count;
        return ((double)correct / data.Count, loss / data.Count);
    }
}
