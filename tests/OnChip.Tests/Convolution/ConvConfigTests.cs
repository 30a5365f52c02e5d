using System.Text.Json.Nodes;
using OnChip.Cli;
using OnChip.Configuration;
using OnChip.Data;
using OnChip.Networks;
using OnChip.Persistence;
using OnChip.Training;

namespace OnChip.Tests.Convolution;

/// <summary>Conv nets from command-line flags and YAML, their errors, model files, and device arrays for kernels.</summary>
public class ConvConfigTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("onchip-conv-").FullName;
    public void Dispose() => Directory.Delete(_dir, recursive: true);

    private static readonly DataSplit Small = new(DatasetLoader.Load("embedded").Train.Take(200), DatasetLoader.Load("embedded").Test.Take(100));

    private static TrainingConfig FromYaml(string yaml)
    {
        var config = new TrainingConfig();
        foreach (var (key, value) in ConfigFile.Parse(yaml, "test.yaml", TrainingConfig.Keys))
            TrainingConfig.Keys.First(k => k.Name == key).Set(config, value);
        return config;
    }

    private static (int Code, string Out, string Err) Run(params string[] args)
    {
        var output = new StringWriter();
        var error = new StringWriter();
        int code = Program.Run(args, output, error);
        return (code, output.ToString(), error.ToString());
    }

    [Fact]
    public void Fashion_mnist_images_are_1x28x28_and_the_default_conv_net_fits_them()
    {
        var train = Small.Train;
        Assert.Equal((1, 28, 28), (train.Channels, train.Height, train.Width));
        var config = FromYaml("model: conv\nloss: ce\nchannels: 32-64\nkernels: 5-5\npools: mm\nfc: 10\n");
        config.Validate();
        var network = HopfieldNetwork.Create(config.NetworkSpecFor(train));
        // 28 → conv 5 → 24 → pool → 12 (×32); 12 → conv 5 → 8 → pool → 4 (×64); readout 1024 → 10
        Assert.Equal([784, 12 * 12 * 32, 4 * 4 * 64, 10], network.Spec.Archi);
        Assert.Equal(["W0[32x25]", "b1[1x32]", "W1[64x800]", "b2[1x64]", "W2[10x1024]", "b3[1x10]"], network.Parameters.Select(p => p.ToString()));
        Assert.Equal(3, network.GroupCount);
    }

    [Fact]
    public void The_cifar_architecture_builds_from_flags()
    {
        var config = new TrainingConfig();
        foreach (var (k, v) in new[] { ("model", "conv"), ("loss", "ce"), ("channels", "128-256-512-512"), ("kernels", "3-3-3-3"), ("pools", "mmmm"), ("paddings", "1-1-1-0"), ("fc", "10"),
                     ("lr", "0.25,0.15,0.1,0.08,0.05") })
            TrainingConfig.Keys.First(key => key.Name == k).Set(config, v);
        config.Validate();
        var spec = config.NetworkSpecFor(3, 32, 32);
        // 32 → 16 → 8 → 4 → (3x3 conv, no padding) 2 → pool → 1
        Assert.Equal([3 * 32 * 32, 16 * 16 * 128, 8 * 8 * 256, 4 * 4 * 512, 512, 10], spec.Archi);
    }

    [Theory]
    [InlineData("channels: 32-64\nkernels: 5\n", "kernels: 1 values for 2 conv layers")]
    [InlineData("channels: 32-64\npools: mmm\n", "pools: 3 values for 2 conv layers")]
    [InlineData("channels: 32-64\npaddings: 1\n", "paddings: 1 values for 2 conv layers")]
    [InlineData("pools: mx\n", "unknown pool 'x'")]
    [InlineData("channels: 32-0\n", "channels: '32-0' is not a list")]
    [InlineData("channels: 32-64\nkernels: 5-5\nlr: 0.1,0.2\n", "has 3 synaptic layers")]
    public void Inconsistent_conv_options_fail_with_one_line(string yaml, string message)
    {
        var e = Assert.ThrowsAny<ConfigException>(() => FromYaml("model: conv\n" + yaml).Validate());
        Assert.Contains(message, e.Message);
        Assert.DoesNotContain('\n', e.Message);
    }

    [Fact]
    public void A_spatial_size_that_does_not_divide_is_rejected_with_the_layer_named()
    {
        var config = FromYaml("model: conv\nchannels: 8-16\nkernels: 5-4\n");
        config.Validate();
        var e = Assert.Throws<ConfigException>(() => new Trainer(config, Small));
        Assert.Contains("conv layer 2 of 1x28x28 input: the 9x9 convolution output does not divide into 2x2 pooling windows", e.Message);
    }

    /// <summary>Softmax pools train under centred EP and holomorphic EP and are read back from the model file (1 epoch, 600 images).</summary>
    [Theory]
    [InlineData("ep-symmetric")]
    [InlineData("hep")]
    public void Cli_trains_a_softmax_pooled_conv_net(string rule)
    {
        string run = Path.Combine(_dir, "soft-" + rule);
        var (code, output, error) = Run("train", "--model", "conv", "--channels", "4-8", "--kernels", "5-5", "--pools", "ss", "--fc", "10",
            "--loss", "mse", "--act", "mysig", "--optim", "adam", "--lr", "2e-3", "--rule", rule, "--points", "4", "--beta", "0.5",
            "--t1", "30", "--t2", "10", "--batch", "20", "--epochs", "1", "--train-limit", "600", "--test-limit", "200", "--out", run);
        Assert.True(code == 0, error);
        Assert.Contains("pools ss", output);
        Assert.Equal("ss", ModelFile.Load(Path.Combine(run, "model.onchip")).Network.Spec.Conv!.PoolsText);
        double accuracy = MetricsLog.Read(Path.Combine(run, "metrics.jsonl"))[^1]["test_acc"].GetDouble();
        Assert.True(accuracy > 0.3, $"{rule}: test accuracy {accuracy:P1} after one epoch of 600 images");
    }

    [Fact]
    public void Cli_trains_a_conv_net_and_eval_reads_the_model_back()
    {
        string run = Path.Combine(_dir, "run");
        var (code, output, error) = Run("train", "--model", "conv", "--channels", "4-8", "--kernels", "5-3", "--pools", "ma", "--paddings", "0-1",
            "--fc", "10", "--loss", "ce", "--t1", "15", "--t2", "5", "--epochs", "1", "--train-limit", "200", "--test-limit", "100", "--out", run);
        Assert.True(code == 0, error);
        Assert.Contains("conv channels 4-8 kernels 5-3 pools ma paddings 0-1 fc 10", output);
        var model = ModelFile.Load(Path.Combine(run, "model.onchip"));
        Assert.Equal("4-8", model.Network.Spec.Conv!.ChannelsText);
        Assert.Equal("ma", model.Network.Spec.Conv.PoolsText);
        var (evalCode, evalOut, evalErr) = Run("eval", "--model", Path.Combine(run, "model.onchip"), "--limit", "100");
        Assert.True(evalCode == 0, evalErr);
        double trained = MetricsLog.Read(Path.Combine(run, "metrics.jsonl"))[^1]["test_acc"].GetDouble();
        Assert.Contains($"accuracy {100 * trained:F2}%", evalOut);
        var (badCode, _, badErr) = Run("train", "--model", "conv", "--channels", "4-8", "--kernels", "5", "--out", Path.Combine(_dir, "bad"));
        Assert.NotEqual(0, badCode);
        Assert.Contains("kernels: 1 values for 2 conv layers", badErr);
    }

    [Fact]
    public void Model_file_round_trip_keeps_the_conv_layers_and_every_weight()
    {
        var config = FromYaml("model: conv\nchannels: 3-5\nkernels: 3-3\npools: am\npaddings: 1-0\nstrides: 1-1\nfc: 7-10\nact: tanh\n");
        var network = HopfieldNetwork.Create(config.NetworkSpecFor(2, 12, 12));
        network.Initialize(new Randomness.Rng(9));
        string path = Path.Combine(_dir, "m.onchip");
        ModelFile.Save(path, network, new JsonObject { ["t1"] = 5 });
        var loaded = ModelFile.Load(path).Network;
        Assert.Equal(network.Spec.Archi, loaded.Spec.Archi);
        Assert.Equal("2x12x12", loaded.Spec.Conv!.InputText);
        Assert.Equal("7-10", loaded.Spec.Conv.FcText);
        foreach (var p in network.Parameters) Assert.Equal(p.Value.Data, loaded.Parameter(p.Name).Value.Data);
    }

    /// <summary>Rows relax independently and no product is split along its sum, so the thread count changes nothing.</summary>
    [Theory]
    [InlineData("sync", false)]
    [InlineData("async", true)]
    public void Conv_training_is_bitwise_the_same_on_one_and_two_threads(string order, bool augment)
    {
        float[] Train(int threads)
        {
            var config = FromYaml($"model: conv\nchannels: 4-16\nkernels: 5-5\nloss: ce\nrule: ep-symmetric\nt1: 12\nt2: 4\nepochs: 1\nbatch: 50\nupdate-order: {order}\naugment: {augment}\nthreads: {threads}\n");
            using var trainer = new Trainer(config, Small);
            trainer.RunNextEpoch(null);
            return trainer.Parameters.SelectMany(p => p.Value.Data).ToArray();
        }
        Assert.Equal(Train(1), Train(2));
    }

    /// <summary>A kernel is an ordinary parameter tensor, so it lives on a device array like any weight matrix.</summary>
    [Fact]
    public void Conv_kernels_train_on_device_arrays()
    {
        var config = FromYaml("model: conv\nchannels: 4-8\nkernels: 5-5\nloss: ce\nt1: 10\nt2: 4\nepochs: 1\noptim: sgd\nlr: 0.05\nthreads: 2\n");
        config.Devices.Device = "ecram";
        config.Devices.Programming = "pulse-train";
        using var trainer = new Trainer(config, Small);
        var kernel = trainer.Parameters.First(p => p.Name == "W1");
        Assert.IsNotType<OnChip.Synapses.IdealSynapses>(kernel.Storage);
        var before = kernel.Value.Data.ToArray();
        var m = trainer.RunNextEpoch(null)!;
        Assert.True(m.Hardware!["pulses"] > 0);
        Assert.NotEqual(before, kernel.Value.Data);
    }
}
