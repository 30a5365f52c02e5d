using OnChip.Cli;
using OnChip.Parallelism;

namespace OnChip.Tests.Networks;

/// <summary>--state-noise: Gaussian noise of the given σ on every unit's input at every training relaxation step.</summary>
public class StateNoiseTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("onchip-noise-").FullName;
    public void Dispose() => Directory.Delete(_dir, recursive: true);

    /// <summary>
    /// With every weight and bias zero, a hard-sigmoid unit's state after one step is clip(σξ, 0, 1): half the units at
    /// 0, the others' mean σ·E[ξ | ξ &gt; 0] = σ·√(2/π). Rows and relaxations draw anew; the same batch key draws the same.
    /// </summary>
    [Fact]
    public void The_noise_has_the_requested_spread()
    {
        var (network, batch) = TestNetworks.Create([3, 50, 4], "hard-sigmoid", "mse", batchSize: 400, scale: 1f);
        foreach (var p in network.Parameters) p.Value.Span.Clear();
        const float sigma = 0.04f;
        var relaxation = batch.Relaxation;
        (relaxation.StateNoise, relaxation.NoiseSeed) = (sigma, 5);
        relaxation.BeginNoise(1);
        relaxation.PrepareStaticDrive(batch.Free, batch.Count, WorkerPool.Serial);
        relaxation.Relax(batch.Free, null, 0f, 1, batch.Count, WorkerPool.Serial);
        var first = batch.Free[1].RowSpan(0, batch.Count).ToArray();
        double zeros = first.Count(v => v == 0f) / (double)first.Length;
        double positiveMean = first.Where(v => v > 0f).Average();
        Assert.InRange(zeros, 0.48, 0.52);
        Assert.InRange(positiveMean, 0.97 * sigma * Math.Sqrt(2 / Math.PI), 1.03 * sigma * Math.Sqrt(2 / Math.PI));
        Assert.NotEqual(batch.Free[1].Row(0).ToArray(), batch.Free[1].Row(1).ToArray());
        relaxation.Relax(batch.Free, null, 0f, 1, batch.Count, WorkerPool.Serial);
        Assert.NotEqual(first, batch.Free[1].RowSpan(0, batch.Count).ToArray());
        relaxation.BeginNoise(1);
        relaxation.Relax(batch.Free, null, 0f, 1, batch.Count, WorkerPool.Serial);
        Assert.Equal(first, batch.Free[1].RowSpan(0, batch.Count).ToArray());
    }

    /// <summary>Training with noise gives the same result on 1 and 2 threads, and a different one from training without.</summary>
    [Fact]
    public void Noisy_training_does_not_depend_on_the_thread_count()
    {
        string Train(string name, params string[] extra)
        {
            string dir = Path.Combine(_dir, name);
            var (output, error) = (new StringWriter(), new StringWriter());
            int code = Program.Run(["train", "--archi", "784-32-10", "--epochs", "1", "--train-limit", "500", "--test-limit", "200", .. extra, "--out", dir], output, error);
            Assert.True(code == 0, error.ToString());
            return File.ReadAllText(Path.Combine(dir, "metrics.jsonl")).Split("\"epoch_seconds\"")[0];
        }
        string one = Train("one", "--state-noise", "0.05", "--threads", "1");
        string two = Train("two", "--state-noise", "0.05", "--threads", "2");
        string none = Train("none", "--threads", "2");
        Assert.Equal(one, two);
        Assert.NotEqual(one, none);
    }
}
