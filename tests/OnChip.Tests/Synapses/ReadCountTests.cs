using OnChip.Configuration;
using OnChip.Data;
using OnChip.Rbm;
using OnChip.Synapses;
using OnChip.Training;

namespace OnChip.Tests.Synapses;

/// <summary>
/// Every read of a device array is counted by the array: one epoch of a tiny model with every parameter (biases
/// included) on devices, against a count by hand of the products that read each tensor. N training examples in
/// batches of B, E test examples (one evaluation batch), T1 free and T2 nudged steps, one-sided EP (unless a rule is
/// named), sync schedule.
/// A vector read is one input vector through the array (a bias: one vector it is added to; a conv kernel: one image
/// position).
/// </summary>
public class ReadCountTests
{
    private const int N = 20, B = 10, E = 7, T1 = 3, T2 = 2;
    private const int Batches = N / B;
    private static readonly DataSplit Data = new(DatasetLoader.Load("embedded").Train.Take(N), DatasetLoader.Load("embedded").Test.Take(E));

    private static TrainingConfig Config(string archi, string loss = "mse", string model = "layered", string rule = "ep")
    {
        var c = new TrainingConfig { Archi = archi, Loss = loss, Model = model, Rule = rule, Epochs = 1, Batch = B, T1 = T1, T2 = T2, Seed = 1, Threads = 2 };
        c.Devices.Device = "ecram";
        c.Devices.Programming = "pulse-stochastic";
        c.Devices.Biases = true;
        return c;
    }

    private static Dictionary<string, long> ReadsAfterOneEpoch(TrainingConfig config)
    {
        using var trainer = new Trainer(config, Data);
        var metrics = trainer.RunNextEpoch(null)!;
        var reads = trainer.Devices.ToDictionary(a => a.Name, a => a.VectorReads);
        Assert.Equal(trainer.Learner.Parameters.Select(p => p.Name).Order(), reads.Keys.Order());   // every tensor is on a device
        Assert.Equal(trainer.Devices.Sum(a => (double)a.DeviceReads), metrics.Hardware!["device_reads"]);
        return reads;
    }

    [Theory]
    [InlineData("ep")]
    [InlineData("bptt")]
    [InlineData("rbp")]
    public void Layered_network_with_squared_error(string rule)
    {
        // Static drives (input product, biases) once per relaxed batch; W1 and W2 drive both their layers at every
        // step. EP's T2 nudged steps, BPTT's backward pass through the last T2 steps and RBP's T2 adjoint steps each
        // take the same products (BPTT and RBP: the drives' linearisations along the adjoint).
        var reads = ReadsAfterOneEpoch(Config("784-5-4-10", rule: rule));
        Assert.Equal(N + E, reads["W0"]);
        Assert.Equal(2L * N * (T1 + T2) + 2L * E * T1, reads["W1"]);
        Assert.Equal(2L * N * (T1 + T2) + 2L * E * T1, reads["W2"]);
        foreach (string bias in new[] { "b1", "b2", "b3" }) Assert.Equal(N + E, reads[bias]);
    }

    [Fact]
    public void Layered_ep_with_the_softmax_readout()
    {
        // 784-6-4 in the dynamics, readout W2 (10×4), b3. The readout reads W2 and b3 to score every relaxed batch
        // (the loss reuses the scores), twice W2 and once b3 per nudged step (p, then (p − y)·W2), and once each for
        // its gradient at the nudged state.
        var reads = ReadsAfterOneEpoch(Config("784-6-4-10", loss: "ce"));
        Assert.Equal(N + E, reads["W0"]);
        Assert.Equal(N + E, reads["b1"]);
        Assert.Equal(N + E, reads["b2"]);
        Assert.Equal(2L * N * (T1 + T2) + 2L * E * T1, reads["W1"]);
        Assert.Equal(N * (2L * T2 + 2) + E, reads["W2"]);
        Assert.Equal(N * (T2 + 2L) + E, reads["b3"]);
    }

    [Theory]
    [InlineData("mse")]
    [InlineData("ce")]
    public void Conv_ep_counts_a_read_per_image_position(string loss)
    {
        // 28×28 → conv 5×5 (24×24 = 576 positions) → max pool 12×12×2 → conv 3×3 (10×10 = 100 positions) → pool
        // 5×5×2 → dense 10 (mse: the output layer; ce: a state layer of 10 and the readout W3, b4 to 10 classes).
        const long P0 = 576, P1 = 100, Pooled1 = 144, Pooled2 = 25;
        var config = Config("784-512-10", loss);   // conv: the sizes come from the data and --channels, --fc
        (config.Model, config.Channels, config.Kernels, config.Pools, config.Fc) = ("conv", "2-2", "5-3", "mm", loss == "ce" ? "10-10" : "10");
        // The counts below are for synchronous steps; the conv family's own defaults (the 91% recipe: async steps, three
        // per-layer rates) are replaced by what this network needs.
        (config.Schedule, config.Lr) = ("sync", [5e-4f]);
        var reads = ReadsAfterOneEpoch(config);
        // W0's lower layer is the input: its drive is static, and the gradient's winners (max pooling) need one more
        // convolution of the shared input.
        Assert.Equal(2 * P0 * N + P0 * E, reads["W0"]);
        Assert.Equal(Pooled1 * (N + E), reads["b1"]);
        // W1 drives both its layers at every step (a convolution and a transposed one); the gradient convolves the
        // free and the nudged lower states once each for their winners.
        Assert.Equal(2 * P1 * N * (T1 + T2) + 2 * P1 * N + 2 * P1 * E * T1, reads["W1"]);
        Assert.Equal(Pooled2 * (N + E), reads["b2"]);
        Assert.Equal(2L * N * (T1 + T2) + 2L * E * T1, reads["W2"]);
        Assert.Equal(N + E, reads["b3"]);
        if (loss == "ce")
        {
            Assert.Equal(N * (2L * T2 + 2) + E, reads["W3"]);
            Assert.Equal(N * (T2 + 2L) + E, reads["b4"]);
        }
    }

    [Fact]
    public void Resistive_network_counts_the_curvature_as_one_read()
    {
        // Input 2·784 nodes, hidden 4, output 10. Per relaxed batch: G0 carries the input current of every example plus
        // one row of ones for its row sums (the curvature of layer 1); G1's row and column sums are one read each;
        // then G1 drives layer 1 and layer 2 once per step (forward sweeps free, backward sweeps nudged).
        var config = Config("784-4-10", model: "resistive");
        var reads = ReadsAfterOneEpoch(config);
        Assert.Equal(N + Batches + E + 1, reads["W0"]);
        Assert.Equal(2L * N * (T1 + T2) + 2 * Batches + 2L * E * T1 + 2, reads["W1"]);
        Assert.Equal(N + E, reads["b1"]);
        Assert.Equal(N + E, reads["b2"]);
    }

    [Theory]
    [InlineData("bp", "mse")]
    [InlineData("bp", "ce")]
    [InlineData("progressive-bp", "mse")]
    public void Feed_forward_backprop_reads_forward_and_backward(string rule, string loss)
    {
        // Forward: every weight and bias once per example; backward: W1 once more to propagate the error to layer 1.
        // progressive-bp reads the same: its comparison with exact backprop is a measurement, not a read.
        var reads = ReadsAfterOneEpoch(Config("784-5-10", loss, model: "feedforward", rule: rule));
        Assert.Equal(N + E, reads["W0"]);
        Assert.Equal(2L * N + E, reads["W1"]);
        Assert.Equal(N + E, reads["b1"]);
        Assert.Equal(N + E, reads["b2"]);
    }

    [Theory]
    [InlineData(RbmKinds.Discriminative, false)]
    [InlineData(RbmKinds.Discriminative, true)]
    [InlineData(RbmKinds.Generative, false)]
    public void Rbm_gibbs_steps_read_w_and_the_biases(string model, bool persistent)
    {
        const int k = 2, chains = 2;
        var config = new RbmConfig { Model = model, Hidden = 6, CdK = k, Chains = chains, Persistent = persistent };
        (config.Shared.Epochs, config.Shared.Batch, config.Shared.Seed, config.Shared.Threads) = (1, B, 1, 2);
        (config.Devices.Device, config.Devices.Programming, config.Devices.Biases) = ("ecram", "pulse-stochastic", true);
        using var trainer = RbmLearner.CreateTrainer(config, Data);
        trainer.Run();
        var reads = trainer.Devices.ToDictionary(a => a.Name, a => a.VectorReads);
        long chainRows = (long)chains * N, restart = persistent ? chainRows : 0;
        bool drbm = model == RbmKinds.Discriminative;
        // W: the data (label rows included), then per Gibbs step h → v and v → h for every chain; evaluation: x → h
        // and h → reconstruction.
        Assert.Equal(N + restart + 2 * k * chainRows + 2L * E, reads["W"]);
        // b: per hidden row computed; a: per visible row sampled, and drbm's label biases per scored example.
        Assert.Equal(N + restart + k * chainRows + E, reads["b"]);
        Assert.Equal(k * chainRows + E + (drbm ? N + E : 0), reads["a"]);
    }
}
