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
        for (int offset = 0; offset < requested.Length; offset += ChunkSize)
        {
            int n = Math.Min(ChunkSize, requested.Length - offset);
            ApplyChunk(weights, requested.Slice(offset, n), start + offset);
        }
    }

    /// <summary>One chunk of an update: plan the pulses, fire them, refresh one-sided pairs, read the weights back.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private void ApplyChunk(Span<float> weights, ReadOnlySpan<float> requested, int start)
    {
        var s = DeviceScratch.ForThread;
        int n = requested.Length;
        s.Random.Reseed(ChunkRandom.Key(_seed, (ulong)_counters.UpdateCycles, (ulong)start));
        if (_state.Exact is { } exact)
        {
            var stored = exact.AsSpan(start, n);
            TensorPrimitives.Add(stored, requested, stored);  // the same arithmetic as ideal storage
            TensorPrimitives.Max(stored, _mapping.LowestWeight, stored);
            TensorPrimitives.Min(stored, _mapping.HighestWeight, stored);
            for (int i = 0; i < n; i++) _mapping.Program(_state, start + i, stored[i]);
        }
        else
        {
            var pulses = s.Pulses.AsSpan(0, n);
            var widths = _strategy.VariesWidth ? s.Widths.AsSpan(0, n) : _uniformWidths.AsSpan(0, n);
            _strategy.Plan(requested, start, NominalChange, PulseWidth, pulses, widths, s.Random, s.C.AsSpan(0, n));
            // One scan of the planned counts serves the firing and the read-back: it clips them and lists the pulsed blocks.
            var found = s.Found.ListClipped(pulses, MaxPulsesPerUpdate);
            int whole = n / 16 * 16;
            if (whole < n) PulsedBlocks.Clip(pulses[whole..], MaxPulsesPerUpdate);
            // Reading back only the pulsed blocks pays when few are: a dense update reads the chunk in one pass.
            if (_reader.ReadsPulsedOnly && 2 * (found.Pulsed.Length + (whole < n ? 1 : 0)) < (n + 15) / 16)
            {
                FireAndCount(pulses, widths, start, s, found);
                _reader.ReadPulsedBlocks(weights.Slice(start, n), start, found.Pulsed);
                return;
            }
            FireAndCount(pulses, widths, start, s, found);
            if (Pair == PairMode.OneSided)
            {
                long refreshed = _mapping.Refresh(_state, start, n);
                if (refreshed > 0) _counters.CountRefreshes(refreshed);
            }
        }
        _reader.Read(weights.Slice(start, n), start, s);
    }

    private void FireAndCount(Span<float> pulses, ReadOnlySpan<float> widths, int start, DeviceScratch s, PulsedBlocks found)
    {
        var (up, down) = _pulses.Fire(pulses, widths, start, s, found);
        if ((up | down) != 0) _counters.CountPulses(start, up, down);
    }

    /// <summary>All weights as currently read (used once at creation, and by tools).</summary>
    public void ReadAll(Span<float> weights)
    {
        var s = DeviceScratch.ForThread;
        for (int start = 0; start < Count; start += ChunkSize)
        {
            int n = Math.Min(ChunkSize, Count - start);
            s.Random.Reseed(ChunkRandom.Key(_seed, ulong.MaxValue - (ulong)_counters.UpdateCycles, (ulong)start));
            _reader.Read(weights.Slice(start, n), start, s);
        }
    }
}
