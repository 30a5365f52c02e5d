namespace OnChip.Devices;

/// <summary>
/// The per-device parameters of an array of devices, drawn once when the array is made (device-to-device
/// variability): step scale up and down (with the up/down asymmetry), bounds, and model-specific values.
/// </summary>
public sealed class DevicePopulation(int count)
{
    public int Count { get; } = count;
    public float[] ScaleUp { get; } = new float[count];
    public float[] ScaleDown { get; } = new float[count];
    public float[] Min { get; } = new float[count];
    public float[] Max { get; } = new float[count];
    /// <summary>Model-specific per-device values (linear-step slopes; unused otherwise).</summary>
    public float[] SlopeUp { get; } = new float[count];
    public float[] SlopeDown { get; } = new float[count];

    /// <summary>True when every device has the same parameters (no device-to-device spread was drawn).</summary>
    public bool IsUniform => Buffers.All(b => b.AsSpan().IndexOfAnyExcept(b.Length > 0 ? b[0] : 0f) < 0);

    /// <summary>A population of <paramref name="count"/> copies of device <paramref name="index"/> of this one.</summary>
    public DevicePopulation Repeat(int index, int count)
    {
        var copy = new DevicePopulation(count);
        for (int b = 0; b < Buffers.Count; b++) copy.Buffers[b].AsSpan().Fill(Buffers[b][index]);
        return copy;
    }

    /// <summary>All per-device arrays in a fixed order (checkpoints save them).</summary>
    public IReadOnlyList<float[]> Buffers => [ScaleUp, ScaleDown, Min, Max, SlopeUp, SlopeDown];
}
