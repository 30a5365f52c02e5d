using System.Numerics;
using System.Numerics.Tensors;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;
using OnChip.Devices;
using OnChip.Devices.Programming;
using OnChip.Randomness;
using OnChip.Tensors;

namespace OnChip.Synapses;

/// <summary>
/// Weights stored in physical devices (a tile). Each weight is one device, w = scale·(g − reference), a differential
/// pair, w = scale·(g⁺ − g⁻) (both pulsed, in opposite directions), or a one-sided pair (only potentiation; refreshed
/// near saturation). A conductance (a parameter that is ≥ 0 by nature) is always one device whose range maps
/// linearly onto [0, g_max]: w = scale·(g − g_low). A requested change goes through the programming strategy (pulse counts and widths) and then,
/// pulse by pulse, through the device model; the weights the network reads are recomputed from the conductances, with
/// optional read noise and quantisation. Device-to-device variability is drawn once, here. Counts pulses, reads and
/// update cycles for the hardware cost. Random numbers are keyed by (array, update, chunk), so results do not depend on
/// the number of threads.
/// </summary>
public sealed class DeviceArray : ISynapseArray
{
    private const int ChunkSize = ISynapseArray.UpdateChunk;
    private readonly DeviceModel _model;
    private readonly ProgrammingStrategy _strategy;
    private readonly float[] _plus;
    private readonly float[]? _minus;
    private readonly DevicePopulation _plusDevices;
    private readonly DevicePopulation? _minusDevices;
    /// <summary>When all devices are alike (no device-to-device spread), pulses read their parameters from one
    /// chunk-sized copy that stays in cache instead of streaming per-device arrays of identical values.</summary>
    private DevicePopulation? _plusUniform, _minusUniform;
    private readonly float[]? _exact;
    private readonly ulong _seed;
    private readonly float _lowestWeight, _highestWeight;
    /// <summary>The device state that reads as weight 0 (single devices): the model's reference, or its lower bound for a conductance.</summary>
    private readonly float _reference;
    private long _reads, _refreshes;
    /// <summary>
    /// Pulses counted per chunk (potentiating, depressing; interleaved), on top of the totals a checkpoint restored: an
    /// update gives each chunk to one worker, so each slot has one writer at a time and needs no atomic add (two
    /// workers adding to shared counters after every chunk made the cache line bounce between cores).
    /// </summary>
    private readonly long[] _chunkPulses;
    private long _restoredUp, _restoredDown;

    public DeviceArray(string name, DeviceModel model, ProgrammingStrategy strategy, float weightRange, float pulseWidth,
        ReadOnlySpan<float> initialWeights, ulong seed, bool conductance = false)
    {
        if (!(weightRange > 0)) throw new ArgumentOutOfRangeException(nameof(weightRange), "the weight range must be positive");
        Name = name;
        _model = model;
        _strategy = strategy;
        _seed = seed;
        Count = initialWeights.Length;
        _chunkPulses = new long[2 * ((Count + ChunkSize - 1) / ChunkSize)];
        Pair = conductance ? PairMode.Single : model.Spec.Pair;
        IsConductance = conductance;
        PulseWidth = pulseWidth;
        float reference = _reference = conductance ? model.Lower : model.Reference;
        float halfSpan = conductance ? model.Range : Pair == PairMode.Single ? Math.Min(model.Upper - reference, reference - model.Lower) : model.Range;
        Scale = weightRange / halfSpan;
        (_lowestWeight, _highestWeight) = Pair == PairMode.Single
            ? (Scale * (model.Lower - reference), Scale * (model.Upper - reference))
            : (-Scale * model.Range, Scale * model.Range);
        NominalChange = Scale * model.NominalStep(pulseWidth) * (Pair == PairMode.Pair ? 2f : 1f);
        if (!(NominalChange > 0)) throw new ArgumentException($"device {model.Spec.Name}: a pulse of width {pulseWidth} does not change the state");
        MaxPulsesPerUpdate = (int)Math.Min(PulsedBlocks.MaxCount, Math.Ceiling(2 * model.Range / model.NominalStep(pulseWidth)) + 1);

        var rng = new Rng(seed);
        _plusDevices = model.Populate(Count, rng);
        _plus = new float[Count];
        if (Pair != PairMode.Single)
        {
            _minusDevices = model.Populate(Count, rng);
            _minus = new float[Count];
        }
        CopyUniformDevices();
        strategy.Attach(Count);
        strategy.AttachWeights(initialWeights);
        if (strategy.IsExact) _exact = new float[Count];
        // Without read noise or quantisation a device reads the same until it is pulsed, and only pulses change
        // devices (no refresh): an update then reads back only the blocks it pulsed.
        _readsPulsedOnly = _exact is null && model.Spec.ReadNoise == 0 && model.Spec.ReadLevels <= 1 && Pair != PairMode.OneSided;
        Program(initialWeights);
    }

    private readonly bool _readsPulsedOnly;

    private void CopyUniformDevices()
    {
        (_plusUniform, _minusUniform) = (null, null);
        if (Count > 0 && _plusDevices.IsUniform && _minusDevices is null or { IsUniform: true })
        {
            _plusUniform = _plusDevices.Repeat(0, ChunkSize);
            _minusUniform = _minusDevices?.Repeat(0, ChunkSize);
        }
    }

    /// <summary>
    /// After <see cref="StateBuffers"/> were written in place (a checkpoint's restore): the per-device parameters'
    /// kernel codes and the cached copy of alike devices follow the restored values.
    /// </summary>
    public void StateRestored()
    {
        _plusDevices.Quantize();
        _minusDevices?.Quantize();
        CopyUniformDevices();
    }

    public string Name { get; }
    public string Kind => $"{_model.Spec.Name}/{_strategy.Name}";
    public DeviceModel Model => _model;
    public ProgrammingStrategy Strategy => _strategy;
    public PairMode Pair { get; }
    /// <summary>True when each value is a conductance on one device, mapped onto [0, weight range].</summary>
    public bool IsConductance { get; }
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
    public long PulsesUp => _restoredUp + SumChunkPulses(0);
    public long PulsesDown => _restoredDown + SumChunkPulses(1);

    private long SumChunkPulses(int side)
    {
        long sum = 0;
        for (int i = side; i < _chunkPulses.Length; i += 2) sum += Volatile.Read(ref _chunkPulses[i]);
        return sum;
    }

    /// <summary>Adds a chunk's pulses to its own slot (see <see cref="_chunkPulses"/>).</summary>
    private void CountPulses(int start, long up, long down)
    {
        int slot = 2 * (start / ChunkSize);
        _chunkPulses[slot] += up;
        _chunkPulses[slot + 1] += down;
    }
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
            list.AddRange(_strategy.StateBuffers.Select((b, i) => ($"{_strategy.StateName}{i}", b)));
            return list;
        }
    }

    /// <summary>The counters (pulses up, down, vector reads, refreshes, update cycles), for checkpoints.</summary>
    public long[] Counters
    {
        get => [PulsesUp, PulsesDown, VectorReads, Refreshes, UpdateCycles];
        set
        {
            (_restoredUp, _restoredDown, _reads, _refreshes, UpdateCycles) = (value[0], value[1], value[2], value[3], value[4]);
            Array.Clear(_chunkPulses);
        }
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
        float g = w / Scale, reference = _reference;
        switch (Pair)
        {
            case PairMode.Single:
                _plus[i] = _model.TwoState ? (g < 0f ? _plusDevices.Min[i] : _plusDevices.Max[i])   // a binary synapse holds one of its two states
                    : Math.Clamp(reference + g, _plusDevices.Min[i], _plusDevices.Max[i]);
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

    /// <summary>Each vector reads every device of the array once.</summary>
    public Matrix Read(Matrix weights, long vectors)
    {
        Interlocked.Add(ref _reads, vectors);
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

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
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
            // Reading back only the pulsed blocks pays when few are: a dense update reads the chunk in one pass.
            if (_readsPulsedOnly && 2 * MarkPulsedBlocks(pulses, s.Changed) < (n + 15) / 16)
            {
                Fire(pulses, widths, start, s);
                ReadPulsedBlocks(weights.Slice(start, n), start, s.Changed);
                return;
            }
            Fire(pulses, widths, start, s);
            if (Pair == PairMode.OneSided) Refresh(start, n);
        }
        Read(weights.Slice(start, n), start, s);
    }

    /// <summary>One bit per block of 16 devices with a pulse (a partial last block is always marked); returns how many are marked.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static int MarkPulsedBlocks(ReadOnlySpan<float> counts, ulong[] changed)
    {
        Array.Clear(changed);
        int n = counts.Length, blocks = n / 16, marked = 0;
        ref float c = ref MemoryMarshal.GetReference(counts);
        for (int word = 0; word * 64 < blocks; word++)
        {
            // Branch-free, in a register: whether a block is pulsed is random from block to block.
            ulong bits = 0;
            for (int b = word * 64, end = Math.Min(blocks, b + 64); b < end; b++)
            {
                ulong lanes = (~Vector512.Equals(Vector512.LoadUnsafe(ref c, (nuint)b * 16), Vector512<float>.Zero)).ExtractMostSignificantBits();
                bits |= ((lanes + 0xFFFF) >> 16) << (b & 63);
            }
            changed[word] = bits;
            marked += BitOperations.PopCount(bits);
        }
        if (blocks * 16 < n)
        {
            changed[blocks >> 6] |= 1UL << (blocks & 63);
            marked++;
        }
        return marked;
    }

    /// <summary>The weights of the marked blocks as the devices now read them (the others read as before).</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private void ReadPulsedBlocks(Span<float> weights, int start, ulong[] changed)
    {
        int n = weights.Length;
        for (int word = 0; word < changed.Length; word++)
            for (ulong bits = changed[word]; bits != 0; bits &= bits - 1)
            {
                int from = (word * 64 + BitOperations.TrailingZeroCount(bits)) * 16;
                if (from >= n) return;
                int length = Math.Min(16, n - from);
                if (Pair == PairMode.Single) ShiftScale(_plus.AsSpan(start + from, length), -_reference, Scale, weights.Slice(from, length), IsConductance);
                else DifferenceScale(_plus.AsSpan(start + from, length), _minus.AsSpan(start + from, length), Scale, weights.Slice(from, length));
            }
    }

    /// <summary>
    /// Applies the planned pulses. Models that fire whole trains (<see cref="DeviceModel.FiresTrains"/>) take every
    /// device's pulses in one pass (<see cref="FireTrains"/>). Otherwise round by round: each round gives every device with pulses left one pulse (devices
    /// are independent, so this is each device's own pulse sequence). The first round runs in place over the chunk
    /// when many devices take part; the later rounds (or all of them, when few devices are pulsed at all) run on the
    /// pulsed devices only, gathered in order of decreasing pulse count so that round r pulses a prefix of them: the
    /// cost is one pass over the chunk plus the pulses, not a pass over the chunk per round.
    /// Cycle-to-cycle noise: one draw per device of the span fired in a round (the whole chunk in the in-place round,
    /// only the gathered devices later).
    /// </summary>
    private void Fire(Span<float> pulses, ReadOnlySpan<float> widths, int start, Scratch s)
    {
        if (_model.FiresTrains)
        {
            FireTrains(pulses, widths, start, s);
            return;
        }
        int n = pulses.Length;
        var direction = s.Direction.AsSpan(0, n);
        int active = Directions(pulses, direction, MaxPulsesPerUpdate, out int rising);
        if (active == 0) return;
        long up = 0, down = 0;
        int rounds = MaxPulsesPerUpdate;
        if (active >= n / DenseFraction)
        {
            var (plusDevices, minusDevices, offset) = DevicesAt(start);
            FireRound(_plus.AsSpan(start, n), _minus is null ? default : _minus.AsSpan(start, n), direction, widths,
                plusDevices, minusDevices, offset, s);
            Tally(active, rising, ref up, ref down);
            TensorPrimitives.Subtract(pulses, direction, pulses);
            rounds--;
            active = rounds > 0 ? Directions(pulses, direction, rounds, out _) : 0;
        }
        if (active > 0) FireGathered(pulses, widths, start, active, rounds, s, ref up, ref down);
        CountPulses(start, up, down);
    }

    /// <summary>The populations and offset that pulses of the chunk at <paramref name="start"/> read their parameters from.</summary>
    private (DevicePopulation Plus, DevicePopulation? Minus, int Offset) DevicesAt(int start) => _plusUniform is not null
        ? (_plusUniform, _minusUniform, 0)
        : (_plusDevices, _minusDevices, start);

    /// <summary>
    /// Models that fire whole pulse trains (<see cref="DeviceModel.FiresTrains"/>): every device takes all its pulses
    /// in one pass over the chunk, 16 devices at a time, in registers. Counts are clipped only when the strategy's can
    /// exceed the limit; the model reports the pulses it fired.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private void FireTrains(Span<float> counts, ReadOnlySpan<float> widths, int start, Scratch s)
    {
        int n = counts.Length;
        if (_strategy.MaxPulses > MaxPulsesPerUpdate) Clip(counts, MaxPulsesPerUpdate);
        var (plusDevices, minusDevices, offset) = DevicesAt(start);
        var opposite = s.Opposite.AsSpan(0, n);
        var (pulses, rising) = _model.PulseTrains(_plus.AsSpan(start, n), Side(counts, minusSide: false, opposite), widths, plusDevices, offset, s.Random);
        if (Pair != PairMode.Single)
        {
            var (minusPulses, _) = _model.PulseTrains(_minus.AsSpan(start, n), Side(counts, minusSide: true, opposite), widths, minusDevices!, offset, s.Random);
            if (Pair == PairMode.OneSided) pulses += minusPulses;   // g⁺ took only the potentiating pulses, g⁻ the others
        }
        if (pulses == 0) return;
        long up = 0, down = 0;
        Tally(pulses, rising, ref up, ref down);
        CountPulses(start, up, down);
    }

    /// <summary>Clips the signed counts to ±<paramref name="limit"/>.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void Clip(Span<float> counts, int limit)
    {
        int n = counts.Length, i = 0;
        ref float c = ref MemoryMarshal.GetReference(counts);
        var max = Vector512.Create((float)limit);
        for (; i <= n - 16; i += 16)
            Vector512.MinNative(Vector512.MaxNative(Vector512.LoadUnsafe(ref c, (nuint)i), -max), max).StoreUnsafe(ref c, (nuint)i);
        for (; i < n; i++) Unsafe.Add(ref c, i) = Math.Clamp(Unsafe.Add(ref c, i), -(float)limit, limit);
    }

    /// <summary>
    /// A chunk fires its first round in place when at least 1/DenseFraction of its devices are pulsed: streaming the
    /// chunk is cheaper than gathering even at ~10% density (synapse bench: pulse-stochastic 3.8 → 2.2 µs per chunk
    /// going from 1/4 to always in place), so only nearly idle chunks gather from the start.
    /// </summary>
    private const int DenseFraction = 32;

    /// <summary>
    /// direction = sign(pulses) (vectorised), after clipping the counts to <paramref name="limit"/>; returns the number
    /// of devices with pulses and, in <paramref name="rising"/>, how many of them potentiate.
    /// </summary>
    private static int Directions(Span<float> pulses, Span<float> direction, int limit, out int rising)
    {
        int n = pulses.Length, active = 0, up = 0, i = 0;
        ref float p = ref MemoryMarshal.GetReference(pulses);
        ref float d = ref MemoryMarshal.GetReference(direction);
        var one = Vector512<float>.One;
        var max = Vector512.Create((float)limit);
        for (; i <= n - 16; i += 16)
        {
            var v = Vector512.MinNative(Vector512.MaxNative(Vector512.LoadUnsafe(ref p, (nuint)i), -max), max);
            v.StoreUnsafe(ref p, (nuint)i);
            var positive = Vector512.GreaterThan(v, Vector512<float>.Zero);
            var negative = Vector512.LessThan(v, Vector512<float>.Zero);
            (Vector512.ConditionalSelect(positive, one, Vector512<float>.Zero) - Vector512.ConditionalSelect(negative, one, Vector512<float>.Zero))
                .StoreUnsafe(ref d, (nuint)i);
            ulong plus = positive.ExtractMostSignificantBits(), minus = negative.ExtractMostSignificantBits();
            up += BitOperations.PopCount(plus);
            active += BitOperations.PopCount(plus | minus);
        }
        for (; i < n; i++)
        {
            float v = Math.Clamp(Unsafe.Add(ref p, i), -(float)limit, limit);
            Unsafe.Add(ref p, i) = v;
            float sign = v > 0f ? 1f : v < 0f ? -1f : 0f;
            Unsafe.Add(ref d, i) = sign;
            if (sign != 0f) active++;
            if (sign > 0f) up++;
        }
        rising = up;
        return active;
    }

    /// <summary>Counts <paramref name="pulses"/> weight pulses, <paramref name="rising"/> of them potentiating, as device pulses.</summary>
    private void Tally(long pulses, long rising, ref long up, ref long down)
    {
        switch (Pair)
        {
            case PairMode.Single:
                up += rising;
                down += pulses - rising;
                break;
            case PairMode.Pair:
                up += pulses;
                down += pulses;
                break;
            default:
                up += pulses;
                break;
        }
    }

    /// <summary>One pulse for every device of the spans whose direction is not zero (both devices of a pair).</summary>
    private void FireRound(Span<float> plus, Span<float> minus, ReadOnlySpan<float> direction, ReadOnlySpan<float> widths,
        DevicePopulation plusDevices, DevicePopulation? minusDevices, int offset, Scratch s)
    {
        int n = plus.Length;
        var opposite = s.Opposite.AsSpan(0, n);
        var noise = s.Noise.AsSpan(0, n);
        bool noisy = _model.Spec.C2c > 0;
        var noiseOrEmpty = noisy ? noise : Span<float>.Empty;
        if (noisy) s.Random.FillGaussian(noise);
        _model.Pulse(plus, Side(direction, minusSide: false, opposite), widths, plusDevices, offset, noiseOrEmpty, s.A, s.B);
        if (Pair == PairMode.Single) return;
        var towardMinus = Side(direction, minusSide: true, opposite);
        if (noisy) s.Random.FillGaussian(noise);
        _model.Pulse(minus, towardMinus, widths, minusDevices!, offset, noiseOrEmpty, s.A, s.B);
    }

    /// <summary>
    /// The signed pulses one device of the weight takes for the weight's signed pulses: a single device or g⁺ of a
    /// pair takes them as they are, g⁻ of a pair the opposite; of a one-sided pair (potentiation only), g⁺ takes the
    /// positive ones and g⁻ the magnitude of the negative ones. Written to <paramref name="buffer"/> when they differ.
    /// </summary>
    private ReadOnlySpan<float> Side(ReadOnlySpan<float> signed, bool minusSide, Span<float> buffer)
    {
        if (Pair == PairMode.OneSided)
        {
            if (minusSide)
            {
                TensorPrimitives.Min(signed, 0f, buffer);
                TensorPrimitives.Negate(buffer, buffer);
            }
            else
            {
                TensorPrimitives.Max(signed, 0f, buffer);
            }
            return buffer;
        }
        if (!minusSide) return signed;
        TensorPrimitives.Negate(signed, buffer);
        return buffer;
    }

    /// <summary>
    /// The remaining rounds on the <paramref name="active"/> devices with pulses left: gathers them (state, width,
    /// per-device parameters) sorted by decreasing pulse count, fires round r on the prefix still pulsed, scatters back.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private void FireGathered(ReadOnlySpan<float> pulses, ReadOnlySpan<float> widths, int start, int active, int rounds,
        Scratch s, ref long up, ref long down)
    {
        int n = pulses.Length;
        var index = s.Index.AsSpan(0, active);
        var counts = s.Counts.AsSpan(0, active);
        int most = 0, found = 0, i = 0;
        ref float p = ref MemoryMarshal.GetReference(pulses);
        for (; i <= n - 16; i += 16)
        {
            ulong lanes = (~Vector512.Equals(Vector512.LoadUnsafe(ref p, (nuint)i), Vector512<float>.Zero)).ExtractMostSignificantBits();
            for (; lanes != 0; lanes &= lanes - 1)
            {
                int k = i + BitOperations.TrailingZeroCount(lanes);
                int c = (int)MathF.Abs(Unsafe.Add(ref p, k));
                index[found] = k;
                counts[found++] = c;
                most = Math.Max(most, c);
            }
        }
        for (; i < n; i++)
        {
            float v = Unsafe.Add(ref p, i);
            if (v == 0f) continue;
            int c = (int)MathF.Abs(v);
            index[found] = i;
            counts[found++] = c;
            most = Math.Max(most, c);
        }
        // Order by decreasing count (none needed when every count is 1): a counting sort when counts are small, a
        // general sort otherwise. order[j] = which found device goes to slot j.
        var order = s.Order.AsSpan(0, active);
        if (most == 1)
        {
            for (int j = 0; j < active; j++) order[j] = j;
        }
        else if (most < s.Histogram.Length)
        {
            var bins = s.Histogram.AsSpan(0, most + 1);
            bins.Clear();
            foreach (int c in counts) bins[c]++;
            int position = 0;   // then the slot where the devices with count c start, from the largest count down
            for (int c = most; c >= 1; c--)
            {
                int h = bins[c];
                bins[c] = position;
                position += h;
            }
            for (int j = 0; j < active; j++) order[bins[counts[j]]++] = j;
        }
        else
        {
            var keys = s.Keys.AsSpan(0, active);
            for (int j = 0; j < active; j++)
            {
                keys[j] = -counts[j];
                order[j] = j;
            }
            keys.Sort(order);
        }
        var g = s.GatheredPlus.AsSpan(0, active);
        var gm = s.GatheredMinus.AsSpan(0, active);
        var direction = s.GatheredDirection.AsSpan(0, active);
        var width = s.GatheredWidth.AsSpan(0, active);
        var sorted = s.Sorted.AsSpan(0, active);   // chunk index of each slot
        var slotCount = s.Keys.AsSpan(0, active);  // pulse count of each slot (decreasing)
        long risingPulses = 0, allPulses = 0;
        for (int j = 0; j < active; j++)
        {
            int k = order[j];
            int c = counts[k];
            i = index[k];
            sorted[j] = i;
            slotCount[j] = c;
            float sign = pulses[i] > 0 ? 1f : -1f;
            direction[j] = sign;
            width[j] = widths[i];
            allPulses += c;
            if (sign > 0) risingPulses += c;
        }
        GatherOne(_plus, g, sorted, start);
        if (_minus is not null) GatherOne(_minus, gm, sorted, start);
        if (_plusUniform is null)
        {
            GatherDevices(_plusDevices, s.PlusDevices, sorted, start);
            if (_minusDevices is not null) GatherDevices(_minusDevices, s.MinusDevices, sorted, start);
        }
        var (plusSlots, minusSlots) = _plusUniform is null ? (s.PlusDevices, s.MinusDevices) : (_plusUniform, _minusUniform);
        Tally(allPulses, risingPulses, ref up, ref down);
        // Round r (0-based among the gathered rounds) pulses the devices with more than r pulses left: a prefix.
        for (int r = 0, j = active; r < rounds; r++)
        {
            while (j > 0 && slotCount[j - 1] <= r) j--;
            if (j == 0) break;
            FireRound(g[..j], _minus is null ? default : gm[..j], direction[..j], width[..j], plusSlots, minusSlots, 0, s);
        }
        for (int j = 0; j < active; j++) _plus[start + sorted[j]] = g[j];
        if (_minus is not null)
            for (int j = 0; j < active; j++) _minus[start + sorted[j]] = gm[j];
    }

    /// <summary>Copies the per-device parameters of the devices <paramref name="sorted"/> (chunk indices) into slots.</summary>
    private static void GatherDevices(DevicePopulation devices, DevicePopulation slots, ReadOnlySpan<int> sorted, int start)
    {
        GatherOne(devices.ScaleUp, slots.ScaleUp, sorted, start);
        GatherOne(devices.ScaleDown, slots.ScaleDown, sorted, start);
        GatherOne(devices.Min, slots.Min, sorted, start);
        GatherOne(devices.Max, slots.Max, sorted, start);
        GatherOne(devices.SlopeUp, slots.SlopeUp, sorted, start);
        GatherOne(devices.SlopeDown, slots.SlopeDown, sorted, start);
    }

    private static void GatherOne(float[] from, Span<float> to, ReadOnlySpan<int> sorted, int start)
    {
        var source = from.AsSpan(start);
        for (int j = 0; j < sorted.Length; j++) to[j] = source[sorted[j]];
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
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private void Read(Span<float> weights, int start, Scratch s)
    {
        var spec = _model.Spec;
        int n = weights.Length;
        if (_exact is not null && spec.ReadNoise == 0 && spec.ReadLevels == 0)
        {
            _exact.AsSpan(start, n).CopyTo(weights);
            return;
        }
        if (spec.ReadNoise == 0 && spec.ReadLevels <= 1)
        {
            // Noiseless, unquantised reads straight from the conductances (the same arithmetic as below, fewer passes).
            if (Pair == PairMode.Single) ShiftScale(_plus.AsSpan(start, n), -_reference, Scale, weights, IsConductance);
            else DifferenceScale(_plus.AsSpan(start, n), _minus.AsSpan(start, n), Scale, weights);
            return;
        }
        var plus = s.A.AsSpan(0, n);
        ReadDevices(_plus.AsSpan(start, n), plus, s);
        if (Pair == PairMode.Single)
        {
            TensorPrimitives.Add(plus, -_reference, plus);
        }
        else
        {
            var minus = s.B.AsSpan(0, n);
            ReadDevices(_minus.AsSpan(start, n), minus, s);
            TensorPrimitives.Subtract(plus, minus, plus);
        }
        TensorPrimitives.Multiply(plus, Scale, weights);
        if (IsConductance) TensorPrimitives.Max(weights, 0f, weights);  // a noisy read of a conductance stays ≥ 0
    }

    /// <summary>destination = (x + shift)·scale, floored at 0 for a conductance (a device whose spread bounds reach below the range's zero).</summary>
    private static void ShiftScale(ReadOnlySpan<float> x, float shift, float scale, Span<float> destination, bool nonNegative)
    {
        int n = x.Length, i = 0;
        ref float source = ref MemoryMarshal.GetReference(x);
        ref float target = ref MemoryMarshal.GetReference(destination[..n]);
        var a = Vector512.Create(shift);
        var b = Vector512.Create(scale);
        if (nonNegative)
        {
            for (; i <= n - 16; i += 16) Vector512.MaxNative((Vector512.LoadUnsafe(ref source, (nuint)i) + a) * b, Vector512<float>.Zero).StoreUnsafe(ref target, (nuint)i);
            for (; i < n; i++) Unsafe.Add(ref target, i) = Math.Max((Unsafe.Add(ref source, i) + shift) * scale, 0f);
            return;
        }
        for (; i <= n - 16; i += 16) ((Vector512.LoadUnsafe(ref source, (nuint)i) + a) * b).StoreUnsafe(ref target, (nuint)i);
        for (; i < n; i++) Unsafe.Add(ref target, i) = (Unsafe.Add(ref source, i) + shift) * scale;
    }

    /// <summary>destination = (a − b)·scale, in one pass.</summary>
    private static void DifferenceScale(ReadOnlySpan<float> a, ReadOnlySpan<float> b, float scale, Span<float> destination)
    {
        int n = a.Length, i = 0;
        ref float x = ref MemoryMarshal.GetReference(a);
        ref float y = ref MemoryMarshal.GetReference(b[..n]);
        ref float target = ref MemoryMarshal.GetReference(destination[..n]);
        var factor = Vector512.Create(scale);
        for (; i <= n - 16; i += 16)
            ((Vector512.LoadUnsafe(ref x, (nuint)i) - Vector512.LoadUnsafe(ref y, (nuint)i)) * factor).StoreUnsafe(ref target, (nuint)i);
        for (; i < n; i++) Unsafe.Add(ref target, i) = (Unsafe.Add(ref x, i) - Unsafe.Add(ref y, i)) * scale;
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
            Opposite = new float[ChunkSize], Noise = new float[ChunkSize], A = new float[ChunkSize], B = new float[ChunkSize], C = new float[ChunkSize],
            GatheredPlus = new float[ChunkSize], GatheredMinus = new float[ChunkSize], GatheredDirection = new float[ChunkSize],
            GatheredWidth = new float[ChunkSize];
        public readonly int[] Index = new int[ChunkSize], Counts = new int[ChunkSize], Order = new int[ChunkSize], Keys = new int[ChunkSize], Sorted = new int[ChunkSize],
            Histogram = new int[ChunkSize + 1];
        public readonly DevicePopulation PlusDevices = new(ChunkSize), MinusDevices = new(ChunkSize);
        public readonly ChunkRandom Random = new();
        /// <summary>A bit per block of 16 devices that an update pulsed.</summary>
        public readonly ulong[] Changed = new ulong[(ChunkSize / 16 + 1 + 63) / 64];
    }
}
