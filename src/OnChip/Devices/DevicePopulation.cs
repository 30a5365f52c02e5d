namespace OnChip.Devices;

/// <summary>
/// The per-device parameters of an array of devices, drawn once when the array is made (device-to-device
/// variability): step scale up and down (with the up/down asymmetry), bounds, and model-specific values.
/// Each buffer also has 16-bit codes for the pulse-train kernels, which stream them at every update
/// (<see cref="Quantize"/>): half the bytes of the floats, and the floats hold exactly the coded values.
/// </summary>
internal sealed class DevicePopulation(int count)
{
    public int Count { get; } = count;
    public float[] ScaleUp { get; } = new float[count];
    public float[] ScaleDown { get; } = new float[count];
    public float[] Min { get; } = new float[count];
    public float[] Max { get; } = new float[count];
    /// <summary>Model-specific per-device values (linear-step slopes; unused otherwise).</summary>
    public float[] SlopeUp { get; } = new float[count];
    public float[] SlopeDown { get; } = new float[count];

    private readonly short[][] _codes = [new short[count], new short[count], new short[count], new short[count], new short[count], new short[count]];
    private readonly float[] _units = new float[6];

    /// <summary>True when every device has the same parameters (no device-to-device spread was drawn).</summary>
    public bool IsUniform => Buffers.All(b => b.AsSpan().IndexOfAnyExcept(b.Length > 0 ? b[0] : 0f) < 0);

    /// <summary>Whether <see cref="Quantize"/> has run (floats written in place afterwards need another call: writes are not tracked).</summary>
    public bool IsCoded { get; private set; }

    /// <summary>A population of <paramref name="count"/> copies of device <paramref name="index"/> of this one.</summary>
    public DevicePopulation Repeat(int index, int count)
    {
        var copy = new DevicePopulation(count);
        for (int b = 0; b < Buffers.Count; b++) copy.Buffers[b].AsSpan().Fill(Buffers[b][index]);
        copy.Quantize();
        return copy;
    }

    /// <summary>All per-device arrays in a fixed order (checkpoints save them).</summary>
    public IReadOnlyList<float[]> Buffers => _buffers ??= [ScaleUp, ScaleDown, Min, Max, SlopeUp, SlopeDown];
    private float[][]? _buffers;

    /// <summary>
    /// Holds every parameter to a 16-bit code times its buffer's unit and makes the codes; call it after writing the
    /// floats in place (a model's draw, a checkpoint's restore). The unit is a power of two, 2^-14 of the largest
    /// magnitude's binade, and values are truncated toward zero onto its multiples: they move by less than 2^-14
    /// (6e-5) of the buffer's largest value (a 10% spread of steps keeps 3,000 distinct levels), the largest keeps its
    /// binade, so a second call changes nothing. A buffer of one repeated value is coded exactly (its unit is the
    /// value, every code 1).
    /// </summary>
    public void Quantize()
    {
        var buffers = Buffers;
        for (int b = 0; b < buffers.Count; b++)
        {
            var values = buffers[b];
            var codes = _codes[b];
            if (values.Length == 0) continue;
            if (values.AsSpan().IndexOfAnyExcept(values[0]) < 0)
            {
                _units[b] = values[0] == 0f ? 1f : values[0];
                codes.AsSpan().Fill(values[0] == 0f ? (short)0 : (short)1);
                continue;
            }
            float largest = 0f;
            foreach (float v in values) largest = Math.Max(largest, Math.Abs(v));
            float unit = MathF.ScaleB(1f, Math.Max(MathF.ILogB(largest) - 14, -149));   // largest / unit in [2^14, 2^15)
            _units[b] = unit;
            for (int i = 0; i < values.Length; i++)
            {
                int code = (int)(values[i] / unit);   // exact division by a power of two, truncated toward zero
                codes[i] = (short)code;
                values[i] = code * unit;
            }
        }
        IsCoded = true;
    }

    /// <summary>Buffer <paramref name="b"/> (in <see cref="Buffers"/> order) as the kernels read it (floats and codes), from device <paramref name="offset"/>.</summary>
    public DeviceParameter Parameter(int b, int offset) => new(in Buffers[b][offset], in _codes[b][offset], _units[b]);

    /// <summary>The codes of buffer <paramref name="b"/>: value = code · <see cref="Unit"/>(b).</summary>
    public ReadOnlySpan<short> Codes(int b) => _codes[b];
    public float Unit(int b) => _units[b];
}
