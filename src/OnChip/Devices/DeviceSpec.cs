using System.Globalization;
using OnChip.Configuration;
using static OnChip.Configuration.ConfigParse;

namespace OnChip.Devices;

/// <summary>How the devices of one synapse represent its weight.</summary>
internal enum PairMode
{
    /// <summary>One device: w = scale · (g − reference).</summary>
    Single,
    /// <summary>Differential pair: w = scale · (g⁺ − g⁻), both devices pulsed in opposite directions.</summary>
    Pair,
    /// <summary>One-sided pair (PCM): only potentiation pulses; g⁺ for increases, g⁻ for decreases; refreshed when a device nears its bound.</summary>
    OneSided,
}

/// <summary>
/// Every parameter of a device model, as data: a preset fills it, a YAML file (<c>--device-config</c>) or options
/// override it. Units: step models work in normalised weight units (bounds w-min…w-max, step dw-min), the
/// Ernoult and NeuroSim models in conductance (Gmax = 1, Gmin = 1/on-off).
/// </summary>
internal sealed class DeviceSpec
{
    public string Name { get; set; } = "custom";
    public string Model { get; set; } = "constant-step";
    public string Citation { get; set; } = "";
    public PairMode Pair { get; set; } = PairMode.Single;

    // Step models (aihwkit's PulsedDevice family)
    public float DwMin { get; set; } = 0.001f;
    public float WMin { get; set; } = -1f;
    public float WMax { get; set; } = 1f;
    public float UpDown { get; set; }
    public float GammaUp { get; set; }
    public float GammaDown { get; set; }
    public float AUp { get; set; }
    public float ADown { get; set; }
    public float EsA { get; set; }
    public float EsB { get; set; }
    public float PowGamma { get; set; } = 1f;
    public string? PiecewiseFile { get; set; }

    // Ernoult et al. 2019
    public float BetaD { get; set; } = 3f;
    public float OnOff { get; set; } = 13f;

    // NeuroSim
    public int Levels { get; set; } = 64;
    public float NlLtp { get; set; } = 1f;
    public float NlLtd { get; set; } = 1f;

    // Imperfections
    /// <summary>Device-to-device spread (relative std) of the step size (for Ernoult's model: of C, log-normal).</summary>
    public float DwDtod { get; set; }
    public float UpDownDtod { get; set; }
    /// <summary>Device-to-device spread (relative std) of the bounds.</summary>
    public float BoundsDtod { get; set; }
    public float GammaDtod { get; set; }
    /// <summary>Cycle-to-cycle noise: relative to the step for step models, σ·ΔG per update for Ernoult's and NeuroSim's.</summary>
    public float C2c { get; set; }
    /// <summary>Read noise: std of each conductance read, relative to the device's range.</summary>
    public float ReadNoise { get; set; }
    /// <summary>Conductance quantisation of reads: number of levels over the range (0 = off).</summary>
    public int ReadLevels { get; set; }
    /// <summary>One-sided pairs: refresh when a device passes this fraction of its range.</summary>
    public float RefreshThreshold { get; set; } = 0.9f;

    // Programming defaults and cost
    /// <summary>Default pulse width (Ernoult's model: in units of Δt_max; step models: multiple of the nominal step).</summary>
    public float PulseWidth { get; set; } = 1f;
    public float PulseEnergy { get; set; } = 1e-12f;
    public float ReadEnergy { get; set; } = 1e-15f;

    public DeviceSpec Clone() => (DeviceSpec)MemberwiseClone();

    /// <summary>Lower and upper bound of the device state in its own units.</summary>
    public (float Lower, float Upper) Bounds => Model is "exp" or "neurosim" ? (1f / OnOff, 1f) : (WMin, WMax);

    public static IReadOnlyList<string> Models { get; } =
        ["constant-step", "linear-step", "soft-bounds", "exp-step", "pow-step", "piecewise", "exp", "neurosim"];

    public static IReadOnlyList<ConfigKey<DeviceSpec>> Keys { get; } =
    [
        Key("model", "device model: " + string.Join("|", Models), (s, v) => s.Model = Choice("model", v, Models), s => s.Model),
        Key("pair", "single | pair | one-sided", (s, v) => s.Pair = Choice("pair", v, ["single", "pair", "one-sided"]) switch
            { "pair" => PairMode.Pair, "one-sided" => PairMode.OneSided, _ => PairMode.Single },
            s => s.Pair switch { PairMode.Pair => "pair", PairMode.OneSided => "one-sided", _ => "single" }),
        F("dw-min", "nominal step of one pulse (step models)", (s, v) => s.DwMin = v, s => s.DwMin, min: 0, exclusive: true),
        F("w-min", "lower bound (step models)", (s, v) => s.WMin = v, s => s.WMin),
        F("w-max", "upper bound (step models)", (s, v) => s.WMax = v, s => s.WMax),
        F("up-down", "up/down asymmetry: >0 makes depression steps smaller, <0 potentiation steps", (s, v) => s.UpDown = v, s => s.UpDown),
        F("gamma-up", "linear-step slope at the upper bound", (s, v) => s.GammaUp = v, s => s.GammaUp),
        F("gamma-down", "linear-step slope at the lower bound", (s, v) => s.GammaDown = v, s => s.GammaDown),
        F("a-up", "exp-step A_up", (s, v) => s.AUp = v, s => s.AUp),
        F("a-down", "exp-step A_down", (s, v) => s.ADown = v, s => s.ADown),
        F("es-a", "exp-step a", (s, v) => s.EsA = v, s => s.EsA),
        F("es-b", "exp-step b", (s, v) => s.EsB = v, s => s.EsB),
        F("pow-gamma", "pow-step exponent γ", (s, v) => s.PowGamma = v, s => s.PowGamma, min: 0, exclusive: true),
        Key("piecewise-file", "piecewise: CSV with columns w,up,down (relative step size at w)", (s, v) => s.PiecewiseFile = v, s => s.PiecewiseFile),
        F("beta-d", "Ernoult nonlinearity βd (0.005 near-linear … 5 strongly nonlinear)", (s, v) => s.BetaD = v, s => s.BetaD, min: 1e-6f),
        F("on-off", "Gmax/Gmin (Ernoult, NeuroSim)", (s, v) => s.OnOff = v, s => s.OnOff, min: 1, exclusive: true),
        Key("levels", "NeuroSim: pulses to sweep the range (Pmax)", (s, v) => s.Levels = Int("levels", v, 2), s => s.Levels.ToString(CultureInfo.InvariantCulture)),
        F("nl-ltp", "NeuroSim potentiation nonlinearity label", (s, v) => s.NlLtp = v, s => s.NlLtp),
        F("nl-ltd", "NeuroSim depression nonlinearity label", (s, v) => s.NlLtd = v, s => s.NlLtd),
        F("dw-dtod", "device-to-device spread of the step size (relative std)", (s, v) => s.DwDtod = v, s => s.DwDtod, min: 0),
        F("up-down-dtod", "device-to-device spread of the up/down asymmetry", (s, v) => s.UpDownDtod = v, s => s.UpDownDtod, min: 0),
        F("bounds-dtod", "device-to-device spread of the bounds (relative std)", (s, v) => s.BoundsDtod = v, s => s.BoundsDtod, min: 0),
        F("gamma-dtod", "device-to-device spread of gamma (additive std)", (s, v) => s.GammaDtod = v, s => s.GammaDtod, min: 0),
        F("c2c", "cycle-to-cycle noise", (s, v) => s.C2c = v, s => s.C2c, min: 0),
        F("read-noise", "read noise: std of a conductance read relative to the range", (s, v) => s.ReadNoise = v, s => s.ReadNoise, min: 0),
        Key("read-levels", "quantise conductance reads to this many levels (0 = off)", (s, v) => s.ReadLevels = Int("read-levels", v, 0), s => s.ReadLevels.ToString(CultureInfo.InvariantCulture)),
        F("refresh-threshold", "one-sided pairs: refresh past this fraction of the range", (s, v) => s.RefreshThreshold = v, s => s.RefreshThreshold, min: 0, exclusive: true, max: 1),
        F("pulse-width", "default pulse width (Ernoult: Δt/Δt_max; step models: multiple of the step)", (s, v) => s.PulseWidth = v, s => s.PulseWidth, min: 0, exclusive: true),
        F("pulse-energy", "energy per programming pulse per device (J)", (s, v) => s.PulseEnergy = v, s => s.PulseEnergy, min: 0),
        F("read-energy", "energy per device per read (J)", (s, v) => s.ReadEnergy = v, s => s.ReadEnergy, min: 0),
    ];

    private static ConfigKey<DeviceSpec> Key(string name, string help, Action<DeviceSpec, string> set, Func<DeviceSpec, string?> get) => new(name, help, set, get);

    private static ConfigKey<DeviceSpec> F(string name, string help, Action<DeviceSpec, float> set, Func<DeviceSpec, float> get,
        float min = float.NegativeInfinity, bool exclusive = false, float max = float.PositiveInfinity) =>
        new(name, help, (s, v) => set(s, Float(name, v, min, exclusive, max)), s => Format(get(s)));

    /// <summary>Checks combinations that single values cannot (bounds order, model-specific needs).</summary>
    public void Validate()
    {
        var (lower, upper) = Bounds;
        if (!(upper > lower)) throw new ConfigException($"device {Name}: the upper bound ({upper}) must exceed the lower bound ({lower})");
        if (Model == "piecewise" && PiecewiseFile is null) throw new ConfigException($"device {Name}: the piecewise model needs piecewise-file (a CSV with columns w,up,down)");
        if (Pair == PairMode.OneSided && Model is "exp" or "neurosim")
            throw new ConfigException($"device {Name}: one-sided pairs are supported for step models only");
    }
}
