using OnChip.Configuration;
using OnChip.Data;
using OnChip.FeedForward;
using OnChip.Networks;
using OnChip.Optimizers;
using OnChip.Parallelism;
using OnChip.Randomness;
using OnChip.Tensors;
using OnChip.Training;

namespace OnChip.Tests.FeedForward;

public class BackpropagationTests
{
    private static (FeedForwardNetwork Net, FeedForwardNetwork.Activations Act, Matrix Targets) Make(int[] archi, string act, string loss, int batch, ulong seed = 1)
    {
        var net = new FeedForwardNetwork(new NetworkSpec(archi, act, loss));
        net.Initialize(new Rng(seed), 1.5f);
        var a = new FeedForwardNetwork.Activations(net, batch);
        var targets = new Matrix(batch, archi[^1]);
        var rng = new Rng(seed + 7);
        rng.FillUniform(a.Input.Span, 0f, 1f);
        for (int r = 0; r < batch; r++) targets[r, rng.NextInt(archi[^1])] = 1f;
        return (net, a, targets);
    }

    /// <summary>Independent double-precision forward pass and loss (batch mean).</summary>
    private static double ReferenceLoss(FeedForwardNetwork net, FeedForwardNetwork.Activations act, Matrix targets, int batch)
    {
        double total = 0;
        for (int r = 0; r < batch; r++)
        {
            double[] h = act.Input.Row(r).ToArray().Select(v => (double)v).ToArray();
            for (int l = 0; l < net.Depth; l++)
            {
                var w = net.Weight(l).Value;
                var b = net.Bias(l).Value.Data;
                var a = new double[w.Rows];
                for (int i = 0; i < w.Rows; i++)
                {
                    a[i] = b[i];
                    for (int j = 0; j < w.Cols; j++) a[i] += w[i, j] * h[j];
                }
                bool last = l == net.Depth - 1;
                h = last && net.SoftmaxOutput
                    ? a.Select(z => Math.Exp(z - a.Max())).ToArray()
                    : a.Select(z => net.Spec.Activation == "tanh" ? Math.Tanh(z) : 1 / (1 + Math.Exp(-z))).ToArray();
                if (last && net.SoftmaxOutput) { double sum = h.Sum(); h = h.Select(v => v / sum).ToArray(); }
            }
            var y = targets.Row(r).ToArray();
            total += net.SoftmaxOutput
                ? -Math.Log(h[Array.IndexOf(y, 1f)])
                : 0.5 * h.Select((v, i) => (v - y[i]) * (v - y[i])).Sum();
        }
        return total / batch;
    }

    [Theory]
    [InlineData(new[] { 5, 4, 3 }, "sigmoid", "mse")]
    [InlineData(new[] { 6, 5, 4, 3 }, "tanh", "ce")]
    [InlineData(new[] { 6, 5, 4, 3 }, "sigmoid", "ce")]
    public void Bp_gradient_equals_a_finite_difference(int[] archi, string act, string loss)
    {
        const int batch = 4;
        var (net, a, targets) = Make(archi, act, loss, batch);
        var bp = new Backpropagation(net, progressive: false, batch);
        bp.TrainBatch(a, targets, batch, new Sgd(net.Parameters, Enumerable.Repeat(0f, net.Depth).ToArray(), 0, 0), WorkerPool.Serial);
        double diff = 0, norm = 0;
        foreach (var p in net.Parameters)
            for (int i = 0; i < p.Length; i++)
            {
                float original = p.Value.Data[i];
                const double eps = 1e-3;
                p.Value.Data[i] = (float)(original + eps);
                double plus = ReferenceLoss(net, a, targets, batch);
                p.Value.Data[i] = (float)(original - eps);
                double minus = ReferenceLoss(net, a, targets, batch);
                p.Value.Data[i] = original;
                double numeric = (plus - minus) / (2 * eps);
                diff += (numeric - p.Grad.Data[i]) * (numeric - p.Grad.Data[i]);
                norm += numeric * numeric;
            }
        Assert.True(Math.Sqrt(diff / norm) < 1e-3, $"relative error {Math.Sqrt(diff / norm):E2}");
    }

    [Fact]
    public void Progressive_with_one_layer_is_identical_to_bp()
    {
        float[] Train(bool progressive)
        {
            var (net, a, targets) = Make([6, 3], "sigmoid", "mse", 5);
            var rule = new Backpropagation(net, progressive, 5);
            var sgd = new Sgd(net.Parameters, [0.3f], 0, 0);
            for (int k = 0; k < 5; k++) rule.TrainBatch(a, targets, 5, sgd, WorkerPool.Serial);
            return [.. net.Weight(0).Value.Data, .. net.Bias(0).Value.Data];
        }
        Assert.Equal(Train(false), Train(true));
    }

    /// <summary>With two layers, the progressive gradient of the first layer differs from bp's by O(η).</summary>
    [Fact]
    public void Progressive_differs_from_bp_by_order_eta()
    {
        double Difference(float lr)
        {
            var (net, a, targets) = Make([8, 6, 4], "sigmoid", "mse", 8);
            var rule = new Backpropagation(net, progressive: true, 8);
            rule.TrainBatch(a, targets, 8, new Sgd(net.Parameters, [lr, lr], 0, 0), WorkerPool.Serial);
            return rule.TakeMeasurements()!["grad_difference"];
        }
        double ratio = Difference(0.2f) / Difference(0.1f);
        Assert.InRange(ratio, 1.6, 2.4);
        Assert.True(Difference(0.1f) > 0);
    }

    private static TrainingConfig Config(string rule, string device, string programming = "auto") 
    {
        var c = new TrainingConfig { Model = "feedforward", Rule = rule, Archi = "784-24-10", Epochs = 2, Optim = "sgd", Lr = [0.1f], Threads = 2 };
        c.Devices.Device = device;
        c.Devices.Programming = programming;
        return c;
    }

    private static readonly DataSplit Small = new(DatasetLoader.Load("embedded").Train.Take(800), DatasetLoader.Load("embedded").Test.Take(200));

    private static double[] Fingerprint(TrainingConfig config)
    {
        using var trainer = new Trainer(config, Small);
        var h = trainer.Run();
        return [.. h.SelectMany(m => new[] { m.TrainAccuracy, m.TrainLoss, m.TestAccuracy }), .. trainer.Parameters.SelectMany(p => p.Value.Data.Take(40).Select(v => (double)v))];
    }

    [Fact]
    public void In_situ_training_with_exact_programming_equals_software_bit_for_bit()
    {
        var exact = Config("progressive-bp", "ecram", "exact");
        exact.Devices.C2c = 0;
        exact.Devices.WeightRange = 50;
        Assert.Equal(Fingerprint(Config("progressive-bp", "ideal")), Fingerprint(exact));
    }

    [Fact]
    public void Progressive_bp_without_a_device_trains_on_ideal_storage()
    {
        var config = new TrainingConfig { Model = "feedforward", Rule = "progressive-bp", Archi = "784-24-10", Epochs = 1, Optim = "sgd", Lr = [0.1f], Threads = 2 };
        var bpConfig = config.Clone();
        bpConfig.Rule = "bp";
        using var trainer = new Trainer(config, Small);
        using var bp = new Trainer(bpConfig, Small);
        Assert.Equal("ideal", config.Devices.Device);
        Assert.Empty(trainer.Devices);
        // Two runs that differ only in the rule now share the storage, and so the initial weights.
        Assert.Empty(bp.Devices);
        Assert.Equal(bp.Parameters.SelectMany(p => p.Value.Data), trainer.Parameters.SelectMany(p => p.Value.Data));
        var m = trainer.RunNextEpoch(null)!;
        Assert.True(m.Hardware!["grad_difference"] > 0);
        Assert.False(m.Hardware.ContainsKey("pulses"));
    }

    [Fact]
    public void Cli_progressive_bp_without_device_writes_ideal_storage_and_counts_no_pulses()
    {
        string run = Path.Combine(Path.GetTempPath(), $"onchip-pbp-{Guid.NewGuid():N}");
        try
        {
            var output = new StringWriter();
            var error = new StringWriter();
            int code = OnChip.Cli.Program.Run(["train", "--model", "feedforward", "--rule", "progressive-bp", "--archi", "784-24-10", "--optim", "sgd", "--lr", "0.1",
                "--epochs", "1", "--train-limit", "400", "--test-limit", "100", "--threads", "1", "--out", run], output, error);
            Assert.True(code == 0, error.ToString());
            Assert.Contains("device: ideal", File.ReadAllLines(Path.Combine(run, "config.yaml")));
            Assert.False(File.Exists(Path.Combine(run, "conductances.csv")));
            var metrics = MetricsLog.Read(Path.Combine(run, "metrics.jsonl"));
            Assert.True(metrics[0].ContainsKey("grad_difference"));
            Assert.False(metrics[0].ContainsKey("pulses"));
        }
        finally
        {
            if (Directory.Exists(run)) Directory.Delete(run, recursive: true);
        }
    }

    [Fact]
    public void Progressive_bp_on_ecram_when_asked_programs_pulses_and_reports_its_distance_from_bp()
    {
        var config = Config("progressive-bp", "ecram");
        using var trainer = new Trainer(config, Small);
        Assert.NotEmpty(trainer.Devices);
        var m = trainer.RunNextEpoch(null)!;
        Assert.True(m.Hardware!["grad_difference"] > 0);
        Assert.True(m.Hardware["pulses"] > 0);
    }

    [Fact]
    public void Device_auto_is_refused_and_names_the_way_to_ecram()
    {
        var config = new TrainingConfig();
        var e = Assert.Throws<ConfigException>(() => TrainingConfig.Keys.First(k => k.Name == "device").Set(config, "auto"));
        Assert.Contains("no longer accepted", e.Message);
        Assert.Contains("--device ecram", e.Message);
    }

    [Fact]
    public void Rule_and_model_must_match()
    {
        var c = Config("ep", "ideal");
        Assert.Contains("bp or progressive-bp", Assert.Throws<ConfigException>(c.Validate).Message);
        var d = new TrainingConfig { Rule = "bp" };
        Assert.Contains("--model feedforward", Assert.Throws<ConfigException>(d.Validate).Message);
    }

    [Fact]
    public void Chip_shaped_network_learns_the_moons_in_situ()
    {
        var c = new TrainingConfig { Model = "feedforward", Rule = "progressive-bp", Archi = "2-8-2", Act = "sigmoid", Epochs = 20, Batch = 10, Optim = "sgd", Lr = [0.5f], Threads = 1 };
        c.Devices.Device = "ecram";  // in situ: ecram is no longer progressive-bp's implicit storage
        using var trainer = new Trainer(c, DatasetLoader.Load("moons"));
        var history = trainer.Run();
        Assert.True(history[^1].TestAccuracy > 0.8, $"{history[^1].TestAccuracy:P1}");
    }
}
