using OnChip.Configuration;
using OnChip.Data;
using OnChip.Devices;
using OnChip.Synapses;
using OnChip.Training;

namespace OnChip.Tests.Resistive;

/// <summary>A resistive network's conductances on devices: one device per conductance, never negative.</summary>
public class ResistiveDeviceTests
{
    private static readonly DataSplit Data = new(DatasetLoader.Load("embedded").Train.Take(320), DatasetLoader.Load("embedded").Test.Take(100));

    private static TrainingConfig Config(string device, string programming, float lr = 0.5f, float? readNoise = null)
    {
        var c = new TrainingConfig
        {
            Model = "resistive", Archi = "784-16-10", InputGain = 30f, T1 = 4, T2 = 4, Rule = "ep-symmetric", Beta = 0.5f,
            Optim = "sgd", Lr = [lr], Batch = 32, Epochs = 1, Threads = 2,
        };
        c.Devices.Device = device;
        c.Devices.Programming = programming;
        c.Devices.ReadNoise = readNoise;
        return c;
    }

    public static TheoryData<string, string> Every()
    {
        var data = new TheoryData<string, string> { { "ideal", "auto" } };
        foreach (var name in DevicePresets.Names.Skip(1)) data.Add(name, "auto");
        data.Add("ecram", "mixed-precision");
        data.Add("ecram", "pulse-train");
        data.Add("ernoult-nonlinear", "rprop");
        return data;
    }

    /// <summary>A large learning rate pushes many conductances to 0: none may go below, whatever stores them.</summary>
    [Theory]
    [MemberData(nameof(Every))]
    public void Conductances_never_go_negative(string device, string programming)
    {
        using var trainer = new Trainer(Config(device, programming, readNoise: device == "ecram" && programming == "auto" ? 0.05f : null), Data);
        trainer.Run();
        var conductances = trainer.Parameters.Where(p => p.NonNegative).ToArray();
        Assert.Equal(2, conductances.Length);
        int zeros = 0;
        foreach (var p in conductances)
            foreach (float g in p.Value.Data)
            {
                Assert.True(g >= 0f, $"{device}/{programming}: {p.Name} holds {g}");
                if (g == 0f) zeros++;
            }
        Assert.True(zeros > 0, "the test should drive some conductances to the bound");
        foreach (var array in trainer.Devices)
        {
            Assert.True(array.IsConductance, $"{array.Name} should be one device per conductance");
            Assert.Equal(PairMode.Single, array.Pair);
        }
    }

    [Fact]
    public void A_conductance_is_one_device_mapped_onto_zero_to_the_weight_range()
    {
        var config = Config("ecram", "mixed-precision", lr: 0.005f);
        config.Devices.WeightRange = 0.2f;
        using var trainer = new Trainer(config, Data);
        var w0 = trainer.Devices.Single(d => d.Name == "W0");
        Assert.Equal(784 * 2 * 16, w0.DeviceCount);
        Assert.Equal(0.2f / w0.Model.Range, w0.Scale, 5);
        // Programmed from the published initialisation (about half exactly 0): every read lies in [0, 0.2].
        var read = new float[w0.Count];
        w0.ReadAll(read);
        Assert.All(read, g => Assert.InRange(g, 0f, 0.2f + 1e-6f));
        var m = trainer.RunNextEpoch(null)!;
        Assert.True(m.Hardware!["pulses"] > 0 && m.Hardware["energy_j"] > 0);
        Assert.True(m.Hardware["power"] > 0);
    }
}
