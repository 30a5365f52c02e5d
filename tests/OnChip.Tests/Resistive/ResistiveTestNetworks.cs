using OnChip.Learning;
using OnChip.Networks;
using OnChip.Parallelism;
using OnChip.Randomness;
using OnChip.Resistive;

namespace OnChip.Tests.Resistive;

internal static class ResistiveTestNetworks
{
    /// <summary>
    /// A small resistive network with every conductance strictly positive (no floating node, so every finite
    /// difference is smooth) and random biases, random inputs in [0, 1] and random one-hot targets.
    /// </summary>
    public static (LayeredNetwork Network, BatchContext Batch) Create(int[] archi, float gain, int batchSize, ulong seed = 1, WorkerPool? pool = null,
        float low = 0.05f, float high = 0.5f)
    {
        var network = ResistiveNetwork.Create(archi, gain);
        var rng = new Rng(seed);
        foreach (var p in network.Parameters)
        {
            if (p.NonNegative) rng.FillUniform(p.Value.Span, low, high);
            else rng.FillUniform(p.Value.Span, -0.5f, 0.5f);
        }
        var batch = new BatchContext(network, batchSize, pool ?? WorkerPool.Serial) { Count = batchSize };
        var data = new Rng(seed + 100);
        data.FillUniform(batch.Input.Span, 0f, 1f);
        for (int r = 0; r < batchSize; r++) batch.Targets[r, data.NextInt(archi[^1])] = 1f;
        batch.EncodeInput();
        return (network, batch);
    }
}
