using OnChip.Configuration;
using OnChip.Data;
using OnChip.Networks;
using OnChip.Rbm;
using OnChip.Synapses;
using OnChip.Tensors;

namespace OnChip.Tests.Rbm;

public class RbmTrainerTests
{
    private static readonly DataSplit Embedded = DatasetLoader.Load("embedded");

    private static DataSplit Subset(int train, int test) => new(Embedded.Train.Take(train), Embedded.Test.Take(test));

    private static RbmConfig Config(ulong seed = 0, int epochs = 2, string model = RbmKinds.Discriminative, int threads = 2)
    {
        var config = new RbmConfig { Model = model };
        config.Shared.Epochs = epochs;
        config.Shared.Seed = seed;
        config.Shared.Threads = threads;
        return config;
    }

    [Fact]
    public void Drbm_learns_the_embedded_data()
    {
        // Default settings (784+10-300, CD-1, batch 100, lr 0.1, sampled visibles), 3 epochs on the 6,000 embedded
        // training images, tested on the 1,000 embedded test images. Measured (seed 0): test error 48.8%, 37.8%, 32.7%
        // after epochs 1, 2, 3; chance is 90%.
        using var trainer = RbmLearner.CreateTrainer(Config(epochs: 3), Embedded);
        var history = trainer.Run();
        Assert.Equal(3, history.Count);
        double error = history[^1].Hardware!["test_error"];
        Assert.True(error < 0.37, $"test error {error:P2} after 3 epochs (curve {string.Join(" ", history.Select(h => h.Hardware!["test_error"].ToString("P2")))})");
        Assert.Equal(1 - history[^1].TestAccuracy, error, 1e-12);
        Assert.True(history[^1].Hardware!["recon_error"] < history[0].Hardware!["recon_error"]);
        Assert.True(history[^1].TrainLoss < history[0].TrainLoss);
    }

    [Fact]
    public void Generative_rbm_with_readout_learns_the_embedded_data()
    {
        // Same settings with --model rbm (softmax read-out on p(h|x), read-out lr 0.5). Measured (seed 0): 43.9%,
        // 38.0%, 31.5% after epochs 1, 2, 3.
        using var trainer = RbmLearner.CreateTrainer(Config(epochs: 3, model: RbmKinds.Generative), Embedded);
        var history = trainer.Run();
        double error = history[^1].Hardware!["test_error"];
        Assert.NotNull(((RbmLearner)trainer.Learner).Machine.Readout);
        Assert.True(error < 0.37, $"read-out test error {error:P2} after 3 epochs");
    }

    [Theory]
    [InlineData(false, 1, Binarization.Sample)]
    [InlineData(true, 3, Binarization.Threshold)]
    [InlineData(false, 1, Binarization.None)]
    public void Same_seed_gives_identical_metrics_and_different_seeds_differ(bool persistent, int chains, string binarize)
    {
        double[] Run(ulong seed, int threads)
        {
            var config = Config(seed, threads: threads);
            config.Persistent = persistent;
            config.Chains = chains;
            config.Binarize = binarize;
            config.Hidden = 50;
            using var trainer = RbmLearner.CreateTrainer(config, Subset(1000, 200));
            var history = trainer.Run();
            return [.. history.SelectMany(h => new[] { h.TrainAccuracy, h.TrainLoss, h.TestAccuracy, h.TestLoss, h.Hardware!["recon_error"] }),
                    .. ((RbmLearner)trainer.Learner).Machine.W.Value.Data.Take(200).Select(v => (double)v)];
        }
        var first = Run(5, 2);
        Assert.Equal(first, Run(5, 2));
        Assert.NotEqual(first, Run(6, 2));
        // Every row has its own random stream and GEMM is split-invariant: the thread count does not matter either.
        Assert.Equal(first, Run(5, 1));
    }

    [Theory]
    [InlineData("ernoult-nonlinear", "rprop")]
    [InlineData("ecram", "pulse-train")]
    public void Device_runs_are_deterministic_per_seed_and_thread_count(string device, string programming)
    {
        (double[] Numbers, double Pulses) Run(ulong seed, int threads)
        {
            var config = Config(seed, threads: threads);
            var keys = RbmConfig.Keys.ToDictionary(k => k.Name);
            keys["device"].Set(config, device);
            keys["programming"].Set(config, programming);
            keys["c2c"].Set(config, "0.01");  // cycle-to-cycle noise draws must be reproducible too
            config.Hidden = 40;
            using var trainer = RbmLearner.CreateTrainer(config, Subset(600, 200));
            var history = trainer.Run();
            return ([.. history.SelectMany(h => new[] { h.TrainLoss, h.TestAccuracy, h.Hardware!["recon_error"], h.Hardware!["pulses"] }),
                     .. ((RbmLearner)trainer.Learner).Machine.W.Value.Data.Take(300).Select(v => (double)v)], history[^1].Hardware!["pulses"]);
        }
        var first = Run(3, 2);
        Assert.True(first.Pulses > 0, "the device array received no pulses");
        Assert.Equal(first.Numbers, Run(3, 2).Numbers);
        Assert.Equal(first.Numbers, Run(3, 1).Numbers);
        Assert.NotEqual(first.Numbers, Run(4, 2).Numbers);
    }

    [Fact]
    public void Every_update_goes_through_the_parameter_storage()
    {
        // A storage that records the requested changes and applies none: the weights must not move at all,
        // and what was requested must be −lr · Grad (plain SGD).
        var config = Config(epochs: 1);
        config.Hidden = 20;
        using var trainer = RbmLearner.CreateTrainer(config, Subset(300, 50));
        var frozen = new RecordingStorage();
        foreach (var p in ((RbmLearner)trainer.Learner).Machine.Parameters) p.Storage = frozen;
        var before = ((RbmLearner)trainer.Learner).Machine.Parameters.Select(p => p.Value.Data.ToArray()).ToArray();
        trainer.Run();
        for (int i = 0; i < before.Length; i++) Assert.Equal(before[i], ((RbmLearner)trainer.Learner).Machine.Parameters[i].Value.Data);
        int batches = 3;
        Assert.Equal(batches * ((RbmLearner)trainer.Learner).Machine.Parameters.Sum(p => p.Length), frozen.Elements);
        Assert.Equal(batches * 3, frozen.Updates);  // one BeginUpdate per parameter per step
        // CD-1, one chain: per batch of 100, W is read for 100 vectors (positive phase) + 100 (v ~ p(v|h)) + 100 (h of
        // the chain); evaluation: 2 reads per test example (x → h, h → reconstruction). b: once per hidden row computed
        // (data, chain; evaluation: one per example). a: once per visible row sampled and once per scored example
        // (the label biases of the free energies); evaluation: scores and reconstruction.
        var machine = ((RbmLearner)trainer.Learner).Machine;
        Assert.Equal(batches * 300 + 2 * 50, frozen.ReadsOf(machine.W));
        Assert.Equal(batches * 200 + 50, frozen.ReadsOf(machine.B));
        Assert.Equal(batches * 200 + 2 * 50, frozen.ReadsOf(machine.A));
        // The last request on W: −lr · W.Grad.
        var w = ((RbmLearner)trainer.Learner).Machine.W;
        var expected = w.Grad.Data.Select(g => -config.Lr * g).ToArray();
        Assert.Equal(expected, frozen.LastW(w.Length));
    }

    private sealed class RecordingStorage : ISynapseArray
    {
        private readonly Lock _gate = new();
        // The latest request for each (parameter length, chunk start).
        private readonly Dictionary<(int Length, int Start), float[]> _last = [];
        private readonly Dictionary<Matrix, long> _reads = [];
        public long Elements, Updates;
        public string Kind => "recording";
        public void BeginUpdate() => Interlocked.Increment(ref Updates);

        public Matrix Read(Matrix weights, long vectors)
        {
            lock (_gate) _reads[weights] = _reads.GetValueOrDefault(weights) + vectors;
            return weights;
        }

        public long ReadsOf(Parameter parameter)
        {
            lock (_gate) return _reads.GetValueOrDefault(parameter.Value);
        }

        public void Apply(Span<float> weights, ReadOnlySpan<float> requested, int start)
        {
            lock (_gate)
            {
                Elements += requested.Length;
                _last[(weights.Length, start)] = requested.ToArray();
            }
        }

        /// <summary>The latest requested change of the parameter with <paramref name="length"/> elements, reassembled from its chunks.</summary>
        public float[] LastW(int length)
        {
            var result = new float[length];
            foreach (var ((l, start), values) in _last)
                if (l == length) values.CopyTo(result, start);
            return result;
        }
    }

    [Fact]
    public void Bad_settings_are_rejected()
    {
        Assert.Throws<ConfigException>(() => RbmConfig.Keys.First(k => k.Name == "cd-k").Set(new RbmConfig(), "0"));
        Assert.Throws<ConfigException>(() => RbmConfig.Keys.First(k => k.Name == "hidden").Set(new RbmConfig(), "0"));
        Assert.Throws<ConfigException>(() => RbmConfig.Keys.First(k => k.Name == "binarize").Set(new RbmConfig(), "foo"));
        var config = Config();
        config.Chains = 10_000;
        config.Shared.Batch = 1000;
        Assert.Throws<ConfigException>(() => config.Validate());
    }
}
