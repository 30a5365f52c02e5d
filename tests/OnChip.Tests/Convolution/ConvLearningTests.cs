using OnChip.Analysis;
using OnChip.Learning;
using OnChip.Networks;
using OnChip.Networks.Convolution;
using OnChip.Optimizers;
using OnChip.Parallelism;
using OnChip.Randomness;

namespace OnChip.Tests.Convolution;

/// <summary>The learning rules, unchanged, on conv nets: BPTT against finite differences, GDU, and every rule training.</summary>
public class ConvLearningTests
{
    /// <summary>1×8×8 input → conv 3×3 pad 1 (2 channels) → pool → conv 3×3 pad 1 (3 channels) → pool → fc.</summary>
    internal static (LayeredNetwork Network, BatchContext Batch) Tiny(string pools, string loss, string activation, int batchSize,
        ulong seed = 1, float scale = 1.5f, WorkerPool? pool = null, int[]? channels = null, int size = 8)
    {
        var conv = new ConvSpec(1, size, size, channels ?? [2, 3], [3, 3], ConvSpec.ParsePools(pools), [1, 1], [1, 1], [3]);
        var network = HopfieldNetwork.Create(NetworkSpec.Convolutional(conv, activation, loss));
        network.Initialize(new Rng(seed), scale);
        var batch = new BatchContext(network, batchSize, pool ?? WorkerPool.Serial) { Count = batchSize };
        var rng = new Rng(seed + 100);
        rng.FillUniform(batch.Input.Span, 0f, 1f);
        // A learnable label: the band of rows (top, middle, bottom third) with the brightest pixels.
        for (int r = 0; r < batchSize; r++)
        {
            var image = batch.Input.Row(r);
            var band = new float[3];
            for (int i = 0; i < image.Length; i++) band[Math.Min(3 * (i / size) / size, 2)] += image[i];
            batch.Targets[r, Array.IndexOf(band, band.Max())] = 1f;
        }
        return (network, batch);
    }

    [Theory]
    [InlineData("mm", "ce", "tanh", 12)]
    [InlineData("am", "mse", "sigmoid", 10)]
    [InlineData("ma", "ce", "mysig", 8)]
    [InlineData("ii", "ce", "tanh", 6)]
    public void Bptt_equals_a_double_precision_finite_difference(string pools, string loss, string activation, int steps)
    {
        var (network, batch) = Tiny(pools, loss, activation, batchSize: 3);
        var reference = new ReferenceConvDynamics(network, batch).Gradient(steps);
        var engine = new BackpropagationThroughTime(network, steps);
        engine.Forward(batch, steps);
        engine.Backward(batch);
        engine.ComputeGradients(batch);
        double error = TestNetworks.RelativeError(TestNetworks.Gradients(network), reference);
        Assert.True(error < 1e-3, $"relative error {error:E3}");
    }

    [Fact]
    public void Free_phase_matches_the_reference_dynamics()
    {
        var (network, batch) = Tiny("mm", "ce", "tanh", batchSize: 4);
        double reference = new ReferenceConvDynamics(network, batch).Loss(15);
        Assert.Equal(reference, TestNetworks.FreeLoss(batch, 15), 4);
    }

    /// <summary>Ernoult 2019's GDU property on a conv net: symmetric nudging is several times closer to BPTT than one-sided.</summary>
    /// <summary>
    /// Ernoult 2019's GDU property on a conv net with average pooling (smooth Φ): at a converged free phase the
    /// one-sided error is about β (linear) and symmetric nudging is several times closer.
    /// </summary>
    [Fact]
    public void Gdu_holds_on_a_conv_net_with_average_pooling()
    {
        var (large, residual) = Gdu("aa", "tanh", 0.5f, 0.1f);
        var (small, _) = Gdu("aa", "tanh", 0.5f, 0.03f);
        Assert.True(residual < 1e-5, $"free phase not converged: residual {residual:E2}");
        for (int i = 0; i < large.Count; i++)
        {
            var t = large[i];
            double ratio = t.OneSided.Rmse / small[i].OneSided.Rmse;
            Assert.True(ratio is > 2.5 and < 4.5, $"{t.Name}: one-sided RMSE {t.OneSided.Rmse:E2} at β=0.1 vs {small[i].OneSided.Rmse:E2} at β=0.03 (ratio {ratio:F1}, expected about 3.3)");
            Assert.True(t.Symmetric!.Rmse * 3 < t.OneSided.Rmse, $"{t.Name}: symmetric {t.Symmetric.Rmse:E2} vs one-sided {t.OneSided.Rmse:E2} at β=0.1");
            Assert.True(small[i].OneSided.SignError < 0.02, $"{t.Name}: {small[i].OneSided.SignError:P1} wrong signs at β=0.03");
        }
    }

    /// <summary>
    /// With max pooling ∂Φ/∂s jumps where a pooling window changes its winner, so a finite nudge that flips a few
    /// near-tied windows moves EP away from BPTT by more than O(β); the ordering (symmetric closer than one-sided)
    /// still holds for every tensor.
    /// </summary>
    [Theory]
    [InlineData("sigmoid", 1f)]
    [InlineData("mysig", 1f)]
    public void Gdu_symmetric_is_closer_than_one_sided_with_max_pooling(string act, float scale)
    {
        var (tensors, residual) = Gdu("mm", act, scale, 0.1f);
        Assert.True(residual < 1e-5, $"free phase not converged: residual {residual:E2}");
        foreach (var t in tensors)
            Assert.True(t.Symmetric!.Rmse < t.OneSided.Rmse, $"{t.Name}: symmetric {t.Symmetric.Rmse:E2} vs one-sided {t.OneSided.Rmse:E2} at β=0.1");
    }

    private static (IReadOnlyList<GduTensor> Tensors, double Residual) Gdu(string pools, string act, float scale, float beta)
    {
        var (network, batch) = Tiny(pools, "mse", act, batchSize: 10, seed: 4, scale: scale, channels: [4, 6], size: 12);
        var result = GduCheck.Run(network, batch, new GduSettings(beta, 100, 10, Symmetric: true));
        Assert.Equal(["W0", "b1", "W1", "b2", "W2", "b3", "s1", "s2", "s3"], result.Tensors.Select(t => t.Name));
        return (result.Tensors, result.FreeResidual);
    }

    /// <summary>Every energy-based rule, unchanged, lowers the loss of a conv net on a fixed mini-batch.</summary>
    [Theory]
    [InlineData("ep")]
    [InlineData("ep-symmetric")]
    [InlineData("ep-random-sign")]
    [InlineData("cep")]
    [InlineData("bptt")]
    [InlineData("rbp")]
    public void Every_rule_trains_a_conv_net(string rule)
    {
        using var pool = new WorkerPool(2);
        var (network, batch) = Tiny("mm", "ce", "sigmoid", batchSize: 16, seed: 2, scale: 1f, pool: pool, channels: [4, 8]);
        var phases = new PhaseSettings(rule == "cep" ? 0.5f : 0.2f, 30, 10, null);
        var learner = LearningRules.Create(rule, network, phases, new Rng(5));
        var optimizer = Optimizer.Create("adam", network.Parameters, Enumerable.Repeat(rule == "cep" ? 0.02f : 0.05f, network.GroupCount).ToArray(), 0f, 0f);
        double before = TestNetworks.FreeLoss(batch, 30);
        for (int i = 0; i < 60; i++) learner.TrainBatch(batch, optimizer);
        double after = TestNetworks.FreeLoss(batch, 30);
        Assert.True(after < 0.7 * before, $"{rule}: loss {before:F4} → {after:F4}");
    }
}
