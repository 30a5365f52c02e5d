using OnChip.Devices;
using OnChip.Devices.Programming;
using static OnChip.Configuration.ConfigParse;

namespace OnChip.Configuration;

/// <summary>
/// Where and how weights are stored: a device preset (or ideal digital storage), a programming strategy and the
/// options a user tunes most; <c>device-config</c> names a YAML file of <see cref="DeviceSpec"/> keys for full control.
/// Shared by every command that trains weights.
/// </summary>
public sealed class DeviceConfig
{
    /// <summary>A preset name, or "ideal" (the default for every rule and model: exact digital storage).</summary>
    public string Device { get; set; } = DevicePresets.Ideal;
    /// <summary>How requested changes become pulses (a programming strategy, or <c>auto</c> for the preset's natural one).</summary>
    public string Programming { get; set; } = "auto";
    /// <summary>A YAML file of device parameters that override the preset.</summary>
    public string? DeviceConfigFile { get; set; }
    /// <summary>
    /// Device parameters (<see cref="DeviceSpec"/> keys) applied after the device-config file, before the single-value
    /// options: what a sweep's dotted <c>device.KEY</c> settings hold until the run's own device-config file is written.
    /// </summary>
    public IReadOnlyList<KeyValuePair<string, string>> Parameters { get; set; } = [];
    /// <summary>Pulse-train programming: the bit length BL (time slots per update).</summary>
    public int BitLength { get; set; } = 31;
    /// <summary>The pulse width (null: the preset's).</summary>
    public float? PulseWidth { get; set; }
    /// <summary>Sign programming: no pulse for requests below this fraction of one pulse's effect.</summary>
    public float DeadZone { get; set; }
    /// <summary>Mixed precision: transfer when the accumulator holds this many pulses.</summary>
    public float Threshold { get; set; } = 1f;
    /// <summary>The flip rule's filter γ and threshold τ: one value, or one per synaptic layer.</summary>
    public float[] FlipGamma { get; set; } = [1e-4f];
    /// <summary>The flip rule's threshold τ: one value, or one per synaptic layer.</summary>
    public float[] FlipThreshold { get; set; } = [5e-7f];
    /// <summary>The largest weight magnitude the devices represent (null: adapted to each tensor).</summary>
    public float? WeightRange { get; set; }
    /// <summary>Biases on devices too (by default they stay digital).</summary>
    public bool Biases { get; set; }
    /// <summary>Overrides the preset's cycle-to-cycle noise.</summary>
    public float? C2c { get; set; }
    /// <summary>Overrides the preset's device-to-device spread of the step.</summary>
    public float? D2d { get; set; }
    /// <summary>Overrides the preset's read noise.</summary>
    public float? ReadNoise { get; set; }
    /// <summary>Overrides the preset's number of read levels (ADC resolution).</summary>
    public int? ReadLevels { get; set; }
    /// <summary>Overrides the preset's nonlinearity β_D (Ernoult's model).</summary>
    public float? BetaD { get; set; }

    /// <summary>True when the weights are exact digital values (no device).</summary>
    public bool IsIdeal => Device == DevicePresets.Ideal && DeviceConfigFile is null && Parameters.Count == 0;

    /// <summary>A copy.</summary>
    public DeviceConfig Clone() => (DeviceConfig)MemberwiseClone();

    /// <summary>The preset, then the YAML file, then the single-value options, validated.</summary>
    internal DeviceSpec ResolveSpec()
    {
        var spec = Device == DevicePresets.Ideal ? new DeviceSpec { Name = "custom" } : DevicePresets.Get(Device);
        if (DeviceConfigFile is not null)
        {
            foreach (var (key, value) in ConfigFile.Read(DeviceConfigFile, DeviceSpec.Keys))
            {
                try { DeviceSpec.Keys.First(k => k.Name == key).Set(spec, value); }
                catch (ConfigException e) { throw new ConfigException($"{DeviceConfigFile}: {e.Message}"); }
            }
        }
        foreach (var (key, value) in Parameters)
            DeviceSpec.Keys.First(k => k.Name == key).Set(spec, value);
        if (C2c is float c2c) spec.C2c = c2c;
        if (D2d is float d2d) spec.DwDtod = d2d;
        if (ReadNoise is float readNoise) spec.ReadNoise = readNoise;
        if (ReadLevels is int levels) spec.ReadLevels = levels;
        if (BetaD is float betaD) spec.BetaD = betaD;
        if (PulseWidth is float width) spec.PulseWidth = width;
        spec.Validate();
        return spec;
    }

    /// <summary>The strategy named, or for "auto" the natural one: sign pulses for Ernoult's model, stochastic rounding otherwise.</summary>
    internal string ResolveProgramming(DeviceSpec spec) =>
        Programming != "auto" ? Programming : spec.Model == "exp" ? "sign" : "pulse-stochastic";

    internal ProgrammingOptions ProgrammingOptions => ProgrammingOptionsFor(0);

    /// <summary>The options of synaptic layer <paramref name="group"/> (the flip rule's γ and τ may differ per layer).</summary>
    internal ProgrammingOptions ProgrammingOptionsFor(int group, float learningRate = 1f) =>
        new(BitLength, DeadZone, Threshold, PerLayer("flip-gamma", FlipGamma, group), PerLayer("flip-threshold", FlipThreshold, group), 1f / learningRate);

    /// <summary>Checks the per-layer settings against the network's <paramref name="groups"/> synaptic layers.</summary>
    public void CheckLayers(int groups)
    {
        foreach (var (key, values) in new[] { ("flip-gamma", FlipGamma), ("flip-threshold", FlipThreshold) })
            if (values.Length != 1 && values.Length != groups)
                throw new ConfigException($"{key}: {values.Length} values given, but the network has {groups} synaptic layers (give one value or {groups})");
    }

    private static float PerLayer(string key, float[] values, int group) =>
        values.Length == 1 ? values[0] : group < values.Length ? values[group]
            : throw new ConfigException($"{key}: {values.Length} values given, but the network has a synaptic layer {group + 1} (give one value, or one per synaptic layer)");

    /// <summary>
    /// "auto" used to mean ecram for progressive-bp and ideal otherwise, so two runs that differed only in the rule
    /// were not comparable; it is refused rather than silently given a new meaning.
    /// </summary>
    private const string AutoRemoved = "device: 'auto' is no longer accepted (it picked ecram for progressive-bp): the storage is ideal for every rule " +
                                       "unless --device names a preset; give --device ecram for in-situ training on EC-RAM";

    internal static IReadOnlyList<ConfigKey<DeviceConfig>> Keys { get; } =
    [
        new("device", "synapse storage, for every rule and model: ideal (digital, exact) or a device preset (see onchip devices --list)",
            (c, v) => c.Device = v == "auto" ? throw new ConfigException(AutoRemoved) : Choice("device", v, DevicePresets.Names), c => c.Device),
        new("programming", "how requested changes become pulses: auto|" + string.Join("|", ProgrammingStrategy.Names),
            (c, v) => c.Programming = Choice("programming", v, ["auto", .. ProgrammingStrategy.Names]), c => c.Programming),
        new("device-config", "YAML file of device parameters overriding the preset (keys: onchip devices --keys)",
            (c, v) => c.DeviceConfigFile = v, c => c.DeviceConfigFile),
        new("bl", "pulse-train: bit length BL (time slots per update)", (c, v) => c.BitLength = Int("bl", v, 1, 4096), c => c.BitLength.ToString()),
        new("pulse-width", "pulse width (Ernoult's model: Δt0/Δt_max; step models: multiple of the step) [default: the preset's]",
            (c, v) => c.PulseWidth = Float("pulse-width", v, 0f, exclusiveMin: true), c => c.PulseWidth is float w ? Format(w) : null),
        new("dead-zone", "sign: no pulse for requests below this fraction of one pulse's effect",
            (c, v) => c.DeadZone = Float("dead-zone", v, 0f), c => Format(c.DeadZone)),
        new("mp-threshold", "mixed-precision: transfer when the accumulator reaches this many pulses (≥ 1)",
            (c, v) => c.Threshold = Float("mp-threshold", v, 1f), c => Format(c.Threshold)),
        new("flip-gamma", "flip (binary synapses): filter rate γ of m ← (1 − γ)m + γΔW; one value, or one per synaptic layer",
            (c, v) => c.FlipGamma = FloatList("flip-gamma", v, 0f, exclusiveMin: true) is var g && g.All(x => x <= 1f) ? g : throw new ConfigException("flip-gamma: γ must be in (0, 1]"),
            c => Format(c.FlipGamma)),
        new("flip-threshold", "flip (binary synapses): flip a weight when −sign(W)·m > τ; one value, or one per synaptic layer",
            (c, v) => c.FlipThreshold = FloatList("flip-threshold", v, 0f, exclusiveMin: false), c => Format(c.FlipThreshold)),
        new("weight-range", "largest weight magnitude the devices represent [default: 4 × the tensor's largest initial weight, and for a weight matrix at least 48 / its fan-in; binary: the tensor's mean |W| at initialisation, α]",
            (c, v) => c.WeightRange = Float("weight-range", v, 0f, exclusiveMin: true), c => c.WeightRange is float r ? Format(r) : null),
        new("device-biases", "put biases on devices too (default: weights only; biases stay digital)",
            (c, v) => c.Biases = Bool("device-biases", v), c => c.Biases ? "true" : "false", isFlag: true),
        new("c2c", "override the preset's cycle-to-cycle noise", (c, v) => c.C2c = Float("c2c", v, 0f), c => c.C2c is float x ? Format(x) : null),
        new("d2d", "override the preset's device-to-device spread of the step (for Ernoult's model: of C)",
            (c, v) => c.D2d = Float("d2d", v, 0f), c => c.D2d is float x ? Format(x) : null),
        new("read-noise", "override: std of each conductance read relative to the range",
            (c, v) => c.ReadNoise = Float("read-noise", v, 0f), c => c.ReadNoise is float x ? Format(x) : null),
        new("read-levels", "override: quantise conductance reads to this many levels (0 = off)",
            (c, v) => c.ReadLevels = Int("read-levels", v, 0), c => c.ReadLevels?.ToString()),
        new("beta-d", "override Ernoult's nonlinearity βd", (c, v) => c.BetaD = Float("beta-d", v, 1e-6f), c => c.BetaD is float x ? Format(x) : null),
    ];
}
