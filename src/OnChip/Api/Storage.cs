using OnChip.Devices;
using OnChip.Devices.Programming;

namespace OnChip;

/// <summary>
/// Where the weights live: exact digital storage, or device conductances (memristors, EC-RAM, PCM, binary synapses)
/// programmed by pulses. The learning rule never sees the devices; docs/devices.md describes every preset and strategy.
/// </summary>
public sealed class Storage : Settings
{
    private Storage() { }

    /// <summary>Exact digital weights (the default).</summary>
    public static Storage Ideal { get; } = Device(DevicePresets.Ideal);

    /// <summary>The device presets <see cref="Device"/> accepts (<c>onchip devices --list</c> describes them).</summary>
    public static IReadOnlyList<string> Presets => DevicePresets.Names;

    /// <summary>The programming strategies (how a requested change becomes pulses).</summary>
    public static IReadOnlyList<string> ProgrammingStrategies => ProgrammingStrategy.Names;

    /// <summary>Weights on devices of a preset, e.g. <c>Device("ecram", "mixed-precision")</c>.</summary>
    /// <param name="preset">A device preset, or <c>ideal</c>.</param>
    /// <param name="programming">A programming strategy; null: the preset's natural one.</param>
    /// <param name="weightRange">The largest weight magnitude the devices represent; null: adapted to each tensor.</param>
    public static Storage Device(string preset, string? programming = null, float? weightRange = null)
    {
        var storage = new Storage();
        storage.Add("device", preset);
        storage.Add("programming", programming);
        storage.Add("weight-range", weightRange);
        return storage;
    }

    /// <summary>A copy with one more option, by its <c>onchip train</c> name (e.g. <c>With("c2c", 0.01f)</c>).</summary>
    public Storage With(string option, object value) => (Storage)CopyWith(option, value);
}
