using OnChip.Devices;
using OnChip.Randomness;

namespace OnChip.Tests.Devices;

public class DeviceModelTests
{
    /// <summary>Applies <paramref name="pulses"/> pulses of one direction to one nominal device and returns every state.</summary>
    private static float[] Trace(DeviceModel model, float start, int pulses, float direction, float width)
    {
        var devices = model.Populate(1, new Rng(1));
        var state = new[] { start };
        var trace = new float[pulses + 1];
        trace[0] = start;
        var a = new float[1];
        var b = new float[1];
        for (int k = 1; k <= pulses; k++)
        {
            model.Pulse(state, [direction], [width], devices, 0, [], a, b);
            trace[k] = state[0];
        }
        return trace;
    }

    [Fact]
    public void Constant_step_with_n_states_has_exactly_n_levels_and_saturates_at_the_bounds()
    {
        var model = DeviceModel.Create(new DeviceSpec { Model = "constant-step", DwMin = 0.125f, WMin = -0.5f, WMax = 0.5f });
        var up = Trace(model, -0.5f, 20, 1f, 1f);
        Assert.Equal(9, up.Distinct().Count());  // (0.5 − (−0.5)) / 0.125 + 1 states
        Assert.Equal(0.5f, up[^1]);
        Assert.Equal(0.5f, up[8]);
        var down = Trace(model, 0.5f, 20, -1f, 1f);
        Assert.Equal(-0.5f, down[^1]);
        Assert.Equal(9, down.Distinct().Count());
    }

    [Fact]
    public void Ernoult_model_is_linear_for_small_nonlinearity()
    {
        var model = DeviceModel.Create(new DeviceSpec { Model = "exp", BetaD = 1e-4f, OnOff = 13f });
        var trace = Trace(model, model.Lower, 90, 1f, 0.01f);
        var steps = trace.Zip(trace.Skip(1), (a, b) => b - a).ToArray();
        Assert.All(steps, s => Assert.True(Math.Abs(s / steps[0] - 1) < 1e-3, $"step {s} vs {steps[0]}"));
        Assert.Equal(0.01 * model.Range, steps[0], 4);
    }

    [Fact]
    public void Ernoult_model_with_strong_nonlinearity_has_first_steps_about_e_cubed_larger_than_last()
    {
        var model = DeviceModel.Create(new DeviceSpec { Model = "exp", BetaD = 3f, OnOff = 13f });
        var trace = Trace(model, model.Lower, 5000, 1f, 0.002f);
        int last = Array.FindIndex(trace, g => g >= model.Upper - 1e-3f * model.Range);
        float first = trace[1] - trace[0], final = trace[last] - trace[last - 1];
        double ratio = first / final;
        Assert.InRange(ratio, 0.8 * Math.Exp(3), 1.2 * Math.Exp(3));
        // Depression mirrors potentiation.
        var down = Trace(model, model.Upper, 1, -1f, 0.002f);
        Assert.Equal(first, down[0] - down[1], 4);
    }

    [Theory]
    [InlineData(0.005f)]
    [InlineData(3f)]
    [InlineData(5f)]
    public void One_pulse_of_width_dt_max_sweeps_the_range(float betaD)
    {
        var model = DeviceModel.Create(new DeviceSpec { Model = "exp", BetaD = betaD, OnOff = 13f });
        var up = Trace(model, model.Lower, 1, 1f, 1f);
        Assert.Equal(model.Upper, up[1], 5);
        var down = Trace(model, model.Upper, 1, -1f, 1f);
        Assert.Equal(model.Lower, down[1], 5);
    }

    [Theory]
    [InlineData(2.4f, 97)]
    [InlineData(0.04f, 128)]
    [InlineData(6.76f, 50)]
    public void NeuroSim_curve_passes_through_its_ends_and_follows_the_closed_form(float nonlinearity, int levels)
    {
        var spec = new DeviceSpec { Model = "neurosim", NlLtp = nonlinearity, NlLtd = nonlinearity, Levels = levels, OnOff = 10f };
        var model = (NeuroSimDevice)DeviceModel.Create(spec);
        Assert.Equal(model.Lower, model.CurveLtp(0), 6);
        Assert.Equal(model.Upper, model.CurveLtp(levels), 5);
        var up = Trace(model, model.Lower, levels, 1f, 1f);
        for (int p = 0; p <= levels; p++) Assert.True(Math.Abs(model.CurveLtp(p) - up[p]) < 2e-5, $"LTP pulse {p}: {up[p]} vs {model.CurveLtp(p)}");
        var down = Trace(model, model.Upper, levels, -1f, 1f);
        for (int p = 0; p <= levels; p++) Assert.True(Math.Abs(model.CurveLtd(levels - p) - down[p]) < 2e-5, $"LTD pulse {p}: {down[p]} vs {model.CurveLtd(levels - p)}");
        Assert.Equal(model.Lower, down[^1], 5);
    }

    [Fact]
    public void NeuroSim_labels_map_to_the_published_ratios()
    {
        Assert.Equal(2.52, NeuroSimDevice.RatioOf(0.5f), 6);
        Assert.Equal(1.25, NeuroSimDevice.RatioOf(1f), 6);
        Assert.Equal(0.2, NeuroSimDevice.RatioOf(-4.88f), 6);
        Assert.True(NeuroSimDevice.RatioOf(0.04f) > 20);  // nearly linear
    }

    [Theory]
    [InlineData("linear-step")]
    [InlineData("soft-bounds")]
    [InlineData("exp-step")]
    [InlineData("pow-step")]
    public void Step_models_stay_in_bounds_and_shrink_towards_them(string modelName)
    {
        var spec = new DeviceSpec { Model = modelName, DwMin = 0.01f, WMin = -1f, WMax = 1f, GammaUp = 0.5f, GammaDown = 0.5f,
            AUp = 0.5f, ADown = 0.5f, EsA = 0.5f, EsB = 0f, GammaDtod = 0f, PowGamma = 2f };
        var model = DeviceModel.Create(spec);
        var up = Trace(model, 0f, 2000, 1f, 1f);
        Assert.All(up, g => Assert.InRange(g, -1f, 1f));
        Assert.True(up[1] - up[0] > up[600] - up[599], "steps shrink towards the upper bound");
    }

    [Fact]
    public void Piecewise_model_reads_its_nodes()
    {
        string file = Path.GetTempFileName();
        File.WriteAllText(file, "w,up,down\n-1,2,0\n0,1,1\n1,0,2\n");
        var model = DeviceModel.Create(new DeviceSpec { Model = "piecewise", PiecewiseFile = file, DwMin = 0.01f });
        var up = Trace(model, 0f, 1, 1f, 1f);
        Assert.Equal(0.01f, up[1] - up[0], 6);
        var low = Trace(model, -1f, 1, 1f, 1f);
        Assert.Equal(0.02f, low[1] - low[0], 6);
        File.WriteAllText(file, "w,up,down\n0,x,1\n");
        Assert.Throws<OnChip.Configuration.ConfigException>(() => DeviceModel.Create(new DeviceSpec { Model = "piecewise", PiecewiseFile = file }));
        File.Delete(file);
    }

    /// <summary>
    /// Drawn parameters are held to 16-bit codes times a power-of-two unit per buffer: the floats equal code·unit
    /// exactly, no value moves by 2^-14 of its buffer's largest, a second Quantize changes nothing, a buffer of one
    /// repeated value keeps it exactly, and the kernels' decoding gives the floats bit for bit.
    /// </summary>
    [Theory]
    [InlineData("ecram")]
    [InlineData("ernoult-nonlinear")]
    [InlineData("pcm")]
    public void Parameters_are_held_to_exact_16_bit_codes(string preset)
    {
        var model = DeviceModel.Create(DevicePresets.Get(preset));
        var population = model.Populate(4096, new Rng(7));
        for (int b = 0; b < population.Buffers.Count; b++)
        {
            var values = population.Buffers[b];
            var codes = population.Codes(b);
            float unit = population.Unit(b);
            for (int i = 0; i < values.Length; i++) Assert.Equal(values[i], codes[i] * unit);
            float largest = values.Max(MathF.Abs);
            if (values.Distinct().Count() > 1)
            {
                Assert.Equal(0, MathF.ILogB(unit) - (MathF.ILogB(largest) - 14));   // a power of two, 2^-14 of the largest's binade
                Assert.True(values.All(v => MathF.Abs(v) <= largest));
            }
            var copy = (float[])values.Clone();
            population.Quantize();
            Assert.Equal(copy, population.Buffers[b]);
            for (int k = 0; k + 16 <= values.Length; k += 16)
            {
                var decoded = population.Parameter(b, 0).LoadCoded((nuint)k);
                for (int i = 0; i < 16; i++) Assert.Equal(values[k + i], decoded[i]);
            }
        }
        // Holding a raw draw to its codes moves it by less than 2^-14 of the buffer's largest magnitude.
        var raw = new DevicePopulation(3);
        (raw.ScaleUp[0], raw.ScaleUp[1], raw.ScaleUp[2]) = (0.0021234567f, -0.0017654321f, 0.0019999f);
        (raw.Min[0], raw.Min[1], raw.Min[2]) = (-0.8276f, -0.8276f, -0.8276f);
        var before = raw.ScaleUp.ToArray();
        raw.Quantize();
        for (int i = 0; i < 3; i++) Assert.True(MathF.Abs(raw.ScaleUp[i] - before[i]) < 0.0021234567f / 16384, $"{before[i]} -> {raw.ScaleUp[i]}");
        Assert.All(raw.Min, v => Assert.Equal(-0.8276f, v));
        Assert.True(raw.IsCoded);
    }

    [Fact]
    public void Device_to_device_spread_is_drawn_once_and_reproducibly()
    {
        var spec = DevicePresets.Get("ecram");
        var a = DeviceModel.Create(spec).Populate(1000, new Rng(5));
        var b = DeviceModel.Create(spec).Populate(1000, new Rng(5));
        Assert.Equal(a.ScaleUp, b.ScaleUp);
        Assert.Equal(a.Max, b.Max);
        double mean = a.ScaleUp.Average(), std = Math.Sqrt(a.ScaleUp.Select(s => (s - mean) * (s - mean)).Average());
        Assert.InRange(std / mean, 0.07, 0.13);  // dw-dtod 0.1
    }
}
