using OnChip.Devices;
using OnChip.Devices.Programming;
using OnChip.Randomness;
using OnChip.Synapses;

namespace OnChip.Tests.Devices;

public class ProgrammingTests
{
    private static DeviceArray Ideal(int count, string programming, ProgrammingOptions? options = null, float c2c = 0f) =>
        new("W", DeviceModel.Create(new DeviceSpec { Model = "constant-step", DwMin = 0.001f, WMin = -1f, WMax = 1f, C2c = c2c }),
            ProgrammingStrategy.Create(programming, options ?? new ProgrammingOptions()), 1f, 1f, new float[count], seed: 3);

    [Theory]
    [InlineData(0.37f)]
    [InlineData(2.6f)]
    [InlineData(-11.2f)]
    public void Pulse_train_delivers_the_requested_change_on_average(float pulsesRequested)
    {
        const int n = 20_000;
        var array = Ideal(n, "pulse-train", new ProgrammingOptions(BitLength: 31));
        var weights = new float[n];
        float requested = pulsesRequested * array.NominalChange;
        var delta = Enumerable.Repeat(requested, n).ToArray();
        array.BeginUpdate();
        array.Apply(weights, delta, 0);
        double mean = weights.Average(w => (double)w);
        double se = Math.Sqrt(weights.Select(w => (w - mean) * (w - mean)).Sum() / (n - 1) / n);
        Assert.True(Math.Abs(mean - requested) < 3 * se + 1e-9, $"mean {mean:E4} vs requested {requested:E4} (se {se:E2})");
        Assert.True(se > 0, "the pulse count is random");
        Assert.True(weights.Max(w => Math.Abs(w)) <= 31 * array.NominalChange * 1.0001, "at most BL pulses");
    }

    [Fact]
    public void Stochastic_rounding_is_unbiased_and_round_is_deterministic()
    {
        const int n = 20_000;
        var stochastic = Ideal(n, "pulse-stochastic");
        var weights = new float[n];
        float requested = 0.3f * stochastic.NominalChange;
        stochastic.BeginUpdate();
        stochastic.Apply(weights, Enumerable.Repeat(requested, n).ToArray(), 0);
        Assert.InRange(weights.Average(w => (double)w) / requested, 0.97, 1.03);
        Assert.Equal(2, weights.Distinct().Count());

        var rounded = Ideal(4, "pulse-round");
        var w2 = new float[4];
        rounded.BeginUpdate();
        rounded.Apply(w2, [0.3f * rounded.NominalChange, 0.6f * rounded.NominalChange, -2.4f * rounded.NominalChange, 0f], 0);
        Assert.Equal(new[] { 0f, 1f, -2f, 0f }, w2.Select(w => MathF.Round(w / rounded.NominalChange)).ToArray());
    }

    [Fact]
    public void Sign_programming_gives_one_pulse_and_respects_the_dead_zone()
    {
        var sign = new SignProgramming(deadZone: 0.5f);
        var pulses = new float[4];
        var widths = new float[4];
        sign.Plan([3f, -0.2f, -0.9f, 0.4f], 0, nominal: 1f, width: 0.05f, pulses, widths, new ChunkRandom(), new float[4]);
        Assert.Equal([1f, 0f, -1f, 0f], pulses);
        Assert.All(widths, w => Assert.Equal(0.05f, w));
    }

    /// <summary>Ernoult's RProp on a scripted gradient sequence for one device, step by step.</summary>
    [Fact]
    public void Rprop_follows_the_rule_step_by_step()
    {
        var rprop = new RpropProgramming();
        rprop.Attach(1);
        float w0 = 0.1f;
        (float Pulse, float Width) Step(float request)
        {
            var p = new float[1];
            var w = new float[1];
            rprop.Plan([request], 0, 1f, w0, p, w, new ChunkRandom(), new float[1]);
            return (p[0], w[0]);
        }
        var first = Step(+1);                      // first request: Δt0
        Assert.Equal((1f, w0), first);
        var repeat = Step(+2);                     // same sign: grow, capped at Δt0
        Assert.Equal((1f, w0), repeat);
        var flip = Step(-1);                       // flip: shrink, undo the last step with its width
        Assert.Equal((-1f, w0), flip);
        var fresh = Step(-1);                      // after a flip: start afresh with the shrunk width
        Assert.Equal(-1f, fresh.Pulse);
        Assert.Equal(w0 * 0.99f, fresh.Width, 6);
        var grow = Step(-3);                       // same sign again: grows by 1/0.99 back to Δt0
        Assert.Equal(Math.Min(w0 * 0.99f / 0.99f, w0), grow.Width, 6);
        var flip2 = Step(+1);
        Assert.Equal((1f, grow.Width), flip2);
        var fresh2 = Step(+1);
        Assert.Equal(grow.Width * 0.99f, fresh2.Width, 6);
        Assert.Equal((0f, fresh2.Width), Step(0f)); // no request, no pulse
    }

    [Fact]
    public void Mixed_precision_accumulates_until_a_whole_pulse()
    {
        var mp = new MixedPrecisionProgramming(threshold: 1f);
        mp.Attach(1);
        float Plan(float r)
        {
            var p = new float[1];
            mp.Plan([r], 0, 1f, 1f, p, new float[1], new ChunkRandom(), new float[1]);
            return p[0];
        }
        Assert.Equal(0f, Plan(0.4f));
        Assert.Equal(0f, Plan(0.4f));
        Assert.Equal(1f, Plan(0.4f));  // 1.2 → one pulse, 0.2 left
        Assert.Equal(0.2f, mp.StateBuffers[0][0], 5);
        Assert.Equal(-2f, Plan(-2.5f));
    }

    [Fact]
    public void Pairs_are_pulsed_in_opposite_directions_and_counted()
    {
        var spec = DevicePresets.Get("ernoult-linear");
        var array = new DeviceArray("W", DeviceModel.Create(spec), new SignProgramming(0f), 1f, spec.PulseWidth, new float[3], seed: 1);
        var weights = new float[3];
        array.BeginUpdate();
        array.Apply(weights, [1f, -1f, 0f], 0);
        Assert.True(weights[0] > 0 && weights[1] < 0 && weights[2] == 0);
        Assert.Equal(weights[0], -weights[1], 5);
        Assert.True(array.Plus[0] > array.Model.Reference && array.Minus![0] < array.Model.Reference);
        Assert.Equal(2, array.PulsesUp);
        Assert.Equal(2, array.PulsesDown);
        Assert.Equal(array.NominalChange, weights[0], 3);
    }

    [Fact]
    public void Same_seed_gives_the_same_devices_and_updates()
    {
        float[] Run()
        {
            var spec = DevicePresets.Get("ecram");
            var array = new DeviceArray("W", DeviceModel.Create(spec), new PulseTrain(31), 0.5f, 1f, Enumerable.Range(0, 3000).Select(i => (i % 7 - 3) * 0.01f).ToArray(), seed: 9);
            var w = new float[3000];
            for (int k = 0; k < 5; k++)
            {
                array.BeginUpdate();
                array.Apply(w, Enumerable.Range(0, 3000).Select(i => (i % 5 - 2) * 0.003f).ToArray(), 0);
            }
            return w;
        }
        Assert.Equal(Run(), Run());
    }
}
