using System.Numerics;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;

namespace OnChip.Networks.Layers;

/// <summary>
/// A unit with a real accumulator a that filters its drive and emits a function of it (binary EP's binary neurons,
/// Laydevant, Ernoult, Querlioz &amp; Grollier 2021): a ← clip((1 − γ)·a + γ·u, lower, upper), s = emit(a), with
/// γ = <see cref="Rate"/> (½ in every published run) and emit the Heaviside step H(a − ½) of the <c>binary</c>
/// activation. The other layers, the cost and the EP estimate see the emitted s; the accumulator is part of the state
/// (<see cref="NetworkState.Accumulators"/>), so a nudged phase starts from the free phase's accumulators, and a
/// nudge reads the accumulator, as in the published code.
/// </summary>
internal sealed class AccumulatorUpdate(Activation emit, float rate = AccumulatorUpdate.PublishedRate) : LayerUpdate
{
    /// <summary>γ of Laydevant et al.'s runs (their gamma_neur).</summary>
    public const float PublishedRate = 0.5f;

    public Activation Emit { get; } = emit;
    public float Rate { get; } = rate > 0f && rate <= 1f ? rate : throw new ArgumentOutOfRangeException(nameof(rate), "the accumulator's rate must be in (0, 1]");
    public override string Name => Emit.Name;
    public override bool HasAccumulator => true;

    public override void Apply(ReadOnlySpan<float> drive, Span<float> next, int cols, ReadOnlySpan<float> inverseCurvature) =>
        throw new InvalidOperationException($"a {Name} layer updates through its accumulator (Step)");

    /// <summary>accumulator ← clip((1 − γ)·accumulator + γ·drive), next = emit(accumulator); allocation-free, vectorised.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public void Step(ReadOnlySpan<float> drive, Span<float> accumulator, Span<float> next)
    {
        float keep = 1f - Rate, rate = Rate, lower = Emit.Lower, upper = Emit.Upper;
        int n = accumulator.Length, i = 0;
        var u = MemoryMarshal.Cast<float, Vector<float>>(drive[..n]);
        var a = MemoryMarshal.Cast<float, Vector<float>>(accumulator);
        var (vKeep, vRate, vLower, vUpper) = (new Vector<float>(keep), new Vector<float>(rate), new Vector<float>(lower), new Vector<float>(upper));
        for (int v = 0; v < a.Length; v++) a[v] = Vector.Min(Vector.Max(vKeep * a[v] + vRate * u[v], vLower), vUpper);
        for (i = a.Length * Vector<float>.Count; i < n; i++) accumulator[i] = Math.Min(Math.Max(keep * accumulator[i] + rate * drive[i], lower), upper);
        Emit.Apply(accumulator, next);
    }

    /// <summary>The emitted value is a step of the accumulator: no slope to backpropagate through.</summary>
    public override void Slope(ReadOnlySpan<float> drive, ReadOnlySpan<float> s, Span<float> slope, int cols, ReadOnlySpan<float> inverseCurvature) =>
        throw new NotSupportedException($"the {Name} activation has no slope: BPTT and RBP cannot differentiate it");
}
