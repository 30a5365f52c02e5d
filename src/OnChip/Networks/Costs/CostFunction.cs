using OnChip.Parallelism;
using OnChip.Tensors;

namespace OnChip.Networks.Costs;

/// <summary>
/// The loss ℓ(s, y) that nudges the network (Φ^β = Φ − βℓ) and reads out its prediction. It reads one state
/// layer (<see cref="Layer"/>); a readout cost (cross-entropy) may own parameters of its own.
/// </summary>
internal abstract class CostFunction
{
    public abstract string Name { get; }
    /// <summary>The state layer the cost depends on.</summary>
    public abstract int Layer { get; }
    public abstract int ClassCount { get; }
    public virtual IReadOnlyList<Parameter> Parameters => [];

    /// <summary>Prepares scratch space for batches of up to <paramref name="rows"/> rows (call before parallel use).</summary>
    public virtual void EnsureCapacity(int rows) { }

    /// <summary>target[rows] += coef · ∂ℓ/∂s_Layer for rows [start, start+count). The nudge is coef = −β.</summary>
    public abstract void AddStateGradient(Matrix[] states, Matrix targets, float coef, Matrix target, int start, int count);

    /// <summary>
    /// For a cost quadratic in the states (ℓ = ½s·ℓ''·s + linear): target[rows] += coef · ∂ℓ/∂s at s = 0. Exact
    /// minimisers take the nudge as this linear part plus the curvature <see cref="Curvature"/>.
    /// </summary>
    public virtual void AddLinearStateGradient(Matrix targets, float coef, Matrix target, int start, int count) =>
        throw new NotSupportedException($"the {Name} cost is not quadratic in the states");

    /// <summary>ℓ'' per unit of a quadratic cost (1 for ½‖y − s‖²).</summary>
    public virtual float Curvature => throw new NotSupportedException($"the {Name} cost is not quadratic in the states");

    /// <summary>Class scores for rows [start, start+count) into the same rows of <paramref name="scores"/> (count × ClassCount).</summary>
    public abstract void Scores(Matrix[] states, int start, int count, Matrix scores);

    /// <summary>
    /// Σ over rows [start, start+count) of ℓ(s, y), from the class scores <see cref="Scores"/> wrote for those states
    /// (the loss is a function of the output alone, so a readout's parameters are not read a second time).
    /// </summary>
    public abstract double Loss(Matrix scores, Matrix targets, int start, int count);

    /// <summary>θ.Grad ← keep·θ.Grad + coef · Σ_rows ∂ℓ/∂θ over rows [0, count), for parameters the cost owns (keep is 0 or 1).</summary>
    public virtual void AccumulateParameterGradient(Matrix[] states, Matrix targets, float coef, int count, WorkerPool pool, float keep = 1f) { }

    public static IReadOnlyList<string> Names { get; } = ["mse", "ce"];
}
