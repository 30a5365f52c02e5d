using OnChip.Learning;

namespace OnChip.Tests.Learning;

public class BackpropagationTests
{
    /// <summary>
    /// Truncated BPTT is the gradient of ℓ(s^T) with θ perturbed only in the last K steps, for every schedule (the
    /// non-synchronous ones update layers in place, phase after phase, each reading the states its phase began with).
    /// </summary>
    [Theory]
    [InlineData(new[] { 5, 4, 3 }, "tanh", "mse", 12, 12, "sync")]
    [InlineData(new[] { 6, 5, 4, 3 }, "sigmoid", "mse", 15, 15, "sync")]
    [InlineData(new[] { 6, 5, 4, 3 }, "mysig", "ce", 10, 10, "sync")]
    [InlineData(new[] { 6, 5, 4, 3 }, "tanh", "mse", 20, 6, "sync")]
    [InlineData(new[] { 6, 5, 4, 3 }, "tanh", "ce", 20, 1, "sync")]
    [InlineData(new[] { 6, 5, 4, 3 }, "tanh", "mse", 9, 9, "forward")]
    [InlineData(new[] { 6, 5, 4, 3 }, "sigmoid", "mse", 8, 5, "backward")]
    [InlineData(new[] { 6, 5, 4, 3 }, "mysig", "ce", 10, 10, "async")]
    [InlineData(new[] { 6, 5, 4, 3 }, "tanh", "mse", 12, 4, "async")]
    public void Bptt_equals_a_double_precision_finite_difference(int[] archi, string activation, string loss, int steps, int truncation, string schedule)
    {
        var (network, batch) = TestNetworks.Create(archi, activation, loss, batchSize: 3, scale: 1.5f);
        network.Schedule = Dynamics.Schedules.Parse(schedule);
        var reference = new ReferenceDynamics(network, batch).Gradient(steps, truncation, schedule: schedule);
        var engine = new BackpropagationThroughTime(network, truncation);
        engine.Forward(batch, steps);
        engine.Backward(batch);
        engine.ComputeGradients(batch);
        double error = TestNetworks.RelativeError(TestNetworks.Gradients(network), reference);
        Assert.True(error < 1e-3, $"{schedule}: relative error {error:E3}");
    }

    [Theory]
    [InlineData("sync")]
    [InlineData("async")]
    [InlineData("backward")]
    public void Per_step_gradients_sum_to_the_total(string schedule)
    {
        var (network, batch) = TestNetworks.Create([6, 5, 4, 3], "tanh", "ce", batchSize: 4, scale: 1.2f);
        network.Schedule = Dynamics.Schedules.Parse(schedule);
        var engine = new BackpropagationThroughTime(network, 7);
        engine.Forward(batch, 9);
        engine.Backward(batch);
        engine.ComputeGradients(batch);
        var total = TestNetworks.Gradients(network);
        var sum = total.Select(g => new double[g.Length]).ToArray();
        for (int j = 1; j <= 7; j++)
        {
            engine.ComputeStepGradient(batch, j);
            var step = TestNetworks.Gradients(network);
            for (int p = 0; p < sum.Length; p++)
                for (int i = 0; i < sum[p].Length; i++) sum[p][i] += step[p][i];
        }
        Assert.True(TestNetworks.RelativeError(sum, total) < 1e-5);
    }

    /// <summary>
    /// At a converged free phase, RBP, full BPTT and the summed symmetric EP update are three routes to the same
    /// gradient of ℓ(s*) (cosine similarity > 0.999 for every tensor).
    /// </summary>
    [Theory]
    [InlineData("tanh", "mse")]
    [InlineData("sigmoid", "ce")]
    public void Rbp_bptt_and_symmetric_ep_agree_at_convergence(string activation, string loss)
    {
        const int t1 = 150, t2 = 150;
        var (network, batch) = TestNetworks.Create([20, 16, 12, 5], activation, loss, batchSize: 8, scale: 1.0f);

        var bptt = new BackpropagationThroughTime(network, t2);
        bptt.Forward(batch, t1);
        bptt.Backward(batch);
        bptt.ComputeGradients(batch);
        var viaBptt = TestNetworks.Gradients(network);

        new RecurrentBackpropagation(network, new PhaseSettings(0.01f, t1, t2)).ComputeGradients(batch);
        var viaRbp = TestNetworks.Gradients(network);

        new EquilibriumPropagation(new PhaseSettings(0.005f, t1, t2), NudgingScheme.Symmetric, new Randomness.Rng(0)).ComputeGradients(batch);
        var viaEp = TestNetworks.Gradients(network);

        for (int p = 0; p < viaBptt.Length; p++)
        {
            string name = network.Parameters[p].Name;
            Assert.True(Cosine(viaRbp[p], viaBptt[p]) > 0.999, $"{name}: RBP vs BPTT cosine {Cosine(viaRbp[p], viaBptt[p])}");
            Assert.True(Cosine(viaEp[p], viaBptt[p]) > 0.999, $"{name}: EP vs BPTT cosine {Cosine(viaEp[p], viaBptt[p])}");
        }
    }

    internal static double Cosine(double[] a, double[] b)
    {
        double dot = 0, na = 0, nb = 0;
        for (int i = 0; i < a.Length; i++)
        {
            dot += a[i] * b[i];
            na += a[i] * a[i];
            nb += b[i] * b[i];
        }
        return dot / Math.Sqrt(na * nb);
    }
}
