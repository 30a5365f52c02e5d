namespace OnChip.Synapses;

/// <summary>
/// What a device array has cost so far: device pulses (potentiating, depressing), vector reads, refreshes of
/// one-sided pairs and update cycles, on top of the totals a checkpoint restored.
/// </summary>
internal sealed class DeviceCounters(int count)
{
    private const int ChunkSize = ISynapseArray.UpdateChunk;
    private long _reads, _refreshes, _restoredUp, _restoredDown;
    /// <summary>
    /// Pulses counted per chunk (potentiating, depressing; interleaved): an update gives each chunk to one worker, so
    /// each slot has one writer at a time and needs no atomic add (two workers adding to shared counters after every
    /// chunk made the cache line bounce between cores).
    /// </summary>
    private readonly long[] _chunkPulses = new long[2 * ((count + ChunkSize - 1) / ChunkSize)];

    /// <summary>Optimizer steps so far; it also keys the random numbers of each update.</summary>
    public long UpdateCycles { get; private set; }
    public long PulsesUp => _restoredUp + SumChunkPulses(0);
    public long PulsesDown => _restoredDown + SumChunkPulses(1);
    /// <summary>Vectors read through the array; each reads every device once.</summary>
    public long VectorReads => Interlocked.Read(ref _reads);
    public long Refreshes => Interlocked.Read(ref _refreshes);

    public void BeginUpdate() => UpdateCycles++;

    /// <summary>Adds the pulses of the chunk at <paramref name="start"/> to its own slot (see <see cref="_chunkPulses"/>).</summary>
    public void CountPulses(int start, long up, long down)
    {
        int slot = 2 * (start / ChunkSize);
        _chunkPulses[slot] += up;
        _chunkPulses[slot + 1] += down;
    }

    /// <summary>Reads arrive from any thread.</summary>
    public void CountReads(long vectors) => Interlocked.Add(ref _reads, vectors);

    public void CountRefreshes(long refreshed) => Interlocked.Add(ref _refreshes, refreshed);

    /// <summary>Pulses up, down, vector reads, refreshes, update cycles: what a checkpoint saves and restores.</summary>
    public long[] Snapshot
    {
        get => [PulsesUp, PulsesDown, VectorReads, Refreshes, UpdateCycles];
        set
        {
            (_restoredUp, _restoredDown, _reads, _refreshes, UpdateCycles) = (value[0], value[1], value[2], value[3], value[4]);
            Array.Clear(_chunkPulses);
        }
    }

    private long SumChunkPulses(int side)
    {
        long sum = 0;
        for (int i = side; i < _chunkPulses.Length; i += 2) sum += Volatile.Read(ref _chunkPulses[i]);
        return sum;
    }
}
