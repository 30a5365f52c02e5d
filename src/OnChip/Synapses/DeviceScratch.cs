using OnChip.Devices;
using OnChip.Randomness;

namespace OnChip.Synapses;

/// <summary>Per-thread working memory of a device array's update, one chunk at a time (allocated once per thread).</summary>
internal sealed class DeviceScratch
{
    private const int ChunkSize = ISynapseArray.UpdateChunk;
    [ThreadStatic] private static DeviceScratch? _instance;
    public static DeviceScratch ForThread => _instance ??= new DeviceScratch();
    public readonly float[] Pulses = new float[ChunkSize], Widths = new float[ChunkSize], Direction = new float[ChunkSize],
        Opposite = new float[ChunkSize], Noise = new float[ChunkSize], A = new float[ChunkSize], B = new float[ChunkSize], C = new float[ChunkSize],
        GatheredPlus = new float[ChunkSize], GatheredMinus = new float[ChunkSize], GatheredDirection = new float[ChunkSize],
        GatheredWidth = new float[ChunkSize];
    public readonly int[] Index = new int[ChunkSize], Counts = new int[ChunkSize], Order = new int[ChunkSize], Keys = new int[ChunkSize], Sorted = new int[ChunkSize],
        Histogram = new int[ChunkSize + 1];
    public readonly DevicePopulation PlusDevices = new(ChunkSize), MinusDevices = new(ChunkSize);
    public readonly ChunkRandom Random = new();
    /// <summary>The pulsed blocks of the chunk's planned counts (see <see cref="PulsedBlocks.ListClipped"/>).</summary>
    public readonly PulsedBlocks Found = new();
}
