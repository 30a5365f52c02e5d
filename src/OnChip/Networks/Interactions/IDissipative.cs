using OnChip.Parallelism;
using OnChip.Tensors;

namespace OnChip.Networks.Interactions;

/// <summary>A term that models physical resistors: it can say the power they dissipate in a state.</summary>
internal interface IDissipative
{
    /// <summary>Σ over rows [0, count) of the power Σ g·ΔV² its resistors dissipate in <paramref name="states"/> (model units).</summary>
    double Power(Matrix[] states, int count, WorkerPool pool);
}
