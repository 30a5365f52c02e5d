using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;
using OnChip.Randomness;
using OnChip.Tensors;

namespace OnChip.Devices.Programming;

/// <summary>
/// Manhattan rule / Ernoult's "Cst": one pulse of fixed width in the direction of ΔW; requests smaller than the
/// dead zone (a fraction of the nominal pulse effect) give no pulse.
/// </summary>
internal sealed class SignProgramming(float deadZone) : ProgrammingStrategy
{
    /// <summary>sign(x) lane by lane (0 for 0).</summary>
    internal static Vector512<float> Sign(Vector512<float> x) =>
        Vector512.ConditionalSelect(Vector512.GreaterThan(x, Vector512<float>.Zero), Vector512<float>.One, Vector512<float>.Zero)
        - Vector512.ConditionalSelect(Vector512.LessThan(x, Vector512<float>.Zero), Vector512<float>.One, Vector512<float>.Zero);

    public override string Name => "sign";
    public float DeadZone { get; } = deadZone;

    public override void Plan(ReadOnlySpan<float> requested, int start, float nominal, float width, Span<float> pulses, Span<float> widths, ChunkRandom random, Span<float> scratch)
    {
        float zone = DeadZone * nominal;
        int n = requested.Length, i = 0;
        var limit = Vector512.Create(zone);
        for (; i <= n - 16; i += 16)
        {
            var r = Vector512.Create(requested.Slice(i, 16));
            var outside = Vector512.GreaterThan(Vector512.Abs(r), limit);
            (Vector512.ConditionalSelect(outside, Sign(r), Vector512<float>.Zero)).CopyTo(pulses.Slice(i, 16));
        }
        for (; i < n; i++)
        {
            float r = requested[i];
            pulses[i] = MathF.Abs(r) > zone ? MathF.Sign(r) : 0f;
        }
    }
}

/// <summary>
/// Ernoult's RProp programming: per device, the pulse width grows by 1/0.99 (capped at the initial width Δt0) while
/// the sign of ΔW repeats; when it flips, the width shrinks by 0.99 and the last step is undone (a pulse of the last
/// width in the new direction), after which the next request starts afresh.
/// The last step's width is always the current width (only a flip changes the width without a pulse of it, and a
/// flip forgets the last step), so one float per device holds the state: ±w after a step up or down, and w·2^64 when
/// there is no last step (before the first, or after a flip), told apart by exceeding Δt0 (scaling by a power of two
/// is exact). Widths stop shrinking at Δt0·2^-60, which keeps that reading unambiguous. One float instead of a width
/// and a sign halves the state this rule streams through memory at every update.
/// </summary>
internal sealed class RpropProgramming : ProgrammingStrategy
{
    public const float Grow = 1f / 0.99f, Shrink = 0.99f;
    private const float Fresh = 18446744073709551616f, Unfresh = 1f / 18446744073709551616f;   // 2^64, 2^-64
    private const float Narrowest = 1f / 1152921504606846976f;   // 2^-60, in units of Δt0
    private float[] _state = [];

    public override string Name => "rprop";
    public override bool VariesWidth => true;
    public override void Attach(int count) => _state = new float[count];

    /// <summary>The one-float state has its own name, so that checkpoints of the former width-and-sign state fail clearly.</summary>
    public override string StateName => "rprop";
    public override IReadOnlyList<float[]> StateBuffers => [_state];

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public override void Plan(ReadOnlySpan<float> requested, int start, float nominal, float width, Span<float> pulses, Span<float> widths, ChunkRandom random, Span<float> scratch)
    {
        int n = requested.Length, i = 0;
        if (pulses.Length < n || widths.Length < n || start + n > _state.Length) throw new ArgumentException("spans shorter than the chunk");
        ref float state = ref _state[start];
        ref float request = ref MemoryMarshal.GetReference(requested);
        ref float pulse = ref MemoryMarshal.GetReference(pulses);
        ref float pulseWidth = ref MemoryMarshal.GetReference(widths);
        for (; i <= n - 16; i += 16)
        {
            nuint k = (nuint)i;
            var (next, sign, w) = Step(Vector512.LoadUnsafe(ref state, k), Vector512.LoadUnsafe(ref request, k), width);
            next.StoreUnsafe(ref state, k);
            sign.StoreUnsafe(ref pulse, k);
            w.StoreUnsafe(ref pulseWidth, k);
        }
        for (; i < n; i++)
        {
            // The same arithmetic in one lane.
            var (next, sign, w) = Step(Vector512.Create(Unsafe.Add(ref state, i)), Vector512.Create(Unsafe.Add(ref request, i)), width);
            Unsafe.Add(ref state, i) = next.ToScalar();
            Unsafe.Add(ref pulse, i) = sign.ToScalar();
            Unsafe.Add(ref pulseWidth, i) = w.ToScalar();
        }
    }

    /// <summary>One request for 16 devices: their next states, the pulses' signs and widths.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static (Vector512<float> State, Vector512<float> Sign, Vector512<float> Width) Step(Vector512<float> s, Vector512<float> requested, float initial)
    {
        var zero = Vector512<float>.Zero;
        var start = Vector512.Create(initial);
        var magnitude = Vector512.Abs(s);
        var unused = Vector512.Equals(s, zero);   // never stepped: width Δt0
        var fresh = Vector512.GreaterThan(magnitude, start) | unused;   // no last step
        var w = Vector512.ConditionalSelect(unused, start,
            Vector512.ConditionalSelect(fresh, magnitude * Vector512.Create(Unfresh), magnitude));
        var last = Vector512.AndNot(SignProgramming.Sign(s), fresh);
        var sign = SignProgramming.Sign(requested);
        var none = Vector512.Equals(sign, zero);
        var flip = Vector512.AndNot(Vector512.Equals(sign, -last), none | fresh);
        var repeat = Vector512.AndNot(Vector512.Equals(sign, last), none | fresh);
        var grown = Vector512.ConditionalSelect(repeat, Vector512.MinNative(w * Grow, start), w);   // a flip's pulse has the width w
        var shrunk = Vector512.MaxNative(w * Shrink, start * Vector512.Create(Narrowest));
        var next = Vector512.ConditionalSelect(none, s,
            Vector512.ConditionalSelect(flip, shrunk * Vector512.Create(Fresh), sign * grown));
        return (next, sign, grown);
    }
}

/// <summary>
/// Mixed precision (Nandakumar et al. 2020): ΔW accumulates in a digital per-device accumulator χ; when |χ| reaches
/// the threshold T (in nominal pulses Δw) the whole pulses n = trunc(χ/Δw) are transferred and χ ← χ − n·Δw.
/// The accumulator is 16-bit fixed point: after every update |χ| &lt; T·Δw (below the threshold nothing is transferred;
/// above it the remainder is less than one pulse), so χ is kept as a signed 16-bit code q with χ = q·u, u = T·Δw/32767,
/// rounded to the nearest code: a resolution of Δw/32767 for T = 1, far below any request that moves a device, for
/// half the bytes a 32-bit accumulator streams through memory at every update. The sum and the transfer are computed
/// in single precision as before; only the stored remainder is rounded.
/// </summary>
internal sealed class MixedPrecisionProgramming(float threshold) : ProgrammingStrategy
{
    /// <summary>The largest code: |χ| &lt; T·Δw = Levels·u.</summary>
    public const float Levels = 32767f;
    /// <summary>The codes, two per float (checkpoints save the buffer's bits as they are).</summary>
    private float[] _packed = [];
    private int _count;
    public override string Name => "mixed-precision";
    public float Threshold { get; } = threshold >= 1f ? threshold : throw new ArgumentOutOfRangeException(nameof(threshold), "the threshold is at least one pulse");

    public override void Attach(int count)
    {
        _count = count;
        _packed = new float[(count + 1) / 2];
    }

    public override IReadOnlyList<float[]> StateBuffers => [_packed];

    /// <summary>The 16-bit accumulators have their own name, so that checkpoints of the former 32-bit ones fail clearly.</summary>
    public override string StateName => "mp16-";

    private Span<short> Codes => MemoryMarshal.Cast<float, short>(_packed.AsSpan())[.._count];

    /// <summary>Device <paramref name="index"/>'s accumulator χ, for an array whose pulses change the weight by <paramref name="nominal"/>.</summary>
    public float Accumulated(int index, float nominal) => Codes[index] * Unit(nominal);

    private float Unit(float nominal) => Threshold * nominal / Levels;

    public override void Plan(ReadOnlySpan<float> requested, int start, float nominal, float width, Span<float> pulses, Span<float> widths, ChunkRandom random, Span<float> scratch) =>
        Accumulate(requested, start, nominal, pulses, found: null, 0);

    /// <summary>The transfers, clipped and listed as they are written (one pass over the counts instead of two).</summary>
    public override void PlanListed(ReadOnlySpan<float> requested, int start, float nominal, float width, Span<float> pulses,
        Span<float> widths, ChunkRandom random, Span<float> scratch, PulsedBlocks found, int limit)
    {
        PulsedBlocks.CheckLimit(limit);
        if (requested.Length / 16 > PulsedBlocks.SumSpan) base.PlanListed(requested, start, nominal, width, pulses, widths, random, scratch, found, limit);
        else Accumulate(requested, start, nominal, pulses, found, limit);
    }

    /// <summary>Accumulates and transfers; with <paramref name="found"/>, also clips the counts to ±<paramref name="limit"/> and lists their whole blocks.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private void Accumulate(ReadOnlySpan<float> requested, int start, float nominal, Span<float> pulses, PulsedBlocks? found, int limit)
    {
        int n = requested.Length, i = 0;
        var accumulator = Codes.Slice(start, n);
        if (pulses.Length < n) throw new ArgumentException("pulses is shorter than the request");
        float unit = Unit(nominal), perUnit = Levels / (Threshold * nominal), threshold = Threshold * nominal;
        ref short acc = ref MemoryMarshal.GetReference(accumulator);
        ref float req = ref MemoryMarshal.GetReference(requested);
        ref float planned = ref MemoryMarshal.GetReference(pulses);
        int ahead = Math.Min(n, _count - start - n);   // the following chunk (an update goes through a tensor's chunks in order)
        bool listing = found is not null;
        found?.Reserve(n / 16);
        ref int pulsedMasks = ref listing ? ref found!.PulsedMasks : ref Unsafe.NullRef<int>();
        ref int longerMasks = ref listing ? ref found!.LongerMasks : ref Unsafe.NullRef<int>();
        var (all, net) = (Vector512<int>.Zero, Vector512<int>.Zero);   // at most SumSpan blocks: one set of lane sums
        var most = Vector512.Create((float)limit);
        if (Vector512.IsHardwareAccelerated)
        {
            var step = Vector512.Create(nominal);
            var reach = Vector512.Create(threshold);
            var u = Vector512.Create(unit);
            var toCodes = Vector512.Create(perUnit);
            var levels = Vector512.Create(Levels);
            for (; i <= n - 32; i += 32)
            {
                // The following chunk's accumulators into L2, a line per step: they arrive while this chunk's pulses are
                // fired and the next requests are computed, without a burst of requests that stalls.
                if (i < ahead) CacheHints.ToL2(in acc, (nuint)(i + n));
                var codes = Vector512.LoadUnsafe(ref acc, (nuint)i);
                var (low, high) = Vector512.Widen(codes);
                var lower = Transfer(Vector512.ConvertToSingle(low), Vector512.LoadUnsafe(ref req, (nuint)i), step, reach, u, toCodes, levels, out var wholeLow);
                var upper = Transfer(Vector512.ConvertToSingle(high), Vector512.LoadUnsafe(ref req, (nuint)i + 16), step, reach, u, toCodes, levels, out var wholeHigh);
                if (listing)
                {
                    wholeLow = Vector512.MinNative(Vector512.MaxNative(wholeLow, -most), most);
                    wholeHigh = Vector512.MinNative(Vector512.MaxNative(wholeHigh, -most), most);
                    PulsedBlocks.Tally(wholeLow, i >> 4, ref all, ref net, ref pulsedMasks, ref longerMasks);
                    PulsedBlocks.Tally(wholeHigh, (i >> 4) + 1, ref all, ref net, ref pulsedMasks, ref longerMasks);
                }
                wholeLow.StoreUnsafe(ref planned, (nuint)i);
                wholeHigh.StoreUnsafe(ref planned, (nuint)i + 16);
                // The remainders are whole and clamped to ±Levels: the plain conversion is exact.
                Vector512.Narrow(Vector512.ConvertToInt32Native(lower), Vector512.ConvertToInt32Native(upper)).StoreUnsafe(ref acc, (nuint)i);
            }
        }
        for (int j = i; j < n; j++)
        {
            // The same arithmetic in one lane.
            float chi = Unsafe.Add(ref acc, j) * unit + Unsafe.Add(ref req, j);
            float count = MathF.Abs(chi) >= threshold ? MathF.Truncate(chi / nominal) : 0f;
            float code = Math.Clamp(MathF.Round((chi - count * nominal) * perUnit), -Levels, Levels);
            Unsafe.Add(ref acc, j) = (short)code;
            Unsafe.Add(ref planned, j) = count;
        }
        if (!listing) return;
        for (int block = i / 16; block < n / 16; block++)
        {
            // The whole blocks the lanes above wrote, clipped like the others.
            var counts = Vector512.MinNative(Vector512.MaxNative(Vector512.LoadUnsafe(ref planned, (nuint)block * 16), -most), most);
            counts.StoreUnsafe(ref planned, (nuint)block * 16);
            PulsedBlocks.Tally(counts, block, ref all, ref net, ref pulsedMasks, ref longerMasks);
        }
        found!.Found(n / 16, PulsedBlocks.Sum(all), PulsedBlocks.Sum(net));
    }

    /// <summary>16 accumulators (as codes) plus their requests: the whole pulses to transfer, and the remainders as codes (integral floats).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector512<float> Transfer(Vector512<float> codes, Vector512<float> requested, Vector512<float> step, Vector512<float> threshold,
        Vector512<float> unit, Vector512<float> toCodes, Vector512<float> most, out Vector512<float> whole)
    {
        var chi = codes * unit + requested;
        whole = Vector512.ConditionalSelect(Vector512.GreaterThanOrEqual(Vector512.Abs(chi), threshold), Vector512.Truncate(chi / step), Vector512<float>.Zero);
        var remainder = Vector512.Round((chi - whole * step) * toCodes);
        return Vector512.MinNative(Vector512.MaxNative(remainder, -most), most);
    }
}
