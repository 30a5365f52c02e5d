using OnChip.Learning;

namespace OnChip.Tests.Resistive;

/// <summary>
/// Coupled learning on resistive networks, where a clamped output is a voltage source on each output node, against a
/// double-precision reference of the clamped-output energy Ψ(θ, o) = min over the hidden nodes of E.
/// </summary>
public class ResistiveContrastiveTests
{
    /// <summary>
    /// As β → 0, coupled learning's estimate [∂E/∂θ(clamp o* + β(y − o*)) − ∂E/∂θ(A)]/Δβ tends to ∂²Ψ/∂θ∂δ along the
    /// clamp direction y − o*, the gradient its clamped-output formulation defines (not the loss gradient, which also
    /// weighs the output by the inverse of Ψ's curvature). The reference is a mixed central difference of Ψ in θ and
    /// in the clamp δ. Centred CpL matches it closely; the one-sided variants are biased at first order in β, with
    /// opposite signs.
    /// </summary>
    [Fact]
    public void Coupled_learning_tends_to_the_mixed_derivative_of_the_clamped_energy()
    {
        // The mixed derivative jumps where a diode switches: the first seed whose hidden nodes all keep their
        // unclipped minimiser at least 0.01 away from the threshold at the free state, so that no clamp of size β crosses it.
        var (network, batch, reference) = Enumerable.Range(11, 40).Select(seed =>
        {
            var (n, b) = ResistiveTestNetworks.Create([5, 6, 3], gain: 2f, batchSize: 4, seed: (ulong)seed);
            return (n, b, new ResistiveReference(n, b, 2f));
        }).First(t => t.Item3.HiddenMargin() > 0.01);
        var outputs = Enumerable.Range(0, reference.Count).Select(r => reference.FreeOutput(r)).ToArray();
        const double epsilon = 1e-5, delta = 1e-4;
        var expected = network.Parameters.Select(p => Enumerable.Range(0, p.Length).Select(i =>
            (reference.ClampedEnergy((p.Name, i, epsilon), outputs, delta) - reference.ClampedEnergy((p.Name, i, -epsilon), outputs, delta)
             - reference.ClampedEnergy((p.Name, i, epsilon), outputs, -delta) + reference.ClampedEnergy((p.Name, i, -epsilon), outputs, -delta))
            / (4 * epsilon * delta)).ToArray()).ToArray();
        double Error(NudgingScheme scheme, float beta)
        {
            EquilibriumPropagation.For(network, new PhaseSettings(beta, 300, 300), scheme, new Randomness.Rng(0)).ComputeGradients(batch);
            return TestNetworks.RelativeError(TestNetworks.Gradients(network), expected);
        }
        double centred = Error(NudgingScheme.CoupledCentred, 0.01f);
        double[] positive = [Error(NudgingScheme.Coupled, 0.08f), Error(NudgingScheme.Coupled, 0.04f)];
        double negative = Error(NudgingScheme.CoupledNegative, 0.08f);
        string all = $"centred {centred:E2}, positive {positive[0]:E2} → {positive[1]:E2}, negative {negative:E2}";
        Assert.True(centred < 1e-2, all);
        Assert.InRange(positive[0] / positive[1], 1.6, 2.5);   // halving β halves the one-sided bias
        Assert.True(centred < positive[1] / 3 && centred < negative / 3, all);

        // The clamped-output formulation is not the loss gradient: centred EP at the same point estimates that one.
        var lossGradient = reference.FiniteDifference(d => reference.EquilibriumLoss(d));
        Assert.True(TestNetworks.RelativeError(expected, lossGradient) > 0.05, "the two references should differ on this network");
    }

    /// <summary>The clamped phase holds the output nodes at o* + β(y − o*) and leaves the hidden nodes at their exact minimiser given them.</summary>
    [Fact]
    public void A_clamped_phase_is_the_minimum_of_the_energy_with_the_outputs_held()
    {
        var (network, batch) = ResistiveTestNetworks.Create([5, 6, 3], gain: 2f, batchSize: 4, seed: 12);
        var reference = new ResistiveReference(network, batch, 2f);
        batch.RunFreePhase(300);
        const float beta = 0.3f;
        batch.RunClampedPhase(batch.Nudged, beta, 300);
        var p = reference.Current();
        for (int r = 0; r < batch.Count; r++)
        {
            var free = batch.Free[2].Row(r);
            var held = batch.Nudged[2].Row(r);
            for (int j = 0; j < held.Length; j++) Assert.Equal(free[j] + beta * (batch.Targets[r, j] - free[j]), held[j]);
            var v = reference.FromLibrary(batch.Nudged, r);
            for (int j = 0; j < v[1].Length; j++)
            {
                // KKT of the hidden node: stationary, or clipped at 0 with the gradient pushing it out of range.
                double g = reference.Gradient(p, v, 1, j, 0, r);
                var (lo, hi) = reference.Bounds(1, j);
                if (v[1][j] == 0 && (lo == 0 ? g > 0 : g < 0)) continue;
                Assert.True(Math.Abs(g) < 1e-4, $"example {r}, hidden node {j}: ∂E/∂v = {g:E2} at v = {v[1][j]}");
            }
        }
    }
}
