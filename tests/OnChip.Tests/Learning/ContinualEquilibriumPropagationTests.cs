using OnChip.Learning;
using OnChip.Optimizers;

namespace OnChip.Tests.Learning;

public class ContinualEquilibriumPropagationTests
{
    /// <summary>With a small learning rate, the C-EP increments telescope to the one-sided EP update (Ernoult et al. 2020).</summary>
    [Theory]
    [InlineData("mse")]
    [InlineData("ce")]
    public void Small_learning_rate_sums_to_one_sided_EP(string loss)
    {
        var (network, batch) = TestNetworks.Create([6, 5, 4, 3], "sigmoid", loss, batchSize: 4, scale: 0.8f);
        AssertSumsToOneSided(network, batch, lr: 1e-3f);
    }

    /// <summary>The same on a resistive network (exact block updates, curvature recomputed as the conductances move).</summary>
    [Fact]
    public void Small_learning_rate_sums_to_one_sided_EP_on_a_resistive_network()
    {
        var (network, batch) = Resistive.ResistiveTestNetworks.Create([5, 6, 3], gain: 2f, batchSize: 4, seed: 11);
        AssertSumsToOneSided(network, batch, lr: 1e-4f);
    }

    private static void AssertSumsToOneSided(OnChip.Networks.LayeredNetwork network, BatchContext batch, float lr)
    {
        var phases = new PhaseSettings(0.05f, 200, 20);
        var before = network.Parameters.Select(p => (float[])p.Value.Data.Clone()).ToArray();

        new EquilibriumPropagation(phases, NudgingScheme.OneSided, new Randomness.Rng(0)).ComputeGradients(batch);
        var expected = network.Parameters.Select(p => p.Grad.Data.Select(g => -lr * (double)g).ToArray()).ToArray();

        var sgd = new Sgd(network.Parameters, Enumerable.Repeat(lr, network.GroupCount).ToArray(), 0f, 0f);
        new ContinualEquilibriumPropagation(phases).TrainBatch(batch, sgd);
        var actual = network.Parameters.Select((p, i) => p.Value.Data.Select((v, j) => (double)v - before[i][j]).ToArray()).ToArray();

        double error = TestNetworks.RelativeError(actual, expected);
        Assert.True(error < 2e-2, $"relative error {error:E3}");
    }
}
