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
    [InlineData(30.1f)]    // p = 0.97: q^BL for q = p would underflow to 0 in float
    [InlineData(-29.5f)]
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

    /// <summary>Pulse counts are Binomial(BL, p): mean BL·p and variance BL·p(1 − p), on both sides of p = ½.</summary>
    [Theory]
    [InlineData(0.01f)]
    [InlineData(0.3f)]
    [InlineData(0.8f)]
    [InlineData(0.97f)]
    public void Pulse_train_counts_are_binomial(float p)
    {
        const int n = 40_000, bl = 31;
        var array = Ideal(n, "pulse-train", new ProgrammingOptions(BitLength: bl));
        var weights = new float[n];
        array.BeginUpdate();
        for (int start = 0; start < n; start += 1024)
            array.Apply(weights, Enumerable.Repeat(p * bl * array.NominalChange, Math.Min(1024, n - start)).ToArray(), start);
        var counts = weights.Select(w => Math.Round(w / array.NominalChange)).ToArray();
        double mean = counts.Average(), variance = counts.Select(c => (c - mean) * (c - mean)).Sum() / (n - 1);
        double expectedVariance = bl * p * (1 - p);
        Assert.InRange(mean, bl * p - 4 * Math.Sqrt(expectedVariance / n), bl * p + 4 * Math.Sqrt(expectedVariance / n));
        Assert.InRange(variance / expectedVariance, 0.9, 1.1);
    }

    /// <summary>
    /// A uniform draw just below 1 must not walk the inversion to BL when the float CDF sums to slightly less than 1:
    /// with 0.05 pulses requested, 4 or more pulses have probability ~2e-6 and 31 essentially none.
    /// </summary>
    [Fact]
    public void Pulse_train_never_jumps_to_the_full_bit_length_for_small_requests()
    {
        const int n = 1 << 22;
        var array = Ideal(1024, "pulse-train", new ProgrammingOptions(BitLength: 31));
        var weights = new float[1024];
        var request = Enumerable.Repeat(0.05f * array.NominalChange, 1024).ToArray();
        float largest = 0;
        for (int update = 0; update < n / 1024; update++)
        {
            array.BeginUpdate();
            weights.AsSpan().Clear();
            array.Apply(weights, request, 0);
            largest = Math.Max(largest, weights.Max());
            array.Plus.AsSpan().Fill(0f);   // back to zero weight (the reference state of the single device)
        }
        Assert.InRange(largest / array.NominalChange, 1, 6);
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
        Assert.False(sign.VariesWidth);
        Assert.All(widths, w => Assert.Equal(0f, w));   // every pulse has the width given: the array holds it
    }

    /// <summary>
    /// Strategies whose pulses all have the array's width leave the widths to the array: a pulse of half the width
    /// moves a constant-step device by half a step, and the nominal change (what strategies divide by) follows.
    /// </summary>
    [Theory]
    [InlineData("sign")]
    [InlineData("mixed-precision")]
    [InlineData("pulse-round")]
    public void Uniform_width_strategies_fire_at_the_arrays_pulse_width(string name)
    {
        var spec = new DeviceSpec { Model = "constant-step", DwMin = 0.01f, WMin = -1f, WMax = 1f };
        const int n = 2100;   // a whole chunk and a partial one
        var full = new DeviceArray("W", DeviceModel.Create(spec), ProgrammingStrategy.Create(name, new ProgrammingOptions()), 1f, 1f, new float[n], seed: 3);
        var half = new DeviceArray("W", DeviceModel.Create(spec), ProgrammingStrategy.Create(name, new ProgrammingOptions()), 1f, 0.5f, new float[n], seed: 3);
        Assert.False(half.Strategy.VariesWidth);
        Assert.Equal(full.NominalChange / 2, half.NominalChange, 6);
        foreach (var array in new[] { full, half })
        {
            var requests = Enumerable.Range(0, n).Select(i => (i % 3 - 1) * array.NominalChange).ToArray();
            var weights = new float[n];
            array.BeginUpdate();
            array.Apply(weights, requests, 0);
            for (int i = 0; i < n; i++) Assert.Equal(requests[i], weights[i], 6);
        }
    }

    /// <summary>
    /// RProp over a long random run of signs (many flips and regrowths) against the rule in double precision: the
    /// per-device width and last sign must follow it at every step (widths to float accuracy).
    /// </summary>
    [Fact]
    public void Rprop_tracks_a_long_random_sign_sequence()
    {
        const int n = 37;
        const float w0 = 0.05f;
        var rprop = new RpropProgramming();
        rprop.Attach(n);
        var rng = new Rng(6);
        var width = Enumerable.Repeat((double)w0, n).ToArray();
        var last = new int[n];
        var pulses = new float[n];
        var widths = new float[n];
        double narrowest = w0;
        for (int step = 0; step < 3000; step++)
        {
            // Mostly alternating signs in the first half (widths shrink far), mostly repeated ones after (they grow back);
            // some zero requests and random signs throughout.
            var requested = new float[n];
            for (int i = 0; i < n; i++)
            {
                int sign = step < 1500 ? (step % 2 == 0 ? 1 : -1) : (i % 2 == 0 ? 1 : -1);
                if (rng.NextInt(6) == 0) sign = rng.NextInt(3) - 1;
                requested[i] = sign * (1 + i % 3);
            }
            rprop.Plan(requested, 0, 1f, w0, pulses, widths, new ChunkRandom(), new float[n]);
            for (int i = 0; i < n; i++)
            {
                int sign = Math.Sign(requested[i]);
                Assert.Equal(sign, (int)pulses[i]);
                if (sign == 0) continue;
                double expected;
                if (sign == -last[i])
                {
                    expected = width[i];
                    width[i] *= 0.99;
                    last[i] = 0;
                }
                else
                {
                    if (sign == last[i]) width[i] = Math.Min(width[i] / 0.99, w0);
                    expected = width[i];
                    last[i] = sign;
                }
                // Float widths drift from the double ones by rounding (about 6e-8 per multiplication); a wrong rule is off by 1% at once.
                Assert.True(Math.Abs(widths[i] - expected) <= 2e-4 * expected, $"step {step}, device {i}: width {widths[i]} vs {expected}");
                narrowest = Math.Min(narrowest, expected);
            }
        }
        Assert.True(narrowest < 0.5 * w0, $"the run never shrank a width far (narrowest {narrowest})");
        Assert.True(width.Max() > 0.9 * w0, "the widths never grew back");
    }

    /// <summary>
    /// Thousands of flips shrink the width to its floor (Δt0·2^-60, where the one-float state stops shrinking it) without
    /// the state ever being misread: every flip still undoes the last step with its width, and repeats grow it back.
    /// </summary>
    [Fact]
    public void Rprop_state_survives_widths_shrunk_to_the_floor()
    {
        const float w0 = 0.01f;
        var rprop = new RpropProgramming();
        rprop.Attach(1);
        (float Pulse, float Width) Step(float request)
        {
            var p = new float[1];
            var w = new float[1];
            rprop.Plan([request], 0, 1f, w0, p, w, new ChunkRandom(), new float[1]);
            return (p[0], w[0]);
        }
        float floor = w0 * MathF.Pow(2, -60), previous = w0;
        for (int flip = 0; flip < 6000; flip++)
        {
            var (pulse, width) = Step(flip % 2 == 0 ? 1f : -1f);      // a fresh step…
            Assert.Equal(flip % 2 == 0 ? 1f : -1f, pulse);
            Assert.Equal(previous, width);
            var undo = Step(flip % 2 == 0 ? -1f : 1f);                // …undone by a flip with the same width
            Assert.Equal((flip % 2 == 0 ? -1f : 1f, width), undo);
            previous = Math.Max(width * RpropProgramming.Shrink, floor);
        }
        Assert.Equal(floor, previous, floor * 1e-5f);
        float grown = Step(1f).Width;
        for (int i = 0; i < 6000; i++) grown = Step(1f).Width;
        Assert.Equal(w0, grown);
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
        Assert.Equal(0.2f, mp.Accumulated(0, 1f), 4);
        Assert.Equal(-2f, Plan(-2.5f));
    }

    /// <summary>
    /// The 16-bit accumulators against the published rule run independently in double precision (Nandakumar et al.:
    /// χ += ΔW; if |χ| ≥ T·Δw, transfer n = trunc(χ/Δw) pulses and χ −= n·Δw), over many updates of 2,500 devices
    /// (whole vectors and a scalar tail) with requests from far below one pulse to several: the pulses agree update by
    /// update (from the χ the device holds, the rule in exact arithmetic) except where the single-precision sum lands on
    /// a transfer boundary, nothing drifts (requests in = pulses
    /// out + what is held, to the codes' resolution per update), and the codes never leave ±32767.
    /// </summary>
    [Theory]
    [InlineData(1f, 0.002f)]
    [InlineData(2.5f, 0.013f)]
    public void Mixed_precision_16_bit_accumulators_follow_the_published_rule(float threshold, float nominal)
    {
        const int n = 2500, updates = 400;
        var mp = new MixedPrecisionProgramming(threshold);
        mp.Attach(n);
        var reference = new double[n];
        var requested = new double[n];
        var transferred = new double[n];
        var rng = new Rng(11);
        var request = new float[n];
        var pulses = new float[n];
        long disagreements = 0, events = 0;
        for (int t = 0; t < updates; t++)
        {
            // Heavy-tailed requests: mostly a few percent of a pulse, sometimes several pulses, both signs.
            for (int i = 0; i < n; i++)
            {
                double scale = rng.NextDouble() < 0.02 ? 3.0 : 0.05;
                request[i] = (float)(scale * nominal * rng.NextGaussian());
            }
            for (int offset = 0; offset < n; offset += 2048)
            {
                int m = Math.Min(2048, n - offset);
                mp.Plan(request.AsSpan(offset, m), offset, nominal, 1f, pulses.AsSpan(offset, m), new float[m], new ChunkRandom(), new float[m]);
            }
            for (int i = 0; i < n; i++)
            {
                double chi = reference[i] + request[i];
                double expected = Math.Abs(chi) >= threshold * nominal ? Math.Truncate(chi / nominal) : 0;
                if (pulses[i] != expected) disagreements++;
                if (expected != 0) events++;
                reference[i] = mp.Accumulated(i, nominal);   // the next update starts from what the device holds
                requested[i] += request[i];
                transferred[i] += pulses[i] * (double)nominal;
                Assert.True(Math.Abs(mp.Accumulated(i, nominal)) <= threshold * nominal * (1 + 1e-6));
            }
        }
        Assert.True(events > 5000, $"only {events} transfers");
        Assert.True(disagreements <= events / 1000, $"{disagreements} of {events} transfers differ from the reference");
        double unit = threshold * nominal / 32767;
        for (int i = 0; i < n; i++)
            Assert.True(Math.Abs(requested[i] - transferred[i] - mp.Accumulated(i, nominal)) <= updates * unit,
                $"device {i}: {requested[i]} requested, {transferred[i]} transferred, {mp.Accumulated(i, nominal)} held");
    }

    /// <summary>
    /// Mixed precision clips and lists its counts as it writes them; that equals planning and then scanning the counts
    /// (<see cref="PulsedBlocks.ListClipped"/>): the same counts, accumulators, lists and totals, with counts beyond the
    /// limit, a partial last block and a length that leaves lanes to the one-lane code.
    /// </summary>
    [Theory]
    [InlineData(2048)]
    [InlineData(2100)]
    [InlineData(37)]
    [InlineData(8)]
    public void Mixed_precision_lists_its_counts_as_a_scan_would(int n)
    {
        var (listing, scanned) = (new MixedPrecisionProgramming(1.5f), new MixedPrecisionProgramming(1.5f));
        listing.Attach(n);
        scanned.Attach(n);
        var rng = new Rng(21);
        bool clipped = false;
        for (int step = 0; step < 5; step++)
        {
            var requested = Enumerable.Range(0, n).Select(i => rng.NextInt(i % 7 == 0 ? 1 : 4) == 0 ? (float)(3 * rng.NextGaussian() * (i % 7 == 0 ? 40 : 1)) : 0f).ToArray();
            var (a, b) = (new float[n], new float[n]);
            var (foundA, foundB) = (new PulsedBlocks(), new PulsedBlocks());
            listing.PlanListed(requested, 0, 1f, 1f, a, new float[n], new ChunkRandom(), new float[n], foundA, limit: 30);
            scanned.Plan(requested, 0, 1f, 1f, b, new float[n], new ChunkRandom(), new float[n]);
            foundB.ListClipped(b, limit: 30);
            Assert.Equal(b[..(n / 16 * 16)], a[..(n / 16 * 16)]);
            Assert.Equal(foundB.Pulsed.ToArray(), foundA.Pulsed.ToArray());
            Assert.Equal(foundB.Longer.ToArray(), foundA.Longer.ToArray());
            Assert.Equal((foundB.Pulses, foundB.Rising), (foundA.Pulses, foundA.Rising));
            Assert.Equal(scanned.StateBuffers[0], listing.StateBuffers[0]);
            clipped |= a[..(n / 16 * 16)].Any(c => MathF.Abs(c) == 30f);
        }
        Assert.Equal(n >= 16, clipped);   // whole blocks had counts beyond the limit
    }

    /// <summary>
    /// A strategy of one pulse at most (sign) counts what the model fired: one pulse per non-zero request, on one device, both devices of a pair, or the side of a one-sided pair.
    /// </summary>
    [Theory]
    [InlineData(nameof(PairMode.Single))]
    [InlineData(nameof(PairMode.Pair))]
    [InlineData(nameof(PairMode.OneSided))]
    public void Bounded_strategies_count_the_pulses_the_model_fired(string pairName)
    {
        var pair = Enum.Parse<PairMode>(pairName);
        var spec = new DeviceSpec { Model = "constant-step", DwMin = 0.01f, WMin = pair == PairMode.OneSided ? 0f : -1f, WMax = 1f, Pair = pair, RefreshThreshold = 1f };
        const int n = 2500;   // a whole chunk and a partial one
        var rng = new Rng(6);
        var array = new DeviceArray("W", DeviceModel.Create(spec), new SignProgramming(0f), 1f, 1f, new float[n], seed: 3);
        var requests = Enumerable.Range(0, n).Select(_ => (float)(rng.NextInt(3) - 1) * array.NominalChange * (1 + rng.NextInt(4))).ToArray();
        array.BeginUpdate();
        array.Apply(new float[n], requests, 0);
        long up = requests.Count(r => r > 0), down = requests.Count(r => r < 0);
        var (expectedUp, expectedDown) = pair switch
        {
            PairMode.Single => (up, down),
            PairMode.Pair => (up + down, up + down),
            _ => (up + down, 0L),
        };
        Assert.Equal(expectedUp, array.PulsesUp);
        Assert.Equal(expectedDown, array.PulsesDown);
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

public class PulseDeliveryTests
{
    /// <summary>
    /// Every device gets exactly its planned pulses, one after the other, whichever way the array groups them (a dense
    /// chunk fired in place, a sparse one gathered and sorted by count, a count beyond the counting sort): compared with
    /// pulsing each device alone through the model, for a state-dependent (linear-step) device without noise.
    /// </summary>
    [Theory]
    [InlineData(nameof(PairMode.Single))]
    [InlineData(nameof(PairMode.Pair))]
    public void Every_device_gets_exactly_its_pulses_in_dense_and_sparse_chunks(string pairName)
    {
        var pair = Enum.Parse<PairMode>(pairName);
        var spec = new DeviceSpec { Model = "linear-step", DwMin = 0.001f, WMin = -1f, WMax = 1f, GammaUp = 0.4f, GammaDown = 0.3f,
            DwDtod = 0.1f, BoundsDtod = 0.05f, GammaDtod = 0.05f, Pair = pair };
        var model = DeviceModel.Create(spec);
        const int n = 2500;
        var rng = new Rng(5);
        var initial = Enumerable.Range(0, n).Select(_ => 0.2f * (float)rng.NextGaussian()).ToArray();
        var array = new DeviceArray("W", model, new RoundedPulses(), 1f, 1f, initial, seed: 2);
        var counts = new int[n];
        for (int i = 0; i < 1024; i++) counts[i] = (rng.NextInt(2) == 0 ? -1 : 1) * (1 + rng.NextInt(30));        // dense chunk
        for (int i = 1024; i < 2048; i += 37) counts[i] = (rng.NextInt(2) == 0 ? -1 : 1) * (1 + rng.NextInt(9)); // sparse chunk
        counts[1500] = 1500;                                                                                    // beyond the counting sort
        for (int i = 2048; i < n; i += 3) counts[i] = rng.NextInt(2) == 0 ? -1 : 2;                              // partial chunk
        Assert.True(array.MaxPulsesPerUpdate > 1500);
        var plus = (float[])array.Plus.Clone();
        var minus = array.Minus is null ? null : (float[])array.Minus.Clone();
        var buffers = array.StateBuffers.ToDictionary(b => b.Name, b => b.Data);
        var weights = new float[n];
        array.BeginUpdate();
        array.Apply(weights, counts.Select(c => c * array.NominalChange).ToArray(), 0);

        long pulses = 0;
        for (int i = 0; i < n; i++)
        {
            int c = Math.Abs(counts[i]);
            float d = Math.Sign(counts[i]);
            pulses += c;
            Assert.Equal(Alone(model, buffers, "devices+", i, plus[i], d, c), array.Plus[i]);
            if (minus is not null) Assert.Equal(Alone(model, buffers, "devices-", i, minus[i], -d, c), array.Minus![i]);
        }
        if (pair == PairMode.Single)
        {
            Assert.Equal(counts.Where(c => c > 0).Sum(), array.PulsesUp);
            Assert.Equal(-counts.Where(c => c < 0).Sum(), array.PulsesDown);
        }
        else
        {
            Assert.Equal(pulses, array.PulsesUp);
            Assert.Equal(pulses, array.PulsesDown);
        }
    }

    /// <summary>Cycle-to-cycle noise reaches every pulsed device with its own draw (sparse and dense chunks) and no other.</summary>
    [Fact]
    public void Every_pulsed_device_gets_its_own_noise_draw()
    {
        var spec = new DeviceSpec { Model = "constant-step", DwMin = 0.001f, WMin = -1f, WMax = 1f, C2c = 0.5f };
        const int n = 3000;
        var array = new DeviceArray("W", DeviceModel.Create(spec), new RoundedPulses(), 1f, 1f, new float[n], seed: 6);
        var request = new float[n];
        for (int i = 0; i < 1024; i++) request[i] = array.NominalChange;                 // dense chunk
        for (int i = 1024; i < n; i += 7) request[i] = array.NominalChange;              // sparse chunks
        var weights = new float[n];
        array.BeginUpdate();
        array.Apply(weights, request, 0);
        var pulsed = Enumerable.Range(0, n).Where(i => request[i] != 0).Select(i => weights[i] / array.NominalChange).ToArray();
        Assert.All(Enumerable.Range(0, n).Where(i => request[i] == 0), i => Assert.Equal(0f, weights[i]));
        Assert.Equal(pulsed.Length, pulsed.Distinct().Count());
        double mean = pulsed.Average(), sd = Math.Sqrt(pulsed.Average(x => (x - mean) * (x - mean)));
        Assert.InRange(mean, 0.95, 1.05);
        Assert.InRange(sd, 0.45, 0.55);
    }

    /// <summary>One device pulsed <paramref name="count"/> times on its own.</summary>
    private static float Alone(DeviceModel model, Dictionary<string, float[]> buffers, string prefix, int i, float state, float direction, int count)
    {
        var one = new DevicePopulation(1);
        var fields = new[] { one.ScaleUp, one.ScaleDown, one.Min, one.Max, one.SlopeUp, one.SlopeDown };
        for (int f = 0; f < fields.Length; f++) fields[f][0] = buffers[prefix + f][i];
        var g = new[] { state };
        for (int k = 0; k < count; k++) model.Pulse(g, [direction], [1f], one, 0, [], new float[1], new float[1]);
        return g[0];
    }
}

/// <summary>
/// pulse-train's vector lanes (whatever order they take the devices in) give every device exactly the count of the
/// one-lane inversion of its request and uniform, over requests from far below one pulse to past BL pulses (p ≥ ½,
/// mirrored) and zero.
/// </summary>
public class PulseTrainDrawTests
{
    [Theory]
    [InlineData(31, 2048)]
    [InlineData(7, 1000)]
    [InlineData(1, 77)]
    public void Vector_plan_equals_the_one_lane_draw_for_every_device(int bitLength, int n)
    {
        var train = new PulseTrain(bitLength);
        train.Attach(n);
        var rng = new Rng(12);
        var random = new ChunkRandom();
        var u = new float[n];
        for (int trial = 0; trial < 20; trial++)
        {
            var requested = Enumerable.Range(0, n).Select(i => i % 13 == 0 ? 0f
                : (float)(rng.NextGaussian() * Math.Exp(2.5 * rng.NextGaussian()) * (trial % 2 == 0 ? 0.1 : bitLength))).ToArray();
            var pulses = new float[n];
            var widths = new float[n];
            random.Reseed((ulong)trial);
            train.Plan(requested, 0, 1f, 0.5f, pulses, widths, random, new float[n]);
            random.Reseed((ulong)trial);
            random.FillUniform(u);
            float perPulse = 1f / bitLength;
            for (int i = 0; i < n; i++) Assert.Equal(train.Draw(requested[i], perPulse, u[i]), pulses[i]);
            Assert.False(train.VariesWidth);
            Assert.All(widths, w => Assert.Equal(0f, w));   // left to the array
        }
    }
}

/// <summary>The vectorised loops (16 lanes at a time) agree with the element-by-element code they replace (the tails).</summary>
public class VectorisedPathTests
{
    [Theory]
    [InlineData("sign")]
    [InlineData("rprop")]
    [InlineData("mixed-precision")]
    [InlineData("pulse-round")]
    [InlineData("pulse-stochastic")]
    [InlineData("pulse-train")]
    public void Strategies_plan_the_same_in_vector_lanes_and_one_by_one(string name)
    {
        const int n = 37;
        var options = new ProgrammingOptions(BitLength: 7, DeadZone: 0.3f, Threshold: 1.5f);
        var wide = ProgrammingStrategy.Create(name, options);
        var narrow = Enumerable.Range(0, n).Select(_ => ProgrammingStrategy.Create(name, options)).ToArray();
        wide.Attach(n);
        foreach (var s in narrow) s.Attach(1);
        var rng = new Rng(4);
        var random = new ChunkRandom();
        var u = new float[n];
        for (int step = 0; step < 30; step++)
        {
            var requested = Enumerable.Range(0, n).Select(i => i % 9 == 0 ? 0f : (float)(2.5 * rng.NextGaussian())).ToArray();
            var pulses = new float[n];
            var widths = new float[n];
            random.Reseed((ulong)step);
            wide.Plan(requested, 0, 1f, 0.05f, pulses, widths, random, new float[n]);
            random.Reseed((ulong)step);
            random.FillUniform(u);   // the random strategies draw one uniform per element, in order
            for (int i = 0; i < n; i++)
            {
                // The random strategies draw element i's uniform as u[i], which one element alone would not: check their rule.
                if (name is "pulse-stochastic")
                {
                    Assert.Equal(MathF.Floor(requested[i] / 1f + u[i]), pulses[i]);
                    continue;
                }
                if (name is "pulse-train")
                {
                    Assert.True(Math.Abs(pulses[i]) <= 7 && (pulses[i] == 0 || Math.Sign(pulses[i]) == Math.Sign(requested[i])));
                    continue;
                }
                var p = new float[1];
                var w = new float[1];
                narrow[i].Plan([requested[i]], 0, 1f, 0.05f, p, w, random, new float[1]);
                Assert.Equal(p[0], pulses[i]);
                Assert.Equal(w[0], widths[i]);
            }
        }
        if (wide is MixedPrecisionProgramming mixed)
        {
            // Two 16-bit accumulators to a float of the state buffer: compare them device by device.
            Assert.Equal(narrow.Select(s => ((MixedPrecisionProgramming)s).Accumulated(0, 1f)).ToArray(), Enumerable.Range(0, n).Select(i => mixed.Accumulated(i, 1f)).ToArray());
            return;
        }
        for (int b = 0; b < wide.StateBuffers.Count; b++)
            Assert.Equal(narrow.Select(s => s.StateBuffers[b][0]).ToArray(), wide.StateBuffers[b]);
    }

    [Theory]
    [InlineData(0.005f, 0f)]
    [InlineData(3f, 0f)]
    [InlineData(3f, 0.02f)]
    public void Ernoult_pulses_agree_in_vector_lanes_and_one_by_one(float betaD, float c2c)
    {
        var model = DeviceModel.Create(new DeviceSpec { Model = "exp", BetaD = betaD, OnOff = 13f, C2c = c2c, DwDtod = 0.2f });
        const int n = 37;
        var devices = model.Populate(n, new Rng(3));
        var rng = new Rng(8);
        var state = Enumerable.Range(0, n).Select(_ => model.Lower + (float)rng.NextDouble() * model.Range).ToArray();
        var direction = Enumerable.Range(0, n).Select(i => (float)(i % 3 - 1)).ToArray();
        var width = Enumerable.Range(0, n).Select(i => i % 4 == 0 ? 1e-4f : 0.01f * (1 + i % 5)).ToArray();
        var noise = Enumerable.Range(0, n).Select(_ => (float)rng.NextGaussian()).ToArray();
        var wide = (float[])state.Clone();
        model.Pulse(wide, direction, width, devices, 0, c2c > 0 ? noise : [], new float[n], new float[n]);
        for (int i = 0; i < n; i++)
        {
            var one = new DevicePopulation(1);
            (one.ScaleUp[0], one.ScaleDown[0], one.Min[0], one.Max[0]) = (devices.ScaleUp[i], devices.ScaleDown[i], devices.Min[i], devices.Max[i]);
            var g = new[] { state[i] };
            model.Pulse(g, [direction[i]], [width[i]], one, 0, c2c > 0 ? [noise[i]] : [], new float[1], new float[1]);
            Assert.True(Math.Abs(g[0] - wide[i]) <= 1e-6f * model.Range, $"device {i}: {wide[i]} vs {g[0]}");
            if (direction[i] == 0) Assert.Equal(state[i], wide[i]);
            else Assert.NotEqual(state[i], wide[i]);
        }
    }
}
