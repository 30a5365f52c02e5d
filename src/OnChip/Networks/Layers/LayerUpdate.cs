using OnChip.Networks.Costs;
using OnChip.Tensors;

namespace OnChip.Networks.Layers;

/// <summary>
/// How a state layer takes its new state from its drive u = ∂Φ/∂s without the layer's own quadratic term (the
/// field its neighbours and biases put on it). A Hopfield unit takes the fixed-point step s = σ(u); a unit whose
/// energy is quadratic in its own state, ½a·s² − u·s, with a box constraint (a resistive node behind diodes) takes
/// its exact minimiser s = clip(u/a). The layer owns its bounds; the curvature a, when the update needs it, is
/// computed by the relaxation from the interactions (it depends on the parameters only).
/// </summary>
internal abstract class LayerUpdate
{
    /// <summary>A short name (an activation name, or "diode" for the exact minimiser of a resistive node).</summary>
    public abstract string Name { get; }

    /// <summary>True when the update divides by the layer's curvature (the interactions' <c>AddCurvature</c>).</summary>
    public virtual bool NeedsCurvature => false;

    /// <summary>True when each unit keeps a real accumulator besides the state it emits (<see cref="AccumulatorUpdate"/>).</summary>
    public virtual bool HasAccumulator => false;

    /// <summary>
    /// next = f(drive) for rows of <paramref name="cols"/> units. <paramref name="inverseCurvature"/> holds 1/a per
    /// unit (empty when <see cref="NeedsCurvature"/> is false). <paramref name="next"/> may alias <paramref name="drive"/>.
    /// </summary>
    public abstract void Apply(ReadOnlySpan<float> drive, Span<float> next, int cols, ReadOnlySpan<float> inverseCurvature);

    /// <summary>
    /// slope = ∂f/∂drive elementwise, given the drive and s = f(drive) (whichever is cheaper); may alias either input.
    /// For a curvature update the derivative with respect to a is −slope·s (s = u/a where the slope is not zero).
    /// </summary>
    public abstract void Slope(ReadOnlySpan<float> drive, ReadOnlySpan<float> s, Span<float> slope, int cols, ReadOnlySpan<float> inverseCurvature);

    /// <summary>
    /// Adds the nudge −β·∂ℓ/∂s to the drive of the cost's layer. A fixed-point unit feels it at its current state
    /// (<paramref name="current"/>); a quadratic unit takes the cost's linear part here and its curvature β·ℓ''
    /// through <see cref="NudgedCurvature"/>, so that its exact minimiser includes the nudge.
    /// </summary>
    public virtual void Nudge(CostFunction cost, Matrix[] current, Matrix targets, float beta, Matrix drive, int start, int count) =>
        cost.AddStateGradient(current, targets, -beta, drive, start, count);

    /// <summary>The curvature of the nudged layer: a + β·ℓ'' (unchanged for fixed-point units).</summary>
    public virtual float NudgedCurvature(CostFunction cost, float curvature, float beta) => curvature;

    public override string ToString() => Name;
}
