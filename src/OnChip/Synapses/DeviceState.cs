using OnChip.Devices;
using OnChip.Randomness;

namespace OnChip.Synapses;

/// <summary>
/// What the devices of an array hold: their conductances (g, or g⁺ and g⁻ of a pair), their own parameters, drawn once
/// (device-to-device variability), and, for exact programming, the weights as written digitally. A checkpoint saves
/// these buffers and restores them in place (<see cref="Restored"/>).
/// </summary>
internal sealed class DeviceState
{
    private const int ChunkSize = ISynapseArray.UpdateChunk;

    /// <summary>Draws the devices from <paramref name="seed"/>: the g⁺ (or single) devices, then the g⁻ ones.</summary>
    public DeviceState(DeviceModel model, int count, bool pairs, bool exact, ulong seed)
    {
        var rng = new Rng(seed);
        PlusDevices = model.Populate(count, rng);
        Plus = new float[count];
        if (pairs)
        {
            MinusDevices = model.Populate(count, rng);
            Minus = new float[count];
        }
        if (exact) Exact = new float[count];
        CopyUniformDevices();
    }

    /// <summary>Conductances: of the single devices or the g⁺ of pairs; the g⁻ of pairs (null for single devices).</summary>
    public float[] Plus { get; }
    public float[]? Minus { get; }
    public DevicePopulation PlusDevices { get; }
    public DevicePopulation? MinusDevices { get; }
    /// <summary>The weights as last written (exact programming only; null otherwise).</summary>
    public float[]? Exact { get; }

    /// <summary>
    /// When all devices are alike (no device-to-device spread), pulses read their parameters from one chunk-sized copy
    /// that stays in cache instead of streaming per-device arrays of identical values (null otherwise).
    /// </summary>
    public DevicePopulation? PlusUniform { get; private set; }
    public DevicePopulation? MinusUniform { get; private set; }

    /// <summary>The populations and offset that pulses of the chunk at <paramref name="start"/> read their parameters from.</summary>
    public (DevicePopulation Plus, DevicePopulation? Minus, int Offset) DevicesAt(int start) => PlusUniform is not null
        ? (PlusUniform, MinusUniform, 0)
        : (PlusDevices, MinusDevices, start);

    /// <summary>Everything that evolves or was drawn, by name, as live references (checkpoints write them in place).</summary>
    public IEnumerable<(string Name, float[] Data)> Buffers
    {
        get
        {
            yield return ("plus", Plus);
            if (Minus is not null) yield return ("minus", Minus);
            if (Exact is not null) yield return ("exact", Exact);
            for (int i = 0; i < PlusDevices.Buffers.Count; i++) yield return ($"devices+{i}", PlusDevices.Buffers[i]);
            if (MinusDevices is null) yield break;
            for (int i = 0; i < MinusDevices.Buffers.Count; i++) yield return ($"devices-{i}", MinusDevices.Buffers[i]);
        }
    }

    /// <summary>
    /// After <see cref="Buffers"/> were written in place (a checkpoint's restore): the per-device parameters' kernel
    /// codes and the cached copy of alike devices follow the restored values.
    /// </summary>
    public void Restored()
    {
        PlusDevices.Quantize();
        MinusDevices?.Quantize();
        CopyUniformDevices();
    }

    private void CopyUniformDevices()
    {
        (PlusUniform, MinusUniform) = (null, null);
        if (Plus.Length > 0 && PlusDevices.IsUniform && MinusDevices is null or { IsUniform: true })
        {
            PlusUniform = PlusDevices.Repeat(0, ChunkSize);
            MinusUniform = MinusDevices?.Repeat(0, ChunkSize);
        }
    }
}
