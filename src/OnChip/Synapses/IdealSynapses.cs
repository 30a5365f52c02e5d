using System.Numerics.Tensors;

namespace OnChip.Synapses;

/// <summary>Digital storage: the requested change is applied exactly (w ← w + ΔW).</summary>
public sealed class IdealSynapses : ISynapseArray
{
    public static IdealSynapses Instance { get; } = new();
    public string Kind => "ideal";
    public void BeginUpdate() { }
    public void RecordReads(long vectors) { }

    public void Apply(Span<float> weights, ReadOnlySpan<float> requested, int start) =>
        TensorPrimitives.Add(weights.Slice(start, requested.Length), requested, weights.Slice(start, requested.Length));
}
