using OnChip.Learning;

namespace OnChip.Tests.Learning;

/// <summary>
/// With the hard sigmoid (a projection onto [0,1]) the fixed point of the dynamics minimises the energy, so the EP
/// theorem holds: as β → 0 the EP estimate equals the gradient of the loss at equilibrium. We check it against a
/// central finite difference of that loss, on tiny networks run to a tight fixed point.
/// </summary>
public class EquilibriumPropagationGradientTests
{
    private const int Steps = 600;

    /// <remarks>
    /// Smooth activations are included: a fixed point of s = σ(∂Φ/∂s) is a stationary point of
    /// E = Σ∫σ⁻¹ − Φ, so the same theorem applies to them.
    /// </remarks>
    [Theory]
    [InlineData(new[] { 5, 4, 3 }, "hard-sigmoid", "mse")]
    [InlineData(new[] { 6, 5, 4, 3 }, "hard-sigmoid", "mse")]
    [InlineData(new[] { 6, 5, 4, 3 }, "hard-sigmoid", "ce")]
    [InlineData(new[] { 6, 5, 4, 3 }, "sigmoid", "mse")]
    [InlineData(new[] { 6, 5, 4, 3 }, "tanh", "ce")]
    public void Symmetric_estimate_matches_finite_difference_of_equilibrium_loss(int[] archi, string activation, string loss)
    {
        var (network, batch) = TestNetworks.Create(archi, activation, loss, batchSize: 3, scale: 0.6f);
        var reference = TestNetworks.FiniteDifferenceGradient(network, batch, Steps, epsilon: 2e-3f);

        new EquilibriumPropagation(new PhaseSettings(0.01f, Steps, Steps), NudgingScheme.Symmetric, new Randomness.Rng(0))
            .ComputeGradients(batch);
        var estimate = TestNetworks.Gradients(network);

        double error = TestNetworks.RelativeError(estimate, reference);
        Assert.True(error < 1e-2, $"relative error {error:E3}");
        Assert.True(reference.Sum(g => g.Sum(Math.Abs)) > 1e-3, "the reference gradient should not vanish");
    }

    [Fact]
    public void One_sided_bias_shrinks_linearly_and_symmetric_is_closer()
    {
        var (network, batch) = TestNetworks.Create([5, 4, 3], "hard-sigmoid", "mse", batchSize: 3, scale: 0.6f);
        var reference = TestNetworks.FiniteDifferenceGradient(network, batch, Steps, epsilon: 2e-3f);
        double Error(NudgingScheme scheme, float beta)
        {
            new EquilibriumPropagation(new PhaseSettings(beta, Steps, Steps), scheme, new Randomness.Rng(0)).ComputeGradients(batch);
            return TestNetworks.RelativeError(TestNetworks.Gradients(network), reference);
        }

        // β stays small enough that no unit crosses a kink of the hard sigmoid during nudging.
        double large = Error(NudgingScheme.OneSided, 0.02f);
        double small = Error(NudgingScheme.OneSided, 0.005f);
        double symmetric = Error(NudgingScheme.Symmetric, 0.02f);
        // First-order bias: a 4× smaller β gives about a 4× smaller error.
        Assert.InRange(large / small, 2.5, 6.0);
        Assert.True(symmetric < large / 3, $"symmetric {symmetric:E3} vs one-sided {large:E3}");
    }

    /// <summary>
    /// Negative EP (phases −β, 0) is biased at first order like one-sided EP, with the opposite sign: the two average
    /// exactly to centred EP (same free state, both nudged phases from it), and each is further from the gradient.
    /// </summary>
    [Theory]
    [InlineData("hard-sigmoid", "mse")]
    [InlineData("tanh", "ce")]
    public void Negative_and_positive_ep_average_to_centred_ep(string activation, string loss)
    {
        var (network, batch) = TestNetworks.Create([6, 5, 4, 3], activation, loss, batchSize: 3, scale: 0.6f);
        double[][] Estimate(NudgingScheme scheme)
        {
            new EquilibriumPropagation(new PhaseSettings(0.05f, Steps, Steps), scheme, new Randomness.Rng(0)).ComputeGradients(batch);
            return TestNetworks.Gradients(network);
        }
        var positive = Estimate(NudgingScheme.OneSided);
        var negative = Estimate(NudgingScheme.Negative);
        var centred = Estimate(NudgingScheme.Symmetric);
        var average = positive.Select((g, p) => g.Select((v, i) => 0.5 * (v + negative[p][i])).ToArray()).ToArray();
        Assert.True(TestNetworks.RelativeError(average, centred) < 1e-4, $"average vs centred: {TestNetworks.RelativeError(average, centred):E2}");
        var reference = TestNetworks.FiniteDifferenceGradient(network, batch, Steps, epsilon: 2e-3f);
        double errPositive = TestNetworks.RelativeError(positive, reference), errNegative = TestNetworks.RelativeError(negative, reference);
        double errCentred = TestNetworks.RelativeError(centred, reference);
        Assert.True(errCentred < errPositive && errCentred < errNegative, $"centred {errCentred:E2}, positive {errPositive:E2}, negative {errNegative:E2}");
    }
}
