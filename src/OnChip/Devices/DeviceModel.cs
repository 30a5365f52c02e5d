using OnChip.Configuration;
using OnChip.Randomness;

namespace OnChip.Devices;

/// <summary>
/// How one device's state responds to a programming pulse. Models work on chunks of devices at once: a direction
/// per device (+1 potentiate, −1 depress, 0 leave alone), a pulse width per device (1 = nominal), and standard
/// normal draws for cycle-to-cycle noise (empty when there is none). A model knows nothing of weights or rules.
/// </summary>
public abstract class DeviceModel
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

    /// <summary>The state that represents zero weight for a single device (and the rest state of a pair).</summary>
    public virtual float Reference => Lower < 0 && Upper > 0 ? 0f : 0.5f * (Lower + Upper);

    /// <summary>Change of the state for one pulse of the given width at the reference state (the nominal step).</summary>
    public abstract float NominalStep(float width);

    /// <summary>Applies one pulse per device of the chunk (see the class summary); clips to each device's bounds.</summary>
    public abstract void Pulse(Span<float> state, ReadOnlySpan<float> direction, ReadOnlySpan<float> width,
        DevicePopulation devices, int offset, ReadOnlySpan<float> noise, Span<float> scratchA, Span<float> scratchB);

    /// <summary>Draws the device-to-device variability of <paramref name="count"/> devices.</summary>
    public virtual DevicePopulation Populate(int count, Rng rng)
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
