using OnChip.Configuration;
using OnChip.Devices;
using OnChip.Training;

namespace OnChip.Sweeps;

/// <summary>
/// The keys a sweep sets: every option of its training command (<c>onchip train</c>: <c>lr</c>, <c>beta</c>, <c>c2c</c>, …;
/// <c>onchip rbm train</c>: <c>hidden</c>, <c>chains</c>, …) and, as dotted <c>device.KEY</c> paths, every device parameter
/// (<see cref="DeviceSpec.Keys"/>, listed by <c>onchip devices --keys</c>), which the commands only take through a
/// device-config file: a sweep writes one per run (RUN/device.yaml).
/// </summary>
internal static class SweepKeys
{
    public const string DevicePrefix = "device.";

    public static readonly IReadOnlyList<string> DeviceKeys = DeviceSpec.Keys.Select(k => DevicePrefix + k.Name).ToArray();

    public static bool IsDevice(string key) => key.StartsWith(DevicePrefix, StringComparison.Ordinal);

    /// <summary>"device.up-down" → "up-down".</summary>
    public static string DeviceName(string key) => key[DevicePrefix.Length..];

    public static bool IsKnown(TrainingCommand command, string key) => command.Keys.Contains(key) || DeviceKeys.Contains(key);

    /// <summary>Parses <paramref name="value"/> as the key's parser does (a <see cref="ConfigException"/> naming the key when it is bad).</summary>
    public static void Check(TrainingCommand command, string key, string value)
    {
        if (IsDevice(key)) DeviceSpec.Keys.First(k => k.Name == DeviceName(key)).Set(new DeviceSpec(), value);
        else command.Set(command.NewJob(), key, value);
    }

    /// <summary>Sets an option on <paramref name="job"/>, or appends a device parameter to <paramref name="device"/>.</summary>
    public static void Apply(TrainingCommand command, TrainingJob job, List<KeyValuePair<string, string>> device, string key, string value)
    {
        if (IsDevice(key))
        {
            Check(command, key, value);
            device.RemoveAll(p => p.Key == DeviceName(key));
            device.Add(new(DeviceName(key), value));
        }
        else command.Set(job, key, value);
    }
}
