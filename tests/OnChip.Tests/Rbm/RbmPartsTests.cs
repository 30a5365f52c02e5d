using OnChip.Configuration;
using OnChip.Data;
using OnChip.Parallelism;
using OnChip.Randomness;
using OnChip.Rbm;

namespace OnChip.Tests.Rbm;

public class RbmPartsTests
{
    [Fact]
    public void Row_streams_are_eight_scalar_xoshiro_lanes()
    {
        // Lane L of slot s is xoshiro256** with state words (w[L], w[8+L], w[16+L], w[24+L]) drawn from the stream's Rng;
        // each 64-bit output gives two uniforms: (low 32 bits >> 8) and (high 32 bits >> 8), times 2^-24.
        var streams = new RowStreams(42, "test", 3);
        var words = new ulong[32];
        var rng = Rng.ForStream(42, "test/2");
        for (int i = 0; i < 32; i++) words[i] = rng.NextUInt64();
        var values = new float[45];  // three steps, the last one partial
        streams.FillUniform(2, values);
        var lanes = Enumerable.Range(0, 8).Select(l => Rng.FromState([words[l], words[8 + l], words[16 + l], words[24 + l]])).ToArray();
        for (int step = 0; step < 3; step++)
            for (int l = 0; l < 8; l++)
            {
                ulong x = lanes[l].NextUInt64();
                int i = step * 16 + 2 * l;
                if (i < 45) Assert.Equal((uint)x >> 8, (uint)(values[i] * (1 << 24)));
                if (i + 1 < 45) Assert.Equal((uint)(x >> 32) >> 8, (uint)(values[i + 1] * (1 << 24)));
            }
        // The partial step's unused values are discarded: the next fill starts a fresh step.
        var next = new float[16];
        streams.FillUniform(2, next);
        for (int l = 0; l < 8; l++) Assert.Equal((uint)lanes[l].NextUInt64() >> 8, (uint)(next[2 * l] * (1 << 24)));
    }

    [Fact]
    public void Bernoulli_samples_have_the_requested_mean()
    {
        var streams = new RowStreams(1, "mean", 1);
        var p = Enumerable.Range(0, 1000).Select(i => i / 999f).ToArray();
        var u = new float[1000];
        var sum = new double[1000];
        var y = new float[1000];
        const int draws = 2000;
        for (int d = 0; d < draws; d++)
        {
            streams.FillUniform(0, u);
            RbmKernels.Bernoulli(p, u, y);
            for (int i = 0; i < 1000; i++) sum[i] += y[i];
        }
        Assert.Equal(0, sum[0]);
        Assert.Equal(draws, sum[999]);
        // Mean over all units: Σp/1000 = 0.5, standard error ≈ √(Σ p(1−p)) / (1000·√draws) ≈ 1.4e-4.
        Assert.Equal(0.5, sum.Sum() / (1000.0 * draws), 0.001);
        double[] byDecile = Enumerable.Range(0, 10).Select(k => sum.Skip(100 * k).Take(100).Sum() / (100.0 * draws)).ToArray();
        for (int k = 0; k < 10; k++) Assert.Equal(p.Skip(100 * k).Take(100).Average(), byDecile[k], 0.01);
    }

    [Fact]
    public void Softplus_sum_is_accurate_for_long_rows()
    {
        var rng = new Rng(3);
        var x = new float[300];
        var y = new float[300];
        rng.FillGaussian(x);
        rng.FillGaussian(y);
        for (int i = 0; i < 300; i++) x[i] *= 20;  // includes large |x|: no overflow
        double reference = 0;
        for (int i = 0; i < 300; i++)
        {
            double v = (double)x[i] + y[i];
            reference += Math.Max(v, 0) + Math.Log(1 + Math.Exp(-Math.Abs(v)));
        }
        Assert.Equal(reference, RbmKernels.SoftplusSum(x, y, default), reference * 1e-6);
    }

    [Fact]
    public void Model_file_round_trips_and_evaluates_the_same()
    {
        var data = DatasetLoader.Load("embedded");
        var small = new DataSplit(data.Train.Take(200), data.Test.Take(100));
        foreach (var kind in RbmKinds.Names)
        {
            var config = new RbmConfig { Model = kind, Hidden = 30 };
            config.Shared.Epochs = 1;
            config.Shared.Threads = 1;
            using var trainer = RbmLearner.CreateTrainer(config, small);
            var result = trainer.Run()[^1];
            string path = Path.Combine(Path.GetTempPath(), $"onchip-rbm-{Guid.NewGuid():N}.onchip");
            try
            {
                RbmModelFile.Save(path, ((RbmLearner)trainer.Learner).Machine, new() { ["binarize"] = config.Binarize });
                var loaded = RbmModelFile.Load(path);
                Assert.Equal(kind, loaded.Machine.Kind);
                Assert.Equal(config.Binarize, loaded.Binarize);
                Assert.Equal(((RbmLearner)trainer.Learner).Machine.W.Value.Data, loaded.Machine.W.Value.Data);
                var again = new RbmEvaluator(loaded.Machine, WorkerPool.Serial, loaded.Binarize).Evaluate(small.Test);
                Assert.Equal(result.TestAccuracy, again.Accuracy);
                Assert.Equal(result.Hardware!["recon_error"], again.ReconstructionError, 12);
            }
            finally
            {
                File.Delete(path);
            }
        }
    }

    [Fact]
    public void Visible_biases_start_at_the_data_log_odds()
    {
        var data = DatasetLoader.Load("embedded").Train.Take(500);
        var rbm = new RestrictedBoltzmannMachine(RbmKinds.Discriminative, 784, 10, 8);
        var means = RbmLearner.VisibleMeans(rbm, data, Binarization.Sample);
        rbm.Initialize(new Rng(1), 0.01f, means);
        Assert.Equal(1.0, means.Skip(784).Sum(), 1e-5);
        for (int i = 0; i < 784; i++)
        {
            float p = Math.Clamp(means[i], 0.01f, 0.99f);
            Assert.Equal(MathF.Log(p / (1 - p)), rbm.A.Value.Data[i], 1e-5);
        }
        Assert.All(rbm.B.Value.Data, b => Assert.Equal(0f, b));
        double std = Math.Sqrt(rbm.W.Value.Data.Average(w => (double)w * w));
        Assert.Equal(0.01, std, 0.002);
    }
}

[CollectionDefinition(nameof(RbmAllocationTests), DisableParallelization = true)]
public class RbmAllocationTestsCollection;

/// <summary>The RBM training step (CD, optimizer, read-out) on two workers allocates nothing once warm. Runs alone.</summary>
[Collection(nameof(RbmAllocationTests))]
public class RbmAllocationTests
{
    [Theory]
    [InlineData(RbmKinds.Discriminative, false, 1, Binarization.Sample)]
    [InlineData(RbmKinds.Generative, true, 2, Binarization.Threshold)]
    public void Training_steps_allocate_nothing(string kind, bool persistent, int chains, string binarize)
    {
        var train = DatasetLoader.Load("embedded").Train.Take(400);
        var config = new RbmConfig { Model = kind, Hidden = 64, Persistent = persistent, Chains = chains, Binarize = binarize, CdK = 2 };
        config.Shared.Threads = 2;
        config.Shared.Batch = 50;
        using var trainer = RbmLearner.CreateTrainer(config, new DataSplit(train, train.Take(10)));
        var indices = Enumerable.Range(0, 50).ToArray();
        var learner = (RbmLearner)trainer.Learner;
        void Step()
        {
            learner.LoadBatch(train, indices);
            learner.TrainBatch(trainer.Optimizer);
        }
        for (int i = 0; i < 60; i++) Step();
        // The calling thread (worker 0, which also runs every serial part) must allocate nothing at all. The process-wide
        // count also sees the runtime's own occasional allocations (tiered re-compilation, timers, under load), so it
        // is taken as the best of many short rounds and only has to stay far below what one allocation per row or
        // per parallel job on the other worker would cost (≥ 5 steps × 50 rows × 24 bytes).
        long fewest = long.MaxValue, thread = long.MaxValue;
        for (int round = 0; round < 30 && (fewest > 0 || thread > 0); round++)
        {
            long before = GC.GetTotalAllocatedBytes(precise: true);
            long threadBefore = GC.GetAllocatedBytesForCurrentThread();
            for (int i = 0; i < 5; i++) Step();
            thread = Math.Min(thread, GC.GetAllocatedBytesForCurrentThread() - threadBefore);
            fewest = Math.Min(fewest, GC.GetTotalAllocatedBytes(precise: true) - before);
        }
        Assert.True(thread == 0, $"{thread} bytes allocated by the calling thread in 5 training steps");
        Assert.True(fewest < 1024, $"{fewest} bytes allocated in the process in 5 training steps");
    }
}
