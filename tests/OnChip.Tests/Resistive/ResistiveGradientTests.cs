using OnChip.Dynamics;
using OnChip.Learning;

namespace OnChip.Tests.Resistive;

/// <summary>Every gradient route on resistive networks against double-precision finite differences.</summary>
public class ResistiveGradientTests
{
    /// <summary>Centred EP with a small β estimates the gradient of the cost at the free equilibrium.</summary>
    [Theory]
    [InlineData("forward", "backward")]
    [InlineData("async", "async")]
    public void Centred_ep_matches_finite_differences_at_equilibrium(string schedule, string nudged)
    {
        var (network, batch) = ResistiveTestNetworks.Create([5, 6, 3], gain: 2f, batchSize: 4, seed: 7);
        network.Schedule = Schedules.Parse(schedule);
        network.NudgedSchedule = Schedules.Parse(nudged);
        var reference = new ResistiveReference(network, batch, 2f).FiniteDifference(d => new ResistiveReference(network, batch, 2f).EquilibriumLoss(d));
        new EquilibriumPropagation(new PhaseSettings(0.01f, 300, 300), NudgingScheme.Symmetric, new Randomness.Rng(0)).ComputeGradients(batch);
        double error = TestNetworks.RelativeError(TestNetworks.Gradients(network), reference);
        Assert.True(error < 1e-2, $"relative error {error:E3}");
    }

    /// <summary>One-sided EP is biased at first order: its error shrinks about linearly in β; centred EP's quadratically.</summary>
    [Fact]
    public void Ep_bias_shrinks_with_beta_one_sided_linearly_centred_quadratically()
    {
        var (network, batch) = ResistiveTestNetworks.Create([5, 6, 3], gain: 2f, batchSize: 4, seed: 8);
        var reference = new ResistiveReference(network, batch, 2f).FiniteDifference(d => new ResistiveReference(network, batch, 2f).EquilibriumLoss(d));
        double Error(NudgingScheme scheme, float beta)
        {
            new EquilibriumPropagation(new PhaseSettings(beta, 300, 300), scheme, new Randomness.Rng(0)).ComputeGradients(batch);
            return TestNetworks.RelativeError(TestNetworks.Gradients(network), reference);
        }
        double[] betas = [0.08f, 0.04f, 0.02f];
        var oneSided = betas.Select(b => Error(NudgingScheme.OneSided, (float)b)).ToArray();
        var centred = betas.Select(b => Error(NudgingScheme.Symmetric, (float)b)).ToArray();
        double negative = Error(NudgingScheme.Negative, 0.08f);
        string all = $"one-sided {string.Join(" → ", oneSided.Select(e => e.ToString("E2")))}, centred {string.Join(" → ", centred.Select(e => e.ToString("E2")))}, negative {negative:E2}";
        for (int k = 1; k < betas.Length; k++)
        {
            Assert.True(oneSided[k - 1] / oneSided[k] is > 1.6 and < 2.5, all);   // halving β halves the error
            Assert.True(centred[k - 1] / centred[k] > 2.8, all);                  // and about quarters it
        }
        Assert.True(centred[0] < oneSided[0] / 5 && centred[0] < negative / 5, all);
    }

    /// <summary>Truncated backprop through the sweeps is the gradient of the cost after them, θ perturbed in the last K sweeps.</summary>
    [Theory]
    [InlineData("forward", 4, 4)]
    [InlineData("forward", 6, 3)]
    [InlineData("backward", 5, 5)]
    [InlineData("async", 5, 2)]
    [InlineData("sync", 6, 6)]
    public void Tbp_equals_a_finite_difference_through_the_sweeps(string schedule, int steps, int truncation)
    {
        var (network, batch) = ResistiveTestNetworks.Create([5, 6, 4, 3], gain: 2f, batchSize: 3, seed: 9);
        network.Schedule = Schedules.Parse(schedule);
        var reference = new ResistiveReference(network, batch, 2f);
        var expected = reference.FiniteDifference(d => reference.UnrolledLoss(steps, truncation, schedule, d));
        var engine = new BackpropagationThroughTime(network, truncation);
        engine.Forward(batch, steps);
        engine.Backward(batch);
        engine.ComputeGradients(batch);
        double error = TestNetworks.RelativeError(TestNetworks.Gradients(network), expected);
        Assert.True(error < 1e-3, $"{schedule}: relative error {error:E3}");
    }

    [Fact]
    public void Rbp_matches_finite_differences_at_equilibrium()
    {
        var (network, batch) = ResistiveTestNetworks.Create([5, 6, 3], gain: 2f, batchSize: 4, seed: 10);
        var reference = new ResistiveReference(network, batch, 2f);
        var expected = reference.FiniteDifference(d => reference.EquilibriumLoss(d));
        new RecurrentBackpropagation(network, new PhaseSettings(0.1f, 300, 300)).ComputeGradients(batch);
        double error = TestNetworks.RelativeError(TestNetworks.Gradients(network), expected);
        Assert.True(error < 1e-3, $"relative error {error:E3}");
    }
}
