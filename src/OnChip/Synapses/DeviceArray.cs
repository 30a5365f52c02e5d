using System.Numerics.Tensors;
using System.Runtime.CompilerServices;
using OnChip.Devices;
using OnChip.Devices.Programming;
using OnChip.Randomness;
using OnChip.Tensors;

namespace OnChip.Synapses;

/// <summary>
/// Weights stored in physical devices (a tile): the storage that a parameter's updates and reads go through. A
/// requested change goes through the programming strategy (pulse counts and widths), then, pulse by pulse, through the
/// device model, and the weights the network reads are recomputed from the conductances. The parts: how weights map
/// onto devices (<see cref="WeightMapping"/>: single devices, pairs, one-sided pairs, conductances), what the devices
/// hold (<see cref="DeviceState"/>: conductances and device-to-device variability, drawn once here), how planned
/// pulses are fired (<see cref="PulseScheduler"/>), how weights are read back (<see cref="DeviceReader"/>: read noise
/// and quantisation) and what it all cost (<see cref="DeviceCounters"/>: pulses, reads, refreshes, update cycles).
/// Random numbers are keyed by (array, update, chunk), so results do not depend on the number of threads.
/// </summary>
internal sealed class DeviceArray : ISynapseArray
{
    private const int ChunkSize = ISynapseArray.UpdateChunk;
    private readonly DeviceModel _model;
    private readonly ProgrammingStrategy _strategy;
    private readonly ulong _seed;
    private readonly WeightMapping _mapping;
    private readonly DeviceState _state;
    private readonly PulseScheduler _pulses;
    private readonly DeviceReader _reader;
    private readonly DeviceCounters _counters;
    /// <summary>The widths of every pulse of a chunk, for strategies whose pulses all have the array's width.</summary>
    private readonly float[] _uniformWidths;

    public DeviceArray(string name, DeviceModel model, ProgrammingStrategy strategy, float weightRange, float pulseWidth,
        ReadOnlySpan<float> initialWeights, ulong seed, bool conductance = false)
    {
        if (!(weightRange > 0)) throw new ArgumentOutOfRangeException(nameof(weightRange), "the weight range must be positive");
        Name = name;
        _model = model;
        _strategy = strategy;
        _seed = seed;
        Count = initialWeights.Length;
        PulseWidth = pulseWidth;
        _mapping = new WeightMapping(model, weightRange, pulseWidth, conductance);
        WeightRange = weightRange;
        _counters = new DeviceCounters(Count);
        _state = new DeviceState(model, Count, pairs: Pair != PairMode.Single, exact: strategy.IsExact, seed);
        _pulses = new PulseScheduler(model, _mapping, _state, pulseWidth);
        _reader = new DeviceReader(model, _mapping, _state);
        _uniformWidths = new float[Math.Min(Count, ChunkSize)];
        _uniformWidths.AsSpan().Fill(pulseWidth);
        strategy.Attach(Count);
        strategy.AttachWeights(initialWeights);
        // A calibrated programming before training: the initial weights, clipped, exactly on the devices.
        for (int i = 0; i < Count; i++) _mapping.Program(_state, i, initialWeights[i]);
    }

    public string Name { get; }
    public string Kind => $"{_model.Spec.Name}/{_strategy.Name}";
    public DeviceModel Model => _model;
    public ProgrammingStrategy Strategy => _strategy;
    public PairMode Pair => _mapping.Pair;
    /// <summary>True when each value is a conductance on one device, mapped onto [0, weight range].</summary>
    public bool IsConductance => _mapping.IsConductance;
    public int Count { get; }
    /// <summary>Number of physical devices (two per weight for pairs).</summary>
    public long DeviceCount => Pair == PairMode.Single ? Count : 2L * Count;
    /// <summary>Weight per unit of device state.</summary>
    /// <summary>The largest weight magnitude the devices represent (--weight-range, or the tensor's default).</summary>
    public float WeightRange { get; }
    public float Scale => _mapping.Scale;
    public float PulseWidth { get; }
    /// <summary>The nominal weight change of one pulse at the reference state (what strategies divide by).</summary>
    public float NominalChange => _mapping.NominalChange;
    public int MaxPulsesPerUpdate => _pulses.MaxPulsesPerUpdate;

    public long UpdateCycles => _counters.UpdateCycles;
    public long PulsesUp => _counters.PulsesUp;
    public long PulsesDown => _counters.PulsesDown;
    /// <summary>Vectors read through the array (<see cref="Read"/>); each reads every device once.</summary>
    public long VectorReads => _counters.VectorReads;
    public long DeviceReads => VectorReads * DeviceCount;
    public long Refreshes => _counters.Refreshes;
    public double EnergyJoules => (PulsesUp + PulsesDown) * (double)_model.Spec.PulseEnergy + DeviceReads * (double)_model.Spec.ReadEnergy;

    /// <summary>The counters (pulses up, down, vector reads, refreshes, update cycles), for checkpoints.</summary>
    public long[] Counters
    {
        get => _counters.Snapshot;
        set => _counters.Snapshot = value;
    }

    /// <summary>
    /// Everything that evolves or was drawn, by name, as live references (a checkpoint saves them and restores them
    /// in place, then calls <see cref="StateRestored"/>): conductances, exact weights, per-device variability, the
    /// strategy's per-device state.
    /// </summary>
    public IReadOnlyList<(string Name, float[] Data)> StateBuffers =>
        [.. _state.Buffers, .. _strategy.StateBuffers.Select((b, i) => ($"{_strategy.StateName}{i}", b))];

    /// <summary>After <see cref="StateBuffers"/> were written in place: what is derived from them follows.</summary>
    public void StateRestored() => _state.Restored();

    /// <summary>Conductances (g, or g⁺ and g⁻) for histograms and checkpoints.</summary>
    public float[] Plus => _state.Plus;
    public float[]? Minus => _state.Minus;

    public void BeginUpdate() => _counters.BeginUpdate();

    /// <summary>Each vector reads every device of the array once.</summary>
    public Matrix Read(Matrix weights, long vectors)
    {
        _counters.CountReads(vectors);
        return weights;
    }

    public void Apply(Span<float> weights, ReadOnlySpan<float> requested, int start)
    {
        var s = DeviceScratch.ForThread;
        var stage = s.Stages[0];
        for (int offset = 0; offset < requested.Length; offset += ChunkSize)
        {
            int n = Math.Min(ChunkSize, requested.Length - offset);
            Plan(stage, requested.Slice(offset, n), start + offset, s);
            Finish(stage, weights, s, following: null);
        }
    }

    /// <summary>
    /// Whether <see cref="ApplyRange"/> fires a chunk after planning the next: when a chunk's work after its plan is
    /// the firing and a read-back that needs no random numbers (pulse trains, no read noise, no refreshes).
    /// </summary>
    private bool Pipelined => _state.Exact is null && _model.FiresTrains && _reader.ReadsPulsedOnly;

    /// <summary>
    /// The update of elements [from, to), pipelined: each chunk is planned (and its pulsed blocks listed) before the
    /// chunk before it is fired, so the firing asks the cache for the next chunk's first pulsed blocks while it fires
    /// its last ones (a chunk fired on its own waits for its first few scattered blocks). Each chunk keeps its own
    /// random stream from plan to firing: the results are those of chunk-by-chunk <see cref="Apply"/>.
    /// </summary>
    public void ApplyRange(Span<float> weights, int from, int to, IChangeSource changes, Span<float> scratch)
    {
        if (!Pipelined)
        {
            ISynapseArray.ApplyInChunks(this, weights, from, to, changes, scratch);
            return;
        }
        var s = DeviceScratch.ForThread;
        ChunkStage? pending = null;
        for (int offset = from, k = 0; offset < to; offset += ChunkSize, k++)
        {
            var stage = s.Stages[k & 1];
            int n = Math.Min(ChunkSize, to - offset);
            var requested = stage.Requested.AsSpan(0, n);
            changes.Changes(offset, requested, following: Math.Min(ChunkSize, to - offset - n));
            Plan(stage, requested, offset, s);
            if (pending is not null) Finish(pending, weights, s, following: stage);
            pending = stage;
        }
        if (pending is not null) Finish(pending, weights, s, following: null);
    }

    /// <summary>
    /// The first half of a chunk's update: reseed its random stream, plan its pulses (clipped, their blocks listed);
    /// exact programming writes the weights at once.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private void Plan(ChunkStage stage, ReadOnlySpan<float> requested, int start, DeviceScratch s)
    {
        int n = requested.Length;
        (stage.Start, stage.Count) = (start, n);
        s.Current = stage;
        stage.Random.Reseed(ChunkRandom.Key(_seed, (ulong)_counters.UpdateCycles, (ulong)start));
        if (_state.Exact is { } exact)
        {
            var stored = exact.AsSpan(start, n);
            TensorPrimitives.Add(stored, requested, stored);  // the same arithmetic as ideal storage
            TensorPrimitives.Max(stored, _mapping.LowestWeight, stored);
            TensorPrimitives.Min(stored, _mapping.HighestWeight, stored);
            for (int i = 0; i < n; i++) _mapping.Program(_state, start + i, stored[i]);
            return;
        }
        var pulses = stage.Pulses.AsSpan(0, n);
        // The planned counts, clipped and their pulsed blocks listed (the firing and the read-back use the list).
        _strategy.PlanListed(requested, start, NominalChange, PulseWidth, pulses, Widths(stage), stage.Random, s.C.AsSpan(0, n), stage.Found, MaxPulsesPerUpdate);
        int whole = n / 16 * 16;
        if (whole < n) PulsedBlocks.Clip(pulses[whole..], MaxPulsesPerUpdate);
    }

    private Span<float> Widths(ChunkStage stage) => (_strategy.VariesWidth ? stage.Widths : _uniformWidths).AsSpan(0, stage.Count);

    /// <summary>
    /// The second half: fire the planned pulses, refresh one-sided pairs, read the weights back. <paramref name="following"/>
    /// is the chunk planned next, whose first pulsed blocks the firing asks the cache for (null if none).
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private void Finish(ChunkStage stage, Span<float> weights, DeviceScratch s, ChunkStage? following)
    {
        int start = stage.Start, n = stage.Count;
        s.Current = stage;
        if (_state.Exact is null)
        {
            var pulses = stage.Pulses.AsSpan(0, n);
            var found = stage.Found;
            var next = following is null ? default : new FollowingBlocks(following.Found.Pulsed, following.Start - start);
            var (up, down) = _pulses.Fire(pulses, Widths(stage), start, s, found, next);
            if ((up | down) != 0) _counters.CountPulses(start, up, down);
            // Reading back only the pulsed blocks pays when few are: a dense update reads the chunk in one pass.
            if (_reader.ReadsPulsedOnly && 2 * (found.Pulsed.Length + (n % 16 != 0 ? 1 : 0)) < (n + 15) / 16)
            {
                _reader.ReadPulsedBlocks(weights.Slice(start, n), start, found.Pulsed);
                return;
            }
            if (Pair == PairMode.OneSided)
            {
                long refreshed = _mapping.Refresh(_state, start, n);
                if (refreshed > 0) _counters.CountRefreshes(refreshed);
            }
        }
        _reader.Read(weights.Slice(start, n), start, s);
    }

    /// <summary>All weights as currently read (used once at creation, and by tools).</summary>
    public void ReadAll(Span<float> weights)
    {
        var s = DeviceScratch.ForThread;
        s.Current = s.Stages[0];
        for (int start = 0; start < Count; start += ChunkSize)
        {
            int n = Math.Min(ChunkSize, Count - start);
            s.Random.Reseed(ChunkRandom.Key(_seed, ulong.MaxValue - (ulong)_counters.UpdateCycles, (ulong)start));
            _reader.Read(weights.Slice(start, n), start, s);
        }
    }
}
