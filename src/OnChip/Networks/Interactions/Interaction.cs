using OnChip.Parallelism;
using OnChip.Tensors;

namespace OnChip.Networks.Interactions;

/// <summary>
/// One term of the primitive function Φ (the energy with its sign flipped). The network's Φ is the sum of its
/// interactions; the dynamics and every learning rule only ask an interaction for ∂Φ/∂s (its drive on a layer)
/// and ∂Φ/∂θ (its parameter gradient). A new physical system is a new interaction.
/// </summary>
internal abstract class Interaction
{
    /// <summary>Indices of the layers this term couples.</summary>
    public abstract IReadOnlyList<int> Layers { get; }
    public abstract IReadOnlyList<Parameter> Parameters { get; }

    /// <summary>
    /// How the term's ∂Φ/∂θ depends on the states, which is what holomorphic EP needs to take it at a complex state:
    /// linear (a bias), bilinear (a coupling between two layers), or neither (the term has no holomorphic extension).
    /// </summary>
    public virtual StateDependence StateDependence => StateDependence.Other;

    /// <summary>True when the drive on a layer depends on that layer's own state (a self-coupling); never for bilinear couplings between layers or biases.</summary>
    public virtual bool DriveDependsOnOwnLayer => false;

    public bool Touches(int layer)
    {
        foreach (int l in Layers) if (l == layer) return true;
        return false;
    }

    /// <summary>
    /// drive[rows] += ∂Φ_term/∂s_layer at <paramref name="states"/>, for rows [start, start+count).
    /// <paramref name="pool"/> may split the work (use <see cref="WorkerPool.Serial"/> inside a parallel job).
    /// </summary>
    public abstract void AddDrive(int layer, Matrix[] states, Matrix drive, int start, int count, WorkerPool pool);

    /// <summary>
    /// drives[l][rows] += ∂Φ_term/∂s_l for every l in <paramref name="layers"/> (layers of this term), rows [start, start+count),
    /// on the calling thread. A term may share work between its drives (a conv term convolves its lower layer once for
    /// both). <paramref name="lowerUnchanged"/>: the caller guarantees that the lower layer's rows are unchanged since
    /// this term's previous AddDrives call on them, so anything computed from them then may be reused.
    /// </summary>
    public virtual void AddDrives(int[] layers, Matrix[] states, Matrix[] drives, int start, int count, bool lowerUnchanged)
    {
        foreach (int layer in layers) AddDrive(layer, states, drives[layer], start, count, WorkerPool.Serial);
    }

    /// <summary>
    /// The drives at a complex state re + i·im (holomorphic EP): driveRe[l] += Re ∂Φ/∂s_l, driveIm[l] += Im ∂Φ/∂s_l
    /// for every l in <paramref name="layers"/>, rows [start, start+count), on the calling thread. The default holds
    /// for drives linear in the states (bilinear couplings): the drive of each part; a nonlinear holomorphic term
    /// (<see cref="StateDependence.Holomorphic"/>) overrides it.
    /// </summary>
    public virtual void AddDrivesComplex(int[] layers, Matrix[] re, Matrix[] im, Matrix[] driveRe, Matrix[] driveIm, int start, int count)
    {
        AddDrives(layers, re, driveRe, start, count, lowerUnchanged: false);
        AddDrives(layers, im, driveIm, start, count, lowerUnchanged: false);
    }

    /// <summary>
    /// θ.Grad ← keep·θ.Grad + coefRe·Re G + coefIm·Im G, G = Σ_rows ∂Φ_term/∂θ at the complex state re + i·im, rows
    /// [0, count). Only <see cref="StateDependence.Holomorphic"/> terms implement it (holomorphic EP takes linear and
    /// bilinear terms apart itself).
    /// </summary>
    public virtual void AccumulateGradientComplex(Matrix[] re, Matrix[] im, float coefRe, float coefIm, int count, WorkerPool pool, float keep) =>
        throw new NotSupportedException($"{GetType().Name} computes no gradient at a complex state");

    /// <summary>Prepares per-row memory for batches of up to <paramref name="rows"/> rows (called before parallel use).</summary>
    public virtual void EnsureCapacity(int rows) { }

    /// <summary>
    /// θ.Grad ← keep·θ.Grad + coef · Σ_rows (∂Φ_term/∂θ(a) − ∂Φ_term/∂θ(b)) over rows [0, count); <paramref name="b"/>
    /// null means zero. <paramref name="keep"/> is 0 (overwrite, no need to clear first) or 1 (accumulate).
    /// </summary>
    public abstract void AccumulateGradient(Matrix[] a, Matrix[]? b, float coef, int count, WorkerPool pool, float keep = 1f);

    /// <summary>
    /// The linearisation of the drive, for backpropagation: target[rows] += D_s(∂Φ_term/∂s_layer)(states)[direction],
    /// rows [start, start+count) of every matrix. A null direction layer is zero (clamped layers have none).
    /// For a bilinear term this is the drive evaluated on the direction; a bias contributes nothing.
    /// </summary>
    public abstract void AddDriveDirectional(int layer, Matrix[] states, Matrix?[] direction, Matrix target, int start, int count, WorkerPool pool);

    /// <summary>
    /// θ.Grad ← keep·θ.Grad + coef · Σ_rows ∂/∂θ [Σ_l direction_l · drive_l(states)] over rows [start, start+count):
    /// the parameter gradient of backpropagation, Σ δu·∂u/∂θ with u the drives. For a Hopfield term, whose drive is
    /// ∂Φ/∂s, this is D_s(∂Φ_term/∂θ)(states)[direction] (mixed partial derivatives commute).
    /// </summary>
    public abstract void AccumulateGradientDirectional(Matrix[] states, Matrix?[] direction, float coef, int start, int count, WorkerPool pool, float keep = 1f);

    /// <summary>
    /// curvature[unit] += a, the coefficient of ½a·s² that this term puts on each unit of <paramref name="layer"/>
    /// (a resistive coupling: the conductances at the node). Most terms are linear in each layer and add nothing.
    /// </summary>
    public virtual void AddCurvature(int layer, Span<float> curvature) { }

    /// <summary>
    /// The static drive and the curvature together: drive[rows 0..count) += ∂Φ_term/∂s_layer, curvature += a. A term
    /// may compute both in one pass over its parameters (a resistive coupling: one product with a row of ones).
    /// </summary>
    public virtual void AddDriveWithCurvature(int layer, Matrix[] states, Matrix drive, Span<float> curvature, int count, WorkerPool pool)
    {
        AddDrive(layer, states, drive, 0, count, pool);
        AddCurvature(layer, curvature);
    }

    /// <summary>θ.Grad += coef · Σ_units weights[unit] · ∂a_unit/∂θ for the curvature this term puts on <paramref name="layer"/>.</summary>
    public virtual void AccumulateCurvatureGradient(int layer, ReadOnlySpan<float> weights, float coef) { }
}

/// <summary>How an interaction's parameter gradient ∂Φ/∂θ depends on the states (see <see cref="Interaction.StateDependence"/>).</summary>
internal enum StateDependence
{
    /// <summary>Not polynomial of degree ≤ 2 in the states and not holomorphic (a max-pooled convolution, a resistive coupling).</summary>
    Other,
    /// <summary>Linear in the states (a bias).</summary>
    Linear,
    /// <summary>A product of two layers' states (a dense or convolutional coupling).</summary>
    Bilinear,
    /// <summary>Neither, but holomorphic: the term computes its own complex drives and gradient (a softmax-pooled convolution).</summary>
    Holomorphic,
}
