using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;
using OnChip.Randomness;

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
    public override int MaxPulses => 1;

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
        widths.Fill(width);
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
    public override int MaxPulses => 1;
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
/// the threshold (in nominal pulses) the whole pulses n = trunc(χ/Δw_min) are transferred and χ ← χ − n·Δw_min.
/// </summary>
internal sealed class MixedPrecisionProgramming(float threshold) : ProgrammingStrategy
{
    private float[] _accumulator = [];
    public override string Name => "mixed-precision";
    public float Threshold { get; } = threshold >= 1f ? threshold : throw new ArgumentOutOfRangeException(nameof(threshold), "the threshold is at least one pulse");

    public override void Attach(int count) => _accumulator = new float[count];
    public override IReadOnlyList<float[]> StateBuffers => [_accumulator];

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public override void Plan(ReadOnlySpan<float> requested, int start, float nominal, float width, Span<float> pulses, Span<float> widths, ChunkRandom random, Span<float> scratch)
    {
        int n = requested.Length, i = 0;
        var accumulator = _accumulator.AsSpan(start, n);
        if (pulses.Length < n) throw new ArgumentException("pulses is shorter than the request");
        var step = Vector512.Create(nominal);
        var threshold = Vector512.Create(Threshold * nominal);
        ref float acc = ref MemoryMarshal.GetReference(accumulator);
        ref float req = ref MemoryMarshal.GetReference(requested);
        ref float planned = ref MemoryMarshal.GetReference(pulses);
        for (; i <= n - 16; i += 16)
        {
            var chi = Vector512.LoadUnsafe(ref acc, (nuint)i) + Vector512.LoadUnsafe(ref req, (nuint)i);
            var whole = Vector512.ConditionalSelect(Vector512.GreaterThanOrEqual(Vector512.Abs(chi), threshold),
                Vector512.Truncate(chi / step), Vector512<float>.Zero);
            (chi - whole * step).StoreUnsafe(ref acc, (nuint)i);
            whole.StoreUnsafe(ref planned, (nuint)i);
        }
        for (; i < n; i++)
        {
            float chi = accumulator[i] + requested[i];
            float count = MathF.Abs(chi) >= Threshold * nominal ? MathF.Truncate(chi / nominal) : 0f;
            accumulator[i] = chi - count * nominal;
            pulses[i] = count;
        }
        widths.Fill(width);
    }
}
