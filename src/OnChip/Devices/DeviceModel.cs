using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using OnChip.Configuration;
using OnChip.Randomness;

namespace OnChip.Devices;

/// <summary>
/// How one device's state responds to a programming pulse. Models work on chunks of devices at once: a direction
/// per device (+1 potentiate, −1 depress, 0 leave alone), a pulse width per device (1 = nominal), and standard
/// normal draws for cycle-to-cycle noise (empty when there is none). A model knows nothing of weights or rules.
/// </summary>
internal abstract class DeviceModel
{
    protected DeviceModel(DeviceSpec spec)
    {
        spec.Validate();
        Spec = spec;
        (Lower, Upper) = spec.Bounds;
    }

    public DeviceSpec Spec { get; }
    /// <summary>Nominal bounds of the state.</summary>
    public float Lower { get; }
    public float Upper { get; }
    public float Range => Upper - Lower;

    /// <summary>
    /// A two-state device (a binary synapse): one pulse moves it across its whole range, so it only ever holds its
    /// lower or upper bound, and it is first programmed to the bound on its weight's side.
    /// </summary>
    public bool TwoState => Spec.Model == "constant-step" && Spec.DwMin >= Range && Spec.DwDtod == 0f && Spec.C2c == 0f;

    /// <summary>The state that represents zero weight for a single device (and the rest state of a pair).</summary>
    public virtual float Reference => Lower < 0 && Upper > 0 ? 0f : 0.5f * (Lower + Upper);

    /// <summary>Change of the state for one pulse of the given width at the reference state (the nominal step).</summary>
    public abstract float NominalStep(float width);

    /// <summary>Applies one pulse per device of the chunk (see the class summary); clips to each device's bounds.</summary>
    public abstract void Pulse(Span<float> state, ReadOnlySpan<float> direction, ReadOnlySpan<float> width,
        DevicePopulation devices, int offset, ReadOnlySpan<float> noise, Span<float> scratchA, Span<float> scratchB);

    /// <summary>Whether <see cref="PulseTrains(Span{float}, ReadOnlySpan{float}, ReadOnlySpan{float}, DevicePopulation, int, ChunkRandom)"/> is implemented (models whose step depends on the device's own state only).</summary>
    public virtual bool FiresTrains => false;

    /// <summary>
    /// Applies |counts[i]| pulses (a whole number) in the direction of counts[i] to each device of the chunk, one
    /// after another as <see cref="Pulse"/> would, 16 devices at a time: the pulses of a device run in registers, with
    /// no pass over the chunk per pulse. Cycle-to-cycle noise: one normal draw from <paramref name="random"/> per pulse.
    /// Returns the pulses fired and how many of them potentiate.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public (long Pulses, long Rising) PulseTrains(Span<float> state, ReadOnlySpan<float> counts, ReadOnlySpan<float> width,
        DevicePopulation devices, int offset, ChunkRandom random)
    {
        if (!FiresTrains) throw new NotSupportedException($"device model {Spec.Model} fires pulses round by round only");
        int n = state.Length, whole = n / 16 * 16;
        if (counts.Length < n) throw new ArgumentException("spans shorter than the chunk");
        var found = whole == 0 ? null : ListsBlocks ? PulsedBlocks.Find(in counts[0], whole / 16) : PulsedBlocks.Count(in counts[0], whole / 16);
        return PulseTrains(state, counts, width, devices, offset, random, found);
    }

    /// <summary>
    /// <see cref="PulseTrains(Span{float}, ReadOnlySpan{float}, ReadOnlySpan{float}, DevicePopulation, int, ChunkRandom)"/>
    /// with the whole blocks of <paramref name="counts"/> already listed in <paramref name="found"/> (by
    /// <see cref="PulsedBlocks.ListClipped"/>; null when there is no whole block): the caller scanned them once for
    /// its own use. Lists of the opposite counts serve as well (the same blocks and pulses; the rising pulses returned
    /// are then those of the listed counts). <paramref name="following"/>: the blocks the next call fires, for the cache.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public (long Pulses, long Rising) PulseTrains(Span<float> state, ReadOnlySpan<float> counts, ReadOnlySpan<float> width,
        DevicePopulation devices, int offset, ChunkRandom random, PulsedBlocks? found, FollowingBlocks following = default)
    {
        if (!FiresTrains) throw new NotSupportedException($"device model {Spec.Model} fires pulses round by round only");
        int n = state.Length, whole = n / 16 * 16;
        if (counts.Length < n || width.Length < n || devices.Count < offset + n) throw new ArgumentException("spans shorter than the chunk");
        if (!devices.IsCoded) devices.Quantize();
        long pulses = 0, rising = 0;
        if (whole > 0)
        {
            if (found is null) throw new ArgumentNullException(nameof(found), "the whole blocks were not listed");
            (pulses, rising) = (found.Pulses, found.Rising);
            if (found.Pulses > 0)
            {
                var blocks = new DeviceBlocks
                {
                    Blocks = whole / 16, State = ref state[0], Counts = ref counts[0], Width = ref width[0],
                    ScaleUp = devices.Parameter(0, offset), ScaleDown = devices.Parameter(1, offset), Min = devices.Parameter(2, offset),
                    Max = devices.Parameter(3, offset), SlopeUp = devices.Parameter(4, offset), SlopeDown = devices.Parameter(5, offset),
                    Following = following,
                };
                FireBlocks(ref blocks, found, random);
            }
        }
        if (whole < n)
        {
            var (tailPulses, tailRising) = FireTail(state[whole..], counts[whole..n], width[whole..n], devices, offset + whole, random);
            pulses += tailPulses;
            rising += tailRising;
        }
        return (pulses, rising);
    }

    /// <summary>The last, partial block: padded to 16 devices (with no pulses) in stack buffers.</summary>
    private (long Pulses, long Rising) FireTail(Span<float> state, ReadOnlySpan<float> counts, ReadOnlySpan<float> width, DevicePopulation devices, int offset, ChunkRandom random)
    {
        int m = state.Length;
        Span<float> lanes = stackalloc float[9 * 16];
        lanes.Clear();
        state.CopyTo(lanes[..16]);
        counts.CopyTo(lanes[16..32]);
        width.CopyTo(lanes[32..48]);
        var found = ListsBlocks ? PulsedBlocks.Find(in lanes[16], 1) : PulsedBlocks.Count(in lanes[16], 1);
        if (found.Pulses == 0) return (0, 0);
        // The tail's parameters, floats and codes, padded to 16 devices (the same units).
        Span<short> codes = stackalloc short[6 * 16];
        codes.Clear();
        for (int b = 0; b < 6; b++)
        {
            devices.Buffers[b].AsSpan(offset, m).CopyTo(lanes[(48 + 16 * b)..]);
            devices.Codes(b).Slice(offset, m).CopyTo(codes[(16 * b)..]);
        }
        var block = new DeviceBlocks
        {
            Blocks = 1, State = ref lanes[0], Counts = ref lanes[16], Width = ref lanes[32],
            ScaleUp = Padded(lanes, codes, 0, devices), ScaleDown = Padded(lanes, codes, 1, devices), Min = Padded(lanes, codes, 2, devices),
            Max = Padded(lanes, codes, 3, devices), SlopeUp = Padded(lanes, codes, 4, devices), SlopeDown = Padded(lanes, codes, 5, devices),
        };
        FireBlocks(ref block, found, random);
        lanes[..m].CopyTo(state);
        return (found.Pulses, found.Rising);
    }

    /// <summary>Whether <see cref="FireBlocks"/> reads the lists of pulsed blocks (else only the totals are counted).</summary>
    protected virtual bool ListsBlocks => false;

    /// <summary>Parameter <paramref name="b"/> of the padded tail: floats after the state, counts and widths; codes in their own buffer.</summary>
    private static DeviceParameter Padded(Span<float> lanes, Span<short> codes, int b, DevicePopulation devices) =>
        new(in lanes[48 + 16 * b], in codes[16 * b], devices.Unit(b));

    /// <summary>
    /// All pulses of <see cref="DeviceBlocks.Blocks"/> blocks of 16 devices (models with <see cref="FiresTrains"/>);
    /// <paramref name="found"/> holds the pulses in all and, for models that ask (<see cref="ListsBlocks"/>), lists the
    /// pulsed blocks and those with more than one round (blocks not listed have no pulses and draw no noise).
    /// </summary>
    protected virtual void FireBlocks(ref DeviceBlocks blocks, PulsedBlocks found, ChunkRandom random) => throw new NotSupportedException();

    /// <summary>
    /// Draws the device-to-device variability of <paramref name="count"/> devices, held to the 16-bit codes the
    /// pulse-train kernels stream (<see cref="DevicePopulation.Quantize"/>).
    /// </summary>
    public DevicePopulation Populate(int count, Rng rng)
    {
        var population = Draw(count, rng);
        population.Quantize();
        return population;
    }

    /// <summary>The model's draw of the device-to-device variability (models with their own parameters extend it).</summary>
    protected virtual DevicePopulation Draw(int count, Rng rng)
    {
        var p = new DevicePopulation(count);
        for (int i = 0; i < count; i++)
        {
            float gain = Math.Max(0f, 1f + Spec.DwDtod * (float)rng.NextGaussian());
            float upDown = Spec.UpDown + Spec.UpDownDtod * (float)rng.NextGaussian();
            p.ScaleUp[i] = StepScale * gain * (1f + Math.Min(upDown, 0f));
            p.ScaleDown[i] = StepScale * gain * (1f - Math.Max(upDown, 0f));
            float spreadMin = 1f + Spec.BoundsDtod * (float)rng.NextGaussian();
            float spreadMax = 1f + Spec.BoundsDtod * (float)rng.NextGaussian();
            (p.Min[i], p.Max[i]) = SpreadBounds(spreadMin, spreadMax);
        }
        return p;
    }

    /// <summary>What the per-device scale multiplies: the step dw-min for step models, the pulse width otherwise.</summary>
    protected virtual float StepScale => 1f;

    /// <summary>Per-device bounds from relative spreads; by default each bound scales about zero.</summary>
    protected virtual (float Min, float Max) SpreadBounds(float spreadMin, float spreadMax)
    {
        float min = Lower * spreadMin, max = Upper * spreadMax;
        return max > min ? (min, max) : (Lower, Upper);
    }

    public static DeviceModel Create(DeviceSpec spec) => spec.Model switch
    {
        "constant-step" => new ConstantStepDevice(spec),
        "linear-step" => new LinearStepDevice(spec),
        "soft-bounds" => new SoftBoundsDevice(spec),
        "exp-step" => new ExpStepDevice(spec),
        "pow-step" => new PowStepDevice(spec),
        "piecewise" => new PiecewiseStepDevice(spec),
        "exp" => new ErnoultDevice(spec),
        "neurosim" => new NeuroSimDevice(spec),
        _ => throw new ConfigException($"device model: unknown '{spec.Model}' (expected one of: {string.Join(", ", DeviceSpec.Models)})"),
    };
}
