using OnChip.Networks;

namespace OnChip.Learning;

/// <summary>
/// The equilibrium-propagation estimator shared by every EP variant. For two states s1, s2 reached with nudging
/// β1 ≠ β2 it sets, for every parameter θ (batch mean),
///   θ.Grad = −[∂Φ^{β1}/∂θ(s1) − ∂Φ^{β2}/∂θ(s2)] / (β1 − β2),  with Φ^β = Φ − βℓ,
/// i.e. minus the EP update: one-sided EP is (s^β, β; s*, 0), symmetric EP is (s^{+β}, β; s^{−β}, −β).
/// The −βℓ term only matters for parameters the cost owns (the softmax readout), where it gives the exact loss
/// gradient at the nudged state(s), as in Laborieux et al. 2021. Gradients are overwritten, not accumulated.
/// </summary>
internal static class EnergyGradient
{
    public static void Compute(BatchContext batch, NetworkState s1, float beta1, NetworkState s2, float beta2)
    {
        if (beta1 == beta2) throw new ArgumentException("the two phases must have different nudging strengths");
        Compute(batch, s1, beta1, s2, beta2, beta1 - beta2);
    }

    /// <summary>The same difference of ∂Φ^β/∂θ, divided by an explicit <paramref name="divisor"/> (C-EP divides every step's increment by β).</summary>
    public static void Compute(BatchContext batch, NetworkState s1, float beta1, NetworkState s2, float beta2, float divisor)
    {
        int count = batch.Count;
        float scale = 1f / (divisor * count);
        var interactions = batch.Network.Interactions;
        for (int i = 0; i < interactions.Count; i++)  // indexed: foreach on the interface would allocate an enumerator
            interactions[i].AccumulateGradient(s1.Layers, s2.Layers, -scale, count, batch.Pool, keep: 0f);

        // The readout's Φ^β term is −βℓ; its Φ^0 term is zero, so a phase with β = 0 contributes nothing.
        var cost = batch.Network.Cost;
        if (cost.Parameters.Count == 0) return;
        cost.AccumulateParameterGradient(s1.Layers, batch.Targets, beta1 * scale, count, batch.Pool, keep: 0f);
        if (beta2 != 0f) cost.AccumulateParameterGradient(s2.Layers, batch.Targets, -beta2 * scale, count, batch.Pool);
    }
}
