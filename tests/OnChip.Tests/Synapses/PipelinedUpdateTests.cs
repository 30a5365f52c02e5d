using OnChip.Devices;
using OnChip.Devices.Programming;
using OnChip.Randomness;
using OnChip.Synapses;

namespace OnChip.Tests.Synapses;

/// <summary>
/// A device array pulls an update's changes a chunk at a time (<see cref="ISynapseArray.ApplyRange"/>) and fires each
/// chunk after planning the next; each chunk keeps its own random stream, so the conductances, weights, strategy state
/// and pulse counts equal those of chunk-by-chunk <see cref="ISynapseArray.Apply"/> calls, bit for bit.
/// </summary>
public class PipelinedUpdateTests
{
    private sealed class Requests(float[] requests) : IChangeSource
    {
        public void Changes(int offset, Span<float> requested, int following) => requests.AsSpan(offset, requested.Length).CopyTo(requested);
    }

    [Theory]
    [InlineData("ecram", "mixed-precision", 0f)]       // pulse trains, cycle-to-cycle noise: pipelined
    [InlineData("ecram", "pulse-stochastic", 0f)]      // random numbers in the plan and in the firing: pipelined
    [InlineData("ecram", "mixed-precision", 0.02f)]    // read noise: chunk by chunk
    [InlineData("ernoult-nonlinear", "rprop", 0f)]     // fired round by round: chunk by chunk
    public void A_range_update_equals_chunk_by_chunk_updates(string device, string strategy, float readNoise)
    {
        const int n = 3 * ISynapseArray.UpdateChunk + 700, from = ISynapseArray.UpdateChunk;   // whole chunks and a partial one
        var spec = DevicePresets.Get(device);
        spec.ReadNoise = readNoise;
        var rng = new Rng(5);
        var initial = Enumerable.Range(0, n).Select(_ => 0.1f * (float)rng.NextGaussian()).ToArray();
        DeviceArray Make() => new("W", DeviceModel.Create(spec), ProgrammingStrategy.Create(strategy, new ProgrammingOptions()), 0.5f, 1f, initial, seed: 9);
        var (ranged, chunked) = (Make(), Make());
        var (rangedWeights, chunkedWeights) = (new float[n], new float[n]);
        ranged.ReadAll(rangedWeights);
        chunked.ReadAll(chunkedWeights);
        var scratch = new float[ISynapseArray.UpdateChunk];
        for (int update = 0; update < 4; update++)
        {
            // Sparse updates (few pulsed blocks, read back block by block) and a dense one.
            float scale = update == 3 ? 20f : 1f;
            var requests = Enumerable.Range(0, n).Select(_ => rng.NextInt(update == 3 ? 1 : 12) == 0 ? scale * ranged.NominalChange * (float)rng.NextGaussian() : 0f).ToArray();
            ranged.BeginUpdate();
            ((ISynapseArray)ranged).ApplyRange(rangedWeights, from, n, new Requests(requests), scratch);
            chunked.BeginUpdate();
            for (int offset = from; offset < n; offset += ISynapseArray.UpdateChunk)
                chunked.Apply(chunkedWeights, requests.AsSpan(offset, Math.Min(ISynapseArray.UpdateChunk, n - offset)), offset);
        }
        Assert.Equal(chunked.Plus, ranged.Plus);
        Assert.Equal(chunkedWeights, rangedWeights);
        Assert.Equal(chunked.Counters, ranged.Counters);
        Assert.True(ranged.PulsesUp + ranged.PulsesDown > 0);
        foreach (var (a, b) in chunked.StateBuffers.Zip(ranged.StateBuffers)) Assert.Equal(a.Data, b.Data);
    }

    /// <summary>
    /// A sparse update reads back only the blocks it pulsed, in one loop over the list: the weights then equal a full
    /// read of the devices, for single devices, pairs and conductances (floored at 0).
    /// </summary>
    [Theory]
    [InlineData("ecram", false)]
    [InlineData("ernoult-nonlinear", false)]
    [InlineData("ecram", true)]
    public void Reading_back_the_pulsed_blocks_equals_a_full_read(string device, bool conductance)
    {
        const int n = 2 * ISynapseArray.UpdateChunk + 300;
        var rng = new Rng(2);
        var initial = Enumerable.Range(0, n).Select(_ => conductance ? 0.3f * (float)rng.NextDouble() : 0.1f * (float)rng.NextGaussian()).ToArray();
        var array = new DeviceArray("W", DeviceModel.Create(DevicePresets.Get(device)), ProgrammingStrategy.Create("pulse-round", new ProgrammingOptions()),
            0.5f, 1f, initial, seed: 4, conductance);
        var weights = new float[n];
        array.ReadAll(weights);
        for (int update = 0; update < 3; update++)
        {
            var requests = Enumerable.Range(0, n).Select(_ => rng.NextInt(40) == 0 ? 3 * array.NominalChange * (float)rng.NextGaussian() : 0f).ToArray();
            array.BeginUpdate();
            array.Apply(weights, requests, 0);
        }
        var full = new float[n];
        array.ReadAll(full);
        Assert.Equal(full, weights);
        Assert.True(array.PulsesUp + array.PulsesDown > 0);
        if (conductance) Assert.All(weights, w => Assert.True(w >= 0f));
    }
}
