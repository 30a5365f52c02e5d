using OnChip.Devices;
using OnChip.Devices.Programming;
using OnChip.Randomness;
using OnChip.Synapses;

namespace OnChip.Tests.Devices;

/// <summary>
/// Whole pulse trains per device (<see cref="DeviceModel.PulseTrains"/>) against the reference: the same pulses
/// fired one round at a time through <see cref="DeviceModel.Pulse"/>.
/// </summary>
public class PulseTrainTests
{
    public static TheoryData<string> TrainModels => new()
    {
        "constant-step", "linear-step", "exp-nonlinear", "exp-linear",
    };

    private static DeviceModel Make(string name, float c2c = 0f) => DeviceModel.Create(name switch
    {
        "constant-step" => new DeviceSpec { Model = "constant-step", DwMin = 0.01f, WMin = -0.5f, WMax = 0.6f, DwDtod = 0.2f, UpDown = 0.1f, UpDownDtod = 0.05f, BoundsDtod = 0.1f, C2c = c2c },
        "linear-step" => WithC2c(DevicePresets.Get("ecram"), c2c),
        "exp-nonlinear" => new DeviceSpec { Model = "exp", BetaD = 3f, OnOff = 13f, DwDtod = 0.2f, C2c = c2c },
        _ => new DeviceSpec { Model = "exp", BetaD = 0.005f, OnOff = 13f, DwDtod = 0.2f, C2c = c2c },
    });

    private static DeviceSpec WithC2c(DeviceSpec spec, float c2c)
    {
        spec.C2c = c2c;
        return spec;
    }

    /// <summary>Fires the signed counts round by round through Pulse (the reference for noise-free devices).</summary>
    private static float[] ByRounds(DeviceModel model, float[] state, float[] counts, float[] width, DevicePopulation devices)
    {
        int n = state.Length;
        var g = (float[])state.Clone();
        var direction = new float[n];
        for (int round = 0; round < counts.Max(MathF.Abs); round++)
        {
            for (int i = 0; i < n; i++) direction[i] = MathF.Abs(counts[i]) > round ? MathF.Sign(counts[i]) : 0f;
            model.Pulse(g, direction, width, devices, 0, [], new float[n], new float[n]);
        }
        return g;
    }

    [Theory]
    [MemberData(nameof(TrainModels))]
    public void Noise_free_trains_equal_the_same_pulses_fired_round_by_round(string name)
    {
        var model = Make(name);
        Assert.True(model.FiresTrains);
        const int n = 53;   // three full blocks of 16 and a partial one
        var devices = model.Populate(n, new Rng(5));
        var rng = new Rng(9);
        var state = Enumerable.Range(0, n).Select(i => devices.Min[i] + (float)rng.NextDouble() * (devices.Max[i] - devices.Min[i])).ToArray();
        var counts = Enumerable.Range(0, n).Select(i => i % 7 == 0 ? 0f : (float)(rng.NextInt(13) - 6)).ToArray();
        counts[n - 1] = 400;   // drives the last device to its bound (constant steps reach it)
        var width = Enumerable.Range(0, n).Select(i => model is ErnoultDevice ? 0.01f * (1 + i % 3) : 1f + 0.5f * (i % 2)).ToArray();
        var expected = ByRounds(model, state, counts, width, devices);
        var trains = (float[])state.Clone();
        var random = new ChunkRandom();
        random.Reseed(1);
        model.PulseTrains(trains, counts, width, devices, 0, random);
        var differ = Enumerable.Range(0, n).Where(i => expected[i] != trains[i]).Select(i => $"{i}: count {counts[i]} {state[i]} -> {expected[i]} vs {trains[i]}");
        Assert.True(!differ.Any(), string.Join("; ", differ));
        for (int i = 0; i < n; i++)
            if (counts[i] == 0) Assert.Equal(state[i], trains[i]);
            else Assert.NotEqual(state[i], trains[i]);
        if (name == "constant-step") Assert.Equal(devices.Max[n - 1], trains[n - 1]);
    }

    /// <summary>
    /// A call reports the pulses it fired (and the potentiating ones), lists exactly the blocks of 16 with a pulsed
    /// device and those with a device of more than one pulse, and refuses counts beyond what its sums can hold.
    /// </summary>
    [Fact]
    public void Trains_report_their_pulses_and_list_the_pulsed_blocks()
    {
        var model = Make("linear-step", c2c: 0.3f);
        const int n = 16 * 9 + 5;
        var rng = new Rng(4);
        var counts = new float[n];
        for (int block = 0; block < 10; block++)
        {
            int kind = block % 3;   // none, one pulse at most, longer trains
            for (int i = 16 * block; i < Math.Min(n, 16 * block + 16); i++)
                counts[i] = kind == 0 ? 0f : rng.NextInt(3) == 0 ? 0f : (rng.NextInt(2) == 0 ? -1 : 1) * (kind == 1 ? 1 : 1 + rng.NextInt(5));
        }
        var state = Enumerable.Repeat(0.1f, n).ToArray();
        var random = new ChunkRandom();
        random.Reseed(3);
        var (pulses, rising) = model.PulseTrains(state, counts, Enumerable.Repeat(1f, n).ToArray(), model.Populate(n, new Rng(1)), 0, random);
        Assert.Equal((long)counts.Sum(MathF.Abs), pulses);
        Assert.Equal((long)counts.Where(c => c > 0).Sum(), rising);

        var found = PulsedBlocks.Find(in counts[0], n / 16);
        var blocks = Enumerable.Range(0, n / 16).ToArray();
        Assert.Equal(blocks.Where(b => counts.Skip(16 * b).Take(16).Any(c => c != 0)), found.Pulsed.ToArray());
        Assert.Equal(blocks.Where(b => counts.Skip(16 * b).Take(16).Any(c => MathF.Abs(c) > 1)), found.Longer.ToArray());
        Assert.Equal((long)counts.Take(16 * (n / 16)).Sum(MathF.Abs), found.Pulses);
        var counted = PulsedBlocks.Count(in counts[0], n / 16);   // totals only (the same per-thread instance)
        Assert.Equal((long)counts.Take(16 * (n / 16)).Sum(MathF.Abs), counted.Pulses);
        Assert.Equal((long)counts.Take(16 * (n / 16)).Where(c => c > 0).Sum(), counted.Rising);
        Assert.True(counted.Pulsed.IsEmpty && counted.Longer.IsEmpty);

        var tooMany = new float[16];
        tooMany[3] = PulsedBlocks.MaxCount + 1;
        Assert.Throws<ArgumentOutOfRangeException>(() => model.PulseTrains(new float[16], tooMany, new float[16], model.Populate(16, new Rng(1)), 0, random));
    }

    /// <summary>
    /// A device array's one scan clips its counts in place only when one is beyond the limit (or not a number, which
    /// becomes −limit, as the clip always did), and then lists and totals the clipped counts.
    /// </summary>
    [Fact]
    public void Listing_clips_counts_beyond_the_limit_and_lists_the_clipped_ones()
    {
        var counts = new float[16 * 70 + 5];
        counts[3] = 2f;
        counts[40] = -7f;
        var found = new PulsedBlocks().ListClipped(counts, limit: 10);
        Assert.Equal([0, 2], found.Pulsed.ToArray());
        Assert.Equal((9L, 2L), (found.Pulses, found.Rising));

        counts[17] = 1e9f;
        counts[16 * 69] = float.NaN;
        counts[16 * 70 + 1] = 50f;   // the partial block is not the scan's
        found = new PulsedBlocks().ListClipped(counts, limit: 10);
        Assert.Equal([2f, 10f, -7f, -10f, 50f], new[] { counts[3], counts[17], counts[40], counts[16 * 69], counts[16 * 70 + 1] });
        Assert.Equal([0, 1, 2, 69], found.Pulsed.ToArray());
        Assert.Equal([0, 1, 2, 69], found.Longer.ToArray());
        Assert.Equal((29L, 12L), (found.Pulses, found.Rising));
        Assert.Throws<ArgumentOutOfRangeException>(() => new PulsedBlocks().ListClipped(counts, PulsedBlocks.MaxCount + 1));
    }

    /// <summary>
    /// The lists are packed 16 blocks at a time: over more blocks than one sum span (1,024), with groups of 16 that
    /// end partway and densities from none to all, they still hold exactly the pulsed and the longer blocks, in order.
    /// </summary>
    [Theory]
    [InlineData(0.0)]
    [InlineData(0.01)]
    [InlineData(0.2)]
    [InlineData(1.0)]
    public void Block_lists_are_exact_at_any_density(double density)
    {
        const int blocks = 1_100 + 7;
        var rng = new Rng(8);
        var counts = new float[16 * blocks];
        for (int i = 0; i < counts.Length; i++)
            if (rng.NextDouble() < density) counts[i] = (rng.NextInt(2) == 0 ? -1 : 1) * (rng.NextInt(4) == 0 ? 2 + rng.NextInt(3) : 1);
        var found = PulsedBlocks.Find(in counts[0], blocks);
        var all = Enumerable.Range(0, blocks).ToArray();
        Assert.Equal(all.Where(b => counts.Skip(16 * b).Take(16).Any(c => c != 0)), found.Pulsed.ToArray());
        Assert.Equal(all.Where(b => counts.Skip(16 * b).Take(16).Any(c => MathF.Abs(c) > 1)), found.Longer.ToArray());
        Assert.Equal((long)counts.Sum(MathF.Abs), found.Pulses);
        Assert.Equal((long)counts.Where(c => c > 0).Sum(), found.Rising);
    }

    /// <summary>
    /// Parameters written in place (a checkpoint's restore) reach the pulse-train kernels once the array is told:
    /// trains then equal the same pulses fired round by round on the restored floats.
    /// </summary>
    [Fact]
    public void Restored_parameters_reach_the_trains()
    {
        var model = Make("linear-step");
        const int n = 40;
        var array = new DeviceArray("W", model, new RoundedPulses(), 1f, 1f, new float[n], seed: 2);
        var other = model.Populate(n, new Rng(99));   // a different draw, as a checkpoint of another run would hold
        var buffers = array.StateBuffers.ToDictionary(b => b.Name, b => b.Data);
        for (int b = 0; b < other.Buffers.Count; b++) other.Buffers[b].CopyTo(buffers[$"devices+{b}"], 0);
        array.StateRestored();
        var counts = Enumerable.Range(0, n).Select(i => (float)(i % 5 - 2)).ToArray();
        var expected = ByRounds(model, (float[])array.Plus.Clone(), counts, Enumerable.Repeat(1f, n).ToArray(), other);
        array.BeginUpdate();
        array.Apply(new float[n], counts.Select(c => c * array.NominalChange).ToArray(), 0);
        Assert.Equal(expected, array.Plus);
    }

    [Fact]
    public void Trains_read_parameters_at_the_offset()
    {
        var model = Make("linear-step");
        const int n = 40, offset = 24;
        var devices = model.Populate(offset + n, new Rng(2));
        var counts = Enumerable.Range(0, n).Select(i => (float)(i % 5 - 2)).ToArray();
        var width = Enumerable.Repeat(1f, n).ToArray();
        var state = Enumerable.Repeat(0.1f, n).ToArray();
        var shifted = model.Populate(n, new Rng(1));   // a population holding devices [offset, offset + n)
        for (int b = 0; b < shifted.Buffers.Count; b++) devices.Buffers[b].AsSpan(offset, n).CopyTo(shifted.Buffers[b]);
        var expected = ByRounds(model, state, counts, width, shifted);
        var random = new ChunkRandom();
        model.PulseTrains(state, counts, width, devices, offset, random);
        Assert.Equal(expected, state);
    }

    private const float NoisyStep = 0.001f, NoisyC2c = 0.5f;

    /// <summary>
    /// Fires the signed counts as trains of noisy constant steps dw·(1 + c2c·ξ) from 0; returns each pulsed device's
    /// change in the direction of its pulses (unpulsed devices must not move).
    /// </summary>
    private static double[] NoisyTrainChanges(float[] counts, ulong seed)
    {
        var model = DeviceModel.Create(new DeviceSpec { Model = "constant-step", DwMin = NoisyStep, WMin = -1f, WMax = 1f, C2c = NoisyC2c });
        int n = counts.Length;
        var state = new float[n];
        var random = new ChunkRandom();
        random.Reseed(seed);
        model.PulseTrains(state, counts, Enumerable.Repeat(1f, n).ToArray(), model.Populate(n, new Rng(1)), 0, random);
        Assert.All(Enumerable.Range(0, n).Where(i => counts[i] == 0), i => Assert.Equal(0f, state[i]));
        return Enumerable.Range(0, n).Where(i => counts[i] != 0).Select(i => (double)(counts[i] > 0 ? state[i] : -state[i])).ToArray();
    }

    /// <summary>k noisy pulses per change: mean k·dw within 3 standard errors, variance k·(c2c·dw)² within the tolerance.</summary>
    private static (double Mean, double Variance) AssertMeanAndVariance(double[] change, int k, double tolerance)
    {
        double mean = change.Average(), variance = change.Select(c => (c - mean) * (c - mean)).Sum() / (change.Length - 1);
        double expectedVariance = k * (NoisyC2c * NoisyStep) * (NoisyC2c * NoisyStep);
        double error = 3 * Math.Sqrt(expectedVariance / change.Length);
        Assert.InRange(mean, k * NoisyStep - error, k * NoisyStep + error);
        Assert.InRange(variance / expectedVariance, 1 - tolerance, 1 + tolerance);
        return (mean, variance);
    }

    /// <summary>k noisy constant steps of dw·(1 + c2c·ξ) from mid-range: mean k·dw, variance k·(c2c·dw)².</summary>
    [Fact]
    public void Noisy_trains_have_the_mean_and_variance_of_independent_noisy_pulses()
    {
        const int n = 8192, k = 6;
        var change = NoisyTrainChanges(Enumerable.Range(0, n).Select(i => i % 2 == 0 ? (float)k : -k).ToArray(), 77);
        var (_, variance) = AssertMeanAndVariance(change, k, 0.1);   // relative standard error √(2/n) ≈ 1.6%
        // Different pulses of a device get different draws: a train of k is not one draw scaled by k.
        Assert.True(variance < 0.5 * k * k * (NoisyC2c * NoisyStep) * (NoisyC2c * NoisyStep));
    }

    /// <summary>
    /// Sparse trains (one device in five pulsed, as small requests give) draw noise only for the pulsed devices: the
    /// changes still have the mean and variance of independent noisy pulses, and no two devices share a draw.
    /// </summary>
    [Fact]
    public void Sparse_noisy_trains_give_every_pulse_its_own_draw()
    {
        const int n = 40000, k = 3;
        var change = NoisyTrainChanges(Enumerable.Range(0, n).Select(i => i % 5 != 2 ? 0f : i % 2 == 0 ? k : -k).ToArray(), 78);
        var (mean, variance) = AssertMeanAndVariance(change, k, 0.07);   // relative standard error √(2/8000) ≈ 1.6%
        Assert.True(change.Length - change.Distinct().Count() < 20, "pulsed devices share draws");   // a few equal floats by chance
        // Neighbouring pulsed devices are uncorrelated (a shared or shifted draw would correlate them).
        double covariance = Enumerable.Range(0, change.Length - 1).Average(j => (change[j] - mean) * (change[j + 1] - mean));
        Assert.InRange(covariance / variance, -0.05, 0.05);
    }

    [Fact]
    public void Models_whose_step_needs_a_pass_over_the_chunk_fire_round_by_round()
    {
        var model = DeviceModel.Create(DevicePresets.Get("reram-es"));
        Assert.False(model.FiresTrains);
        Assert.Throws<NotSupportedException>(() => model.PulseTrains(new float[16], new float[16], new float[16], model.Populate(16, new Rng(1)), 0, new ChunkRandom()));
    }

    [Fact]
    public void Devices_without_spread_form_a_uniform_population()
    {
        var alike = DeviceModel.Create(DevicePresets.Get("ernoult-nonlinear")).Populate(100, new Rng(1));
        Assert.True(alike.IsUniform);
        var repeated = alike.Repeat(0, 16);
        for (int b = 0; b < alike.Buffers.Count; b++) Assert.All(repeated.Buffers[b], v => Assert.Equal(alike.Buffers[b][0], v));
        Assert.False(DeviceModel.Create(DevicePresets.Get("ecram")).Populate(100, new Rng(1)).IsUniform);
    }

    /// <summary>A one-sided pair only potentiates: positive requests raise g⁺, negative ones raise g⁻, by whole pulses.</summary>
    [Fact]
    public void One_sided_pairs_fire_trains_on_the_side_of_the_request()
    {
        var spec = new DeviceSpec { Model = "constant-step", Pair = PairMode.OneSided, DwMin = 0.01f, WMin = 0f, WMax = 1f, RefreshThreshold = 1f };
        var model = DeviceModel.Create(spec);
        Assert.True(model.FiresTrains);
        const int count = 40;
        var array = new DeviceArray("W", model, ProgrammingStrategy.Create("pulse-round", new ProgrammingOptions()), 1f, 1f, new float[count], seed: 1);
        var plus = (float[])array.Plus.Clone();
        var minus = (float[])array.Minus!.Clone();
        var pulses = Enumerable.Range(0, count).Select(i => (float)(i % 7 - 3)).ToArray();
        array.BeginUpdate();
        array.Apply(new float[count], pulses.Select(p => p * array.NominalChange).ToArray(), 0);
        for (int i = 0; i < count; i++)
        {
            Assert.Equal(plus[i] + 0.01f * Math.Max(pulses[i], 0f), array.Plus[i], 5);
            Assert.Equal(minus[i] + 0.01f * Math.Max(-pulses[i], 0f), array.Minus[i], 5);
        }
        Assert.Equal((long)pulses.Sum(MathF.Abs), array.PulsesUp);
    }

    /// <summary>
    /// An array of alike devices pulses from a cached copy of one device's parameters; the result must equal firing
    /// the planned pulses on the conductances with the array's own per-device population.
    /// </summary>
    [Theory]
    [InlineData("ernoult-nonlinear", "sign")]
    [InlineData("ernoult-linear", "rprop")]
    public void A_uniform_array_updates_as_its_own_population_would(string preset, string programming)
    {
        var model = DeviceModel.Create(DevicePresets.Get(preset));
        const int count = 3000;
        var rng = new Rng(4);
        var initial = Enumerable.Range(0, count).Select(_ => 0.05f * (float)rng.NextGaussian()).ToArray();
        var array = new DeviceArray("W", model, ProgrammingStrategy.Create(programming, new ProgrammingOptions()), 0.2f, model.Spec.PulseWidth, initial, seed: 3);
        var buffers = array.StateBuffers.ToDictionary(b => b.Name, b => b.Data);
        var plus = (float[])array.Plus.Clone();
        var minus = (float[])array.Minus!.Clone();
        var plusDevices = new DevicePopulation(count);
        var minusDevices = new DevicePopulation(count);
        for (int b = 0; b < 6; b++)
        {
            buffers[$"devices+{b}"].CopyTo(plusDevices.Buffers[b], 0);
            buffers[$"devices-{b}"].CopyTo(minusDevices.Buffers[b], 0);
        }
        var requested = Enumerable.Range(0, count).Select(i => i % 11 == 0 ? 0f : 0.01f * (float)rng.NextGaussian()).ToArray();
        var weights = new float[count];
        array.BeginUpdate();
        for (int start = 0; start < count; start += 1024) array.Apply(weights, requested.AsSpan(start, Math.Min(1024, count - start)), start);
        // Reference: sign of the request (rprop's first step has the initial width), on the per-device populations.
        var direction = requested.Select(MathF.Sign).Select(d => (float)d).ToArray();
        var width = Enumerable.Repeat(model.Spec.PulseWidth, count).ToArray();
        model.Pulse(plus, direction, width, plusDevices, 0, [], new float[count], new float[count]);
        model.Pulse(minus, direction.Select(d => -d).ToArray(), width, minusDevices, 0, [], new float[count], new float[count]);
        Assert.Equal(plus, array.Plus);
        Assert.Equal(minus, array.Minus);
        Assert.Equal(2L * direction.Count(d => d != 0), array.PulsesUp + array.PulsesDown);   // both devices of each pulsed pair
    }
}
