using OnChip.Configuration;
using OnChip.Devices;
using OnChip.Devices.Programming;
using OnChip.Networks;
using OnChip.Randomness;

namespace OnChip.Synapses;

/// <summary>Puts the parameters of a model on device arrays as a <see cref="DeviceConfig"/> says.</summary>
internal static class DeviceSetup
{
    public const float AutoRangeFactor = 4f;

    /// <summary>
    /// The drive a weight matrix's range must allow at least: fan-in × range ≥ this. A large layer's weights stay near
    /// their initial scale, so 4 × it is enough and wins from 144 inputs up (every network of the device tables keeps
    /// its range); a chip-sized layer with 4 inputs needs weights of several units to saturate a neuron on inputs that
    /// differ by a few tenths, and 4 × its initial scale (±2) clipped them (blobs, 4-8-3: 84% instead of 95%).
    /// </summary>
    public const float MinimumDrive = 48f;

    /// <summary>
    /// Replaces the storage of every weight tensor (and bias, if asked) by a device array programmed with its current
    /// values, and loads the weights as the devices read them. A conductance (<see cref="Parameter.NonNegative"/>) is
    /// one device per value, its range mapped onto [0, weight range]. Returns the arrays (empty for ideal storage).
    /// </summary>
    /// <param name="learningRates">Each synaptic layer's base learning rate, for strategies that filter the update itself (flip); null: 1.</param>
    public static IReadOnlyList<DeviceArray> Attach(IEnumerable<Parameter> parameters, DeviceConfig config, ulong seed, IReadOnlyList<float>? learningRates = null)
    {
        if (config.IsIdeal) return [];
        var spec = config.ResolveSpec();
        string programming = config.ResolveProgramming(spec);
        var arrays = new List<DeviceArray>();
        int index = 0;
        foreach (var p in parameters)
        {
            bool isBias = p.Value.Rows == 1;
            if (isBias && !config.Biases) continue;
            var model = DeviceModel.Create(spec);
            float largest = p.Value.Data.Length == 0 ? 0 : p.Value.Data.Max(MathF.Abs);
            // A binary synapse reads ±α, α the tensor's mean |W| at initialisation (Laydevant et al. 2021).
            float automatic = model.TwoState && !p.NonNegative ? MeanMagnitude(p.Value.Data) : AutoRange(p, largest);
            float range = config.WeightRange ?? (automatic > 0 ? automatic : 1f);
            var array = new DeviceArray(p.Name, model, ProgrammingStrategy.Create(programming, config.ProgrammingOptionsFor(p.Group, learningRates is null ? 1f : learningRates[p.Group])),
                range, spec.PulseWidth, p.Value.Data, Rng.ForStream(seed, $"device:{index++}:{p.Name}").NextUInt64(), conductance: p.NonNegative);
            array.ReadAll(p.Value.Data);
            p.Storage = array;
            arrays.Add(array);
        }
        return arrays;
    }

    /// <summary>
    /// The default range of a tensor: 4 × its largest initial value, and for a weight matrix (one row per unit, one
    /// column per input) at least <see cref="MinimumDrive"/> / fan-in, so that small networks' weights can grow.
    /// </summary>
    internal static float AutoRange(Parameter p, float largest)
    {
        float range = AutoRangeFactor * largest;
        if (p.Value.Rows > 1) range = Math.Max(range, MinimumDrive / p.Value.Cols);
        return range;
    }

    private static float MeanMagnitude(float[] values) => values.Length == 0 ? 0f : (float)values.Average(v => Math.Abs((double)v));

    /// <summary>Totals over arrays: pulses, reads, update cycles, energy (for metrics.jsonl).</summary>
    public static Dictionary<string, double> Counters(IReadOnlyList<DeviceArray> arrays) => new()
    {
        ["pulses"] = arrays.Sum(a => (double)(a.PulsesUp + a.PulsesDown)),
        ["pulses_up"] = arrays.Sum(a => (double)a.PulsesUp),
        ["pulses_down"] = arrays.Sum(a => (double)a.PulsesDown),
        ["device_reads"] = arrays.Sum(a => (double)a.DeviceReads),
        ["update_cycles"] = arrays.Count == 0 ? 0 : arrays.Max(a => (double)a.UpdateCycles),
        ["refreshes"] = arrays.Sum(a => (double)a.Refreshes),
        ["energy_j"] = arrays.Sum(a => a.EnergyJoules),
    };
}
