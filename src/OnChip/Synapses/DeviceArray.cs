using System.Numerics.Tensors;
using OnChip.Devices;
using OnChip.Devices.Programming;
using OnChip.Randomness;

namespace OnChip.Synapses;

/// <summary>
/// Weights stored in physical devices (a tile). Each weight is one device, w = scale·(g − reference), a differential
/// pair, w = scale·(g⁺ − g⁻) (both pulsed, in opposite directions), or a one-sided pair (only potentiation; refreshed
/// near saturation). A requested change goes through the programming strategy (pulse counts and widths) and then,
/// pulse by pulse, through the device model; the weights the network reads are recomputed from the conductances, with
/// optional read noise and quantisation. Device-to-device variability is drawn once, here. Counts pulses, reads and
/// update cycles for the hardware cost. Random numbers are keyed by (array, update, chunk), so results do not depend on
/// the number of threads.
/// </summary>
public sealed class DeviceArray : ISynapseArray
{
    private const int ChunkSize = 1024;
    private readonly DeviceModel _model;
    private readonly ProgrammingStrategy _strategy;
    private readonly float[] _plus;
    private readonly float[]? _minus;
    private readonly DevicePopulation _plusDevices;
    private readonly DevicePopulation? _minusDevices;
    private readonly float[]? _exact;
    private readonly ulong _seed;
    private readonly float _lowestWeight, _highestWeight;
    private long _pulsesUp, _pulsesDown, _reads, _refreshes;

    public DeviceArray(string name, DeviceModel model, ProgrammingStrategy strategy, float weightRange, float pulseWidth,
        ReadOnlySpan<float> initialWeights, ulong seed)
    {
        if (!(weightRange > 0)) throw new ArgumentOutOfRangeException(nameof(weightRange), "the weight range must be positive");
        Name = name;
        _model = model;
        _strategy = strategy;
        _seed = seed;
        Count = initialWeights.Length;
        Pair = model.Spec.Pair;
        PulseWidth = pulseWidth;
        float reference = model.Reference;
        float halfSpan = Pair == PairMode.Single ? Math.Min(model.Upper - reference, reference - model.Lower) : model.Range;
        Scale = weightRange / halfSpan;
        (_lowestWeight, _highestWeight) = Pair == PairMode.Single
            ? (Scale * (model.Lower - reference), Scale * (model.Upper - reference))
            : (-Scale * model.Range, Scale * model.Range);
        NominalChange = Scale * model.NominalStep(pulseWidth) * (Pair == PairMode.Pair ? 2f : 1f);
        if (!(NominalChange > 0)) throw new ArgumentException($"device {model.Spec.Name}: a pulse of width {pulseWidth} does not change the state");
        MaxPulsesPerUpdate = (int)Math.Min(100_000, Math.Ceiling(2 * model.Range / model.NominalStep(pulseWidth)) + 1);

        var rng = new Rng(seed);
        _plusDevices = model.Populate(Count, rng);
        _plus = new float[Count];
        if (Pair != PairMode.Single)
        {
            _minusDevices = model.Populate(Count, rng);
            _minus = new float[Count];
        }
        strategy.Attach(Count);
        if (strategy.IsExact) _exact = new float[Count];
        Program(initialWeights);
    }

    public string Name { get; }
    public string Kind => $"{_model.Spec.Name}/{_strategy.Name}";
    public DeviceModel Model => _model;
    public ProgrammingStrategy Strategy => _strategy;
    public PairMode Pair { get; }
    public int Count { get; }
    /// <summary>Number of physical devices (two per weight for pairs).</summary>
    public long DeviceCount => Pair == PairMode.Single ? Count : 2L * Count;
    /// <summary>Weight per unit of device state.</summary>
    public float Scale { get; }
    public float PulseWidth { get; }
    /// <summary>The nominal weight change of one pulse at the reference state (what strategies divide by).</summary>
    public float NominalChange { get; }
    public int MaxPulsesPerUpdate { get; }
    public long UpdateCycles { get; private set; }
    public long PulsesUp => Interlocked.Read(ref _pulsesUp);
    public long PulsesDown => Interlocked.Read(ref _pulsesDown);
    /// <summary>Matrix–vector reads through the array; each reads every device once.</summary>
    public long VectorReads => Interlocked.Read(ref _reads);
    public long DeviceReads => VectorReads * DeviceCount;
    public long Refreshes => Interlocked.Read(ref _refreshes);
    public double EnergyJoules => (PulsesUp + PulsesDown) * (double)_model.Spec.PulseEnergy + DeviceReads * (double)_model.Spec.ReadEnergy;

    /// <summary>
    /// Everything that evolves or was drawn, by name, as live references (a checkpoint saves them and restores them
    /// in place): conductances, exact weights, per-device variability, the strategy's per-device state.
    /// </summary>
    public IReadOnlyList<(string Name, float[] Data)> StateBuffers
    {
        get
        {
            var list = new List<(string, float[])> { ("plus", _plus) };
            if (_minus is not null) list.Add(("minus", _minus));
            if (_exact is not null) list.Add(("exact", _exact));
            list.AddRange(_plusDevices.Buffers.Select((b, i) => ($"devices+{i}", b)));
            if (_minusDevices is not null) list.AddRange(_minusDevices.Buffers.Select((b, i) => ($"devices-{i}", b)));
            list.AddRange(_strategy.StateBuffers.Select((b, i) => ($"strategy{i}", b)));
            return list;
        }
    }

    /// <summary>The counters (pulses up, down, vector reads, refreshes, update cycles), for checkpoints.</summary>
    public long[] Counters
    {
        get => [PulsesUp, PulsesDown, VectorReads, Refreshes, UpdateCycles];
        set => (_pulsesUp, _pulsesDown, _reads, _refreshes, UpdateCycles) = (value[0], value[1], value[2], value[3], value[4]);
    }

    /// <summary>Conductances (g, or g⁺ and g⁻) for histograms and checkpoints.</summary>
    public float[] Plus => _plus;
    public float[]? Minus => _minus;

    /// <summary>Writes the initial weights exactly onto the devices (a calibrated programming before training), clipped.</summary>
    private void Program(ReadOnlySpan<float> weights)
    {
        for (int i = 0; i < Count; i++) SetWeight(i, weights[i]);
    }

    private void SetWeight(int i, float weight)
    {
        float w = Math.Clamp(weight, _lowestWeight, _highestWeight);
        if (_exact is not null) _exact[i] = w;
        float g = w / Scale, reference = _model.Reference;
        switch (Pair)
        {
            case PairMode.Single:
                _plus[i] = Math.Clamp(reference + g, _plusDevices.Min[i], _plusDevices.Max[i]);
                break;
            case PairMode.Pair:
                _plus[i] = Math.Clamp(reference + g / 2, _plusDevices.Min[i], _plusDevices.Max[i]);
                _minus![i] = Math.Clamp(reference - g / 2, _minusDevices!.Min[i], _minusDevices.Max[i]);
                break;
            default:
                _plus[i] = Math.Clamp(_model.Lower + Math.Max(g, 0f), _plusDevices.Min[i], _plusDevices.Max[i]);
                _minus![i] = Math.Clamp(_model.Lower + Math.Max(-g, 0f), _minusDevices!.Min[i], _minusDevices.Max[i]);
                break;
        }
    }

    public void BeginUpdate() => UpdateCycles++;

    public void RecordReads(long vectors) => Interlocked.Add(ref _reads, vectors);

    public void Apply(Span<float> weights, ReadOnlySpan<float> requested, int start)
    {
        for (int offset = 0; offset < requested.Length; offset += ChunkSize)
        {
            int n = Math.Min(ChunkSize, requested.Length - offset);
            ApplyChunk(weights, requested.Slice(offset, n), start + offset);
        }
    }

    private void ApplyChunk(Span<float> weights, ReadOnlySpan<float> requested, int start)
    {
        var s = Scratch.ForThread;
        int n = requested.Length;
        s.Random.Reseed(ChunkRandom.Key(_seed, (ulong)UpdateCycles, (ulong)start));
        if (_exact is not null)
        {
            var stored = _exact.AsSpan(start, n);
            TensorPrimitives.Add(stored, requested, stored);  // the same arithmetic as ideal storage
            TensorPrimitives.Max(stored, _lowestWeight, stored);
            TensorPrimitives.Min(stored, _highestWeight, stored);
            for (int i = 0; i < n; i++) SetWeight(start + i, stored[i]);
        }
        else
        {
            var pulses = s.Pulses.AsSpan(0, n);
            var widths = s.Widths.AsSpan(0, n);
            _strategy.Plan(requested, start, NominalChange, PulseWidth, pulses, widths, s.Random, s.C.AsSpan(0, n));
            Fire(pulses, widths, start, s);
            if (Pair == PairMode.OneSided) Refresh(start, n);
        }
        Read(weights.Slice(start, n), start, s);
    }

    /// <summary>Applies the planned pulses round by round: each round gives every device with pulses left one pulse.</summary>
    private void Fire(Span<float> pulses, ReadOnlySpan<float> widths, int start, Scratch s)
    {
        int n = pulses.Length;
        var direction = s.Direction.AsSpan(0, n);
        var opposite = s.Opposite.AsSpan(0, n);
        var noise = s.Noise.AsSpan(0, n);
        bool noisy = _model.Spec.C2c > 0;
        var noiseOrEmpty = noisy ? noise : Span<float>.Empty;
        long up = 0, down = 0;
        for (int round = 0; round < MaxPulsesPerUpdate; round++)
        {
            int active = 0, rising = 0;
            for (int i = 0; i < n; i++)
            {
                float d = MathF.Sign(pulses[i]);
                direction[i] = d;
                pulses[i] -= d;
                if (d != 0f) active++;
                if (d > 0f) rising++;
            }
            if (active == 0) break;
            if (noisy) s.Random.FillGaussian(noise);
            var plus = _plus.AsSpan(start, n);
            switch (Pair)
            {
                case PairMode.Single:
                    _model.Pulse(plus, direction, widths, _plusDevices, start, noiseOrEmpty, s.A, s.B);
                    up += rising;
                    down += active - rising;
                    break;
                case PairMode.Pair:
                    _model.Pulse(plus, direction, widths, _plusDevices, start, noiseOrEmpty, s.A, s.B);
                    TensorPrimitives.Negate(direction, opposite);
                    if (noisy) s.Random.FillGaussian(noise);
                    _model.Pulse(_minus.AsSpan(start, n), opposite, widths, _minusDevices!, start, noiseOrEmpty, s.A, s.B);
                    up += active;
                    down += active;
                    break;
                default:
                    TensorPrimitives.Max(direction, 0f, opposite);
                    _model.Pulse(plus, opposite, widths, _plusDevices, start, noiseOrEmpty, s.A, s.B);
                    TensorPrimitives.Min(direction, 0f, opposite);
                    TensorPrimitives.Negate(opposite, opposite);
                    if (noisy) s.Random.FillGaussian(noise);
                    _model.Pulse(_minus.AsSpan(start, n), opposite, widths, _minusDevices!, start, noiseOrEmpty, s.A, s.B);
                    up += active;
                    break;
            }
        }
        Interlocked.Add(ref _pulsesUp, up);
        Interlocked.Add(ref _pulsesDown, down);
    }

    /// <summary>One-sided pairs: when either device passes the threshold, read the weight, reset both, reprogram it.</summary>
    private void Refresh(int start, int n)
    {
        float limit = _model.Lower + _model.Spec.RefreshThreshold * _model.Range;
        long refreshed = 0;
        for (int i = start; i < start + n; i++)
        {
            if (_plus[i] < limit && _minus![i] < limit) continue;
            SetWeight(i, Scale * (_plus[i] - _minus![i]));
            refreshed++;
        }
        if (refreshed > 0) Interlocked.Add(ref _refreshes, refreshed);
    }

    /// <summary>The weights as the network reads them: from the conductances, with read noise and quantisation.</summary>
    private void Read(Span<float> weights, int start, Scratch s)
    {
        var spec = _model.Spec;
        int n = weights.Length;
        if (_exact is not null && spec.ReadNoise == 0 && spec.ReadLevels == 0)
        {
            _exact.AsSpan(start, n).CopyTo(weights);
            return;
        }
        var plus = s.A.AsSpan(0, n);
        ReadDevices(_plus.AsSpan(start, n), plus, s);
        if (Pair == PairMode.Single)
        {
            TensorPrimitives.Add(plus, -_model.Reference, plus);
        }
        else
        {
            var minus = s.B.AsSpan(0, n);
            ReadDevices(_minus.AsSpan(start, n), minus, s);
            TensorPrimitives.Subtract(plus, minus, plus);
        }
        TensorPrimitives.Multiply(plus, Scale, weights);
    }

    private void ReadDevices(ReadOnlySpan<float> conductance, Span<float> read, Scratch s)
    {
        var spec = _model.Spec;
        conductance.CopyTo(read);
        if (spec.ReadNoise > 0)
        {
            var noise = s.Noise.AsSpan(0, read.Length);
            s.Random.FillGaussian(noise);
            TensorPrimitives.MultiplyAdd(noise, spec.ReadNoise * _model.Range, read, read);
        }
        if (spec.ReadLevels > 1)
        {
            float step = _model.Range / (spec.ReadLevels - 1);
            for (int i = 0; i < read.Length; i++)
                read[i] = _model.Lower + step * MathF.Round(Math.Clamp((read[i] - _model.Lower) / step, 0, spec.ReadLevels - 1));
        }
    }

    /// <summary>All weights as currently read (used once at creation, and by tools).</summary>
    public void ReadAll(Span<float> weights)
    {
        var s = Scratch.ForThread;
        for (int start = 0; start < Count; start += ChunkSize)
        {
            int n = Math.Min(ChunkSize, Count - start);
            s.Random.Reseed(ChunkRandom.Key(_seed, ulong.MaxValue - (ulong)UpdateCycles, (ulong)start));
            Read(weights.Slice(start, n), start, s);
        }
    }

    /// <summary>Per-thread working memory for one chunk (allocated once per thread).</summary>
    private sealed class Scratch
    {
        [ThreadStatic] private static Scratch? _instance;
        public static Scratch ForThread => _instance ??= new Scratch();
        public readonly float[] Pulses = new float[ChunkSize], Widths = new float[ChunkSize], Direction = new float[ChunkSize],
            Opposite = new float[ChunkSize], Noise = new float[ChunkSize], A = new float[ChunkSize], B = new float[ChunkSize], C = new float[ChunkSize];
        public readonly ChunkRandom Random = new();
    }
}
