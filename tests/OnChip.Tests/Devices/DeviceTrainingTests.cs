using OnChip.Configuration;
using OnChip.Data;
using OnChip.Training;

namespace OnChip.Tests.Devices;

public class DeviceTrainingTests
{
    private static readonly DataSplit Data = new(DatasetLoader.Load("embedded").Train.Take(1000), DatasetLoader.Load("embedded").Test.Take(200));

    private static TrainingConfig Config(string device, string programming, ulong seed = 0)
    {
        var c = new TrainingConfig { Archi = "784-32-10", Epochs = 2, Optim = "sgd", Lr = [0.05f], Seed = seed, Threads = 2 };
        c.Devices.Device = device;
        c.Devices.Programming = programming;
        return c;
    }

    private static double[] Fingerprint(TrainingConfig config)
    {
        using var trainer = new Trainer(config, Data);
        var history = trainer.Run();
        return [.. history.SelectMany(m => new[] { m.TrainAccuracy, m.TrainLoss, m.TestAccuracy }),
                .. trainer.Parameters.SelectMany(p => p.Value.Data.Take(64).Select(v => (double)v))];
    }

    [Fact]
    public void Exact_programming_without_noise_equals_ideal_storage_bit_for_bit()
    {
        var exact = Config("ecram", "exact");
        exact.Devices.C2c = 0;
        exact.Devices.WeightRange = 50f;  // wide enough that no weight is ever clipped
        Assert.Equal(Fingerprint(Config("ideal", "auto")), Fingerprint(exact));
    }

    [Theory]
    [InlineData("ecram", "pulse-train")]
    [InlineData("ernoult-nonlinear", "rprop")]
    [InlineData("pcm", "mixed-precision")]
    [InlineData("ag-a-si", "pulse-stochastic")]
    public void Same_seed_gives_identical_device_runs_and_hardware_costs_are_recorded(string device, string programming)
    {
        Assert.Equal(Fingerprint(Config(device, programming, 3)), Fingerprint(Config(device, programming, 3)));
        Assert.NotEqual(Fingerprint(Config(device, programming, 3)), Fingerprint(Config(device, programming, 4)));
        using var trainer = new Trainer(Config(device, programming), Data);
        var m = trainer.RunNextEpoch(null)!;
        Assert.NotNull(m.Hardware);
        Assert.True(m.Hardware!["pulses"] > 0);
        Assert.True(m.Hardware["device_reads"] > 0);
        Assert.True(m.Hardware["energy_j"] > 0);
        Assert.Equal(20, m.Hardware["update_cycles"]);  // 1000 examples / batch 50
    }

    [Fact]
    public void Devices_learn()
    {
        using var trainer = new Trainer(Config("ecram", "pulse-stochastic"), Data);
        Assert.True(trainer.Run()[^1].TestAccuracy > 0.5);
    }
}
