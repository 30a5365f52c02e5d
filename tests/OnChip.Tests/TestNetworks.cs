using OnChip.Learning;
using OnChip.Networks;
using OnChip.Parallelism;
using OnChip.Randomness;

namespace OnChip.Tests;

/// <summary>Small networks and batches with random inputs, for gradient checks.</summary>
internal static class TestNetworks
{
    public static (LayeredNetwork Network, BatchContext Batch) Create(int[] archi, string activation, string loss,
        int batchSize, ulong seed = 1, float scale = 1f, WorkerPool? pool = null)
    {
        var network = HopfieldNetwork.Create(new NetworkSpec(archi, activation, loss));
        network.Initialize(new Rng(seed), scale);
        var batch = new BatchContext(network, batchSize, pool ?? WorkerPool.Serial) { Count = batchSize };
        var rng = new Rng(seed + 100);
        rng.FillUniform(batch.Input.Span, 0f, 1f);
        for (int r = 0; r < batchSize; r++) batch.Targets[r, rng.NextInt(archi[^1])] = 1f;
        return (network, batch);
    }

    /// <summary>Mean loss at the free equilibrium reached in <paramref name="steps"/> steps with the current weights.</summary>
    public static double FreeLoss(BatchContext batch, int steps)
    {
        batch.RunFreePhase(steps);
        return batch.FreeLoss / batch.Count;
    }

    /// <summary>Central finite difference of the equilibrium loss for every parameter element, in double.</summary>
    public static double[][] FiniteDifferenceGradient(LayeredNetwork network, BatchContext batch, int steps, float epsilon)
    {
        var result = new double[network.Parameters.Count][];
        for (int p = 0; p < network.Parameters.Count; p++)
        {
            var values = network.Parameters[p].Value.Data;
            result[p] = new double[values.Length];
            for (int i = 0; i < values.Length; i++)
            {
                float original = values[i];
                values[i] = original + epsilon;
                double plus = FreeLoss(batch, steps);
                values[i] = original - epsilon;
                double minus = FreeLoss(batch, steps);
                values[i] = original;
                result[p][i] = (plus - minus) / (2.0 * epsilon);
            }
        }
        return result;
    }

    public static double RelativeError(double[][] estimate, double[][] reference)
    {
        double diff = 0, norm = 0;
        for (int p = 0; p < reference.Length; p++)
            for (int i = 0; i < reference[p].Length; i++)
            {
                double d = estimate[p][i] - reference[p][i];
                diff += d * d;
                norm += reference[p][i] * reference[p][i];
            }
        return Math.Sqrt(diff / norm);
    }

    public static double[][] Gradients(LayeredNetwork network) =>
        network.Parameters.Select(p => p.Grad.Data.Select(v => (double)v).ToArray()).ToArray();
}
