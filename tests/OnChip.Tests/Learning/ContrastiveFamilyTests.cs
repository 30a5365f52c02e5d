using OnChip.Configuration;
using OnChip.Learning;

namespace OnChip.Tests.Learning;

/// <summary>
/// The contrastive family (science.md §8) on layered Hopfield networks: the clamped rules are built from the same
/// contrast as EP, so their exact relations must hold, and a clamped rule needs an output layer to clamp.
/// </summary>
public class ContrastiveFamilyTests
{
    private const int Steps = 400;

    private static double[][] Estimate(OnChip.Networks.LayeredNetwork network, BatchContext batch, NudgingScheme scheme, float beta)
    {
        EquilibriumPropagation.For(network, new PhaseSettings(beta, Steps, Steps), scheme, new Randomness.Rng(0)).ComputeGradients(batch);
        return TestNetworks.Gradients(network);
    }

    /// <summary>P-CpL and N-CpL start their clamped phase from the same free state and divide by β; their mean is C-CpL.</summary>
    [Theory]
    [InlineData("hard-sigmoid")]
    [InlineData("sigmoid")]
    public void Positive_and_negative_coupled_learning_average_to_centred(string activation)
    {
        var (network, batch) = TestNetworks.Create([6, 5, 4, 3], activation, "mse", batchSize: 3, scale: 0.6f);
        var positive = Estimate(network, batch, NudgingScheme.Coupled, 0.2f);
        var negative = Estimate(network, batch, NudgingScheme.CoupledNegative, 0.2f);
        var centred = Estimate(network, batch, NudgingScheme.CoupledCentred, 0.2f);
        var average = positive.Select((g, p) => g.Select((v, i) => 0.5 * (v + negative[p][i])).ToArray()).ToArray();
        Assert.True(TestNetworks.RelativeError(average, centred) < 1e-4, $"average vs centred: {TestNetworks.RelativeError(average, centred):E2}");
        Assert.True(TestNetworks.RelativeError(positive, negative) > 1e-3, "the one-sided estimates should differ at β = 0.2");
    }

    /// <summary>CL clamps the output to the target itself: coupled learning with β = 1, whatever --beta says.</summary>
    [Fact]
    public void Contrastive_learning_is_coupled_learning_with_beta_one()
    {
        var (network, batch) = TestNetworks.Create([6, 5, 4, 3], "hard-sigmoid", "mse", batchSize: 3, scale: 0.6f);
        var clamped = Estimate(network, batch, NudgingScheme.Clamped, 0.05f);
        var coupled = Estimate(network, batch, NudgingScheme.Coupled, 1f);
        Assert.Equal(coupled, clamped);
        Assert.True(clamped.Sum(g => g.Sum(Math.Abs)) > 1e-3, "the estimate should not vanish");
    }

    /// <summary>
    /// A clamped phase of a Hopfield network holds the output at o* + β(y − o*) on every schedule, and relaxes the
    /// hidden layers to the fixed point given it: one more step of the free dynamics with the output held moves nothing.
    /// </summary>
    [Theory]
    [InlineData("sync")]
    [InlineData("async")]
    public void A_clamped_phase_holds_the_output_and_settles_the_rest(string schedule)
    {
        var (network, batch) = TestNetworks.Create([6, 5, 4, 3], "hard-sigmoid", "mse", batchSize: 3, scale: 0.6f);
        network.Schedule = OnChip.Dynamics.Schedules.Parse(schedule);
        batch.RunFreePhase(Steps);
        batch.RunClampedPhase(batch.Nudged, 0.5f, Steps);
        int top = network.LayerCount - 1;
        for (int r = 0; r < batch.Count; r++)
            for (int j = 0; j < network.LayerSizes[top]; j++)
                Assert.Equal(batch.Free[top][r, j] + 0.5f * (batch.Targets[r, j] - batch.Free[top][r, j]), batch.Nudged[top][r, j]);
        var settled = batch.Nudged.Layers.Select(m => m.Span.ToArray()).ToArray();
        batch.Relaxation.RelaxHoldingOutput(batch.Nudged, 1, batch.Count, batch.Pool);
        for (int l = 1; l <= top; l++)
            for (int i = 0; i < settled[l].Length; i++) Assert.True(Math.Abs(settled[l][i] - batch.Nudged.Layers[l].Span[i]) < 1e-5, $"layer {l} moved");
        Assert.True(Enumerable.Range(0, batch.Count).Any(r => batch.Nudged[1].Row(r).ToArray().Zip(batch.Free[1].Row(r).ToArray()).Any(p => Math.Abs(p.First - p.Second) > 1e-4)),
            "the hidden layer should respond to the clamp");
    }

    [Theory]
    [InlineData("cl")]
    [InlineData("cpl")]
    [InlineData("cpl-negative")]
    [InlineData("cpl-centered")]
    public void Clamped_rules_refuse_a_softmax_readout(string rule)
    {
        var (network, _) = TestNetworks.Create([6, 5, 3], "hard-sigmoid", "ce", batchSize: 2, scale: 0.6f);
        var error = Assert.Throws<ConfigException>(() => LearningRules.Create(rule, network, new PhaseSettings(0.1f, 10, 10), new Randomness.Rng(0)));
        Assert.Contains("--loss mse", error.Message);
    }
}
