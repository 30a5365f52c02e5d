using System.Numerics.Tensors;
using OnChip.Tensors;

namespace OnChip.Synapses;

/// <summary>
/// Digital storage: the requested change is applied exactly (w ← w + ΔW). Conductances (parameters that cannot be
/// negative) are then projected back onto g ≥ 0 (<see cref="Conductances"/>).
/// </summary>
internal sealed class IdealSynapses : ISynapseArray
{
    private readonly bool _nonNegative;
    private IdealSynapses(bool nonNegative) => _nonNegative = nonNegative;

    /// <summary>Exact storage of signed weights.</summary>
    public static IdealSynapses Instance { get; } = new(false);
    /// <summary>Exact storage of conductances: w ← max(w + ΔW, 0).</summary>
    public static IdealSynapses Conductances { get; } = new(true);

    public string Kind => "ideal";
    public void BeginUpdate() { }
    public Matrix Read(Matrix weights, long vectors) => weights;

    public void Apply(Span<float> weights, ReadOnlySpan<float> requested, int start)
    {
        var stored = weights.Slice(start, requested.Length);
        TensorPrimitives.Add(stored, requested, stored);
        if (_nonNegative) TensorPrimitives.Max(stored, 0f, stored);
    }
}
