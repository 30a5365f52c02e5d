using OnChip.Devices;
using OnChip.Randomness;

namespace OnChip.Synapses;

/// <summary>Per-thread working memory of a device array's update, one chunk at a time (allocated once per thread).</summary>
internal sealed class DeviceScratch
{
    private const int ChunkSize = ISynapseArray.UpdateChunk;
    [ThreadStatic] private static DeviceScratch? _instance;
    public static DeviceScratch ForThread => _instance ??= new DeviceScratch();
    public readonly float[] Direction = new float[ChunkSize],
        Opposite = new float[ChunkSize], Noise = new float[ChunkSize], A = new float[ChunkSize], B = new float[ChunkSize], C = new float[ChunkSize],
        GatheredPlus = new float[ChunkSize], GatheredMinus = new float[ChunkSize], GatheredDirection = new float[ChunkSize],
        GatheredWidth = new float[ChunkSize];
    public readonly int[] Index = new int[ChunkSize], Counts = new int[ChunkSize], Order = new int[ChunkSize], Keys = new int[ChunkSize], Sorted = new int[ChunkSize],
        Histogram = new int[ChunkSize + 1];
    public readonly DevicePopulation PlusDevices = new(ChunkSize), MinusDevices = new(ChunkSize);
    /// <summary>Two chunks in flight: one planned while the one before is fired (<see cref="DeviceArray.ApplyRange"/>).</summary>
    public readonly ChunkStage[] Stages = [new(), new()];

    public DeviceScratch() => Current = Stages[0];

    /// <summary>The chunk being planned or fired, whose random stream the work draws from.</summary>
    public ChunkStage Current { get; set; }
    public ChunkRandom Random => Current.Random;
}

/// <summary>
/// One chunk of an update between its plan and its firing: the requested changes, the planned pulse counts and widths,
/// their pulsed blocks, and the chunk's own random stream (reseeded for the plan, drawn on by the firing).
/// </summary>
internal sealed class ChunkStage
{
    private const int ChunkSize = ISynapseArray.UpdateChunk;
    public readonly float[] Requested = new float[ChunkSize], Pulses = new float[ChunkSize], Widths = new float[ChunkSize];
    /// <summary>The pulsed blocks of the planned counts (see <see cref="PulsedBlocks.ListClipped"/>).</summary>
    public readonly PulsedBlocks Found = new();
    public readonly ChunkRandom Random = new();
    /// <summary>The chunk's first element in the tensor, and its length.</summary>
    public int Start, Count;
}
