using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;
using OnChip.Randomness;

namespace OnChip.Devices.Programming;

/// <summary>
/// Manhattan rule / Ernoult's "Cst": one pulse of fixed width in the direction of ΔW; requests smaller than the
/// dead zone (a fraction of the nominal pulse effect) give no pulse.
/// </summary>
public sealed class SignProgramming(float deadZone) : ProgrammingStrategy
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
        widths.Fill(width);
    }
}

/// <summary>
/// Ernoult's RProp programming: per device, the pulse width grows by 1/0.99 (capped at the initial width Δt0) while
/// the sign of ΔW repeats; when it flips, the width shrinks by 0.99 and the last step is undone (a pulse of the last
/// width in the new direction), after which the next request starts afresh. The last step's width is always the
/// current width (only a flip changes the width without a pulse of it, and a flip forgets the last step), so the state
/// is two numbers per device: the width and the last step's sign (0 after a flip or before the first step).
/// </summary>
public sealed class RpropProgramming : ProgrammingStrategy
{
    public const float Grow = 1f / 0.99f, Shrink = 0.99f;
    private float[] _width = [], _lastSign = [];

    public override string Name => "rprop";
    public override void Attach(int count)
    {
        _width = new float[count];
        _lastSign = new float[count];
    }

    public override IReadOnlyList<float[]> StateBuffers => [_width, _lastSign];

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public override void Plan(ReadOnlySpan<float> requested, int start, float nominal, float width, Span<float> pulses, Span<float> widths, ChunkRandom random, Span<float> scratch)
    {
        int n = requested.Length, i = 0;
        if (pulses.Length < n || widths.Length < n || start + n > _width.Length) throw new ArgumentException("spans shorter than the chunk");
        var initial = Vector512.Create(width);
        var zero = Vector512<float>.Zero;
        ref float current = ref _width[start];
        ref float lastSign = ref _lastSign[start];
        ref float request = ref MemoryMarshal.GetReference(requested);
        ref float pulse = ref MemoryMarshal.GetReference(pulses);
        ref float pulseWidth = ref MemoryMarshal.GetReference(widths);
        for (; i <= n - 16; i += 16)
        {
            nuint k = (nuint)i;
            var w = Vector512.LoadUnsafe(ref current, k);
            w = Vector512.ConditionalSelect(Vector512.Equals(w, zero), initial, w);   // first use: Δt0
            var sign = SignProgramming.Sign(Vector512.LoadUnsafe(ref request, k));
            var last = Vector512.LoadUnsafe(ref lastSign, k);
            var none = Vector512.Equals(sign, zero);
            var flip = Vector512.AndNot(Vector512.Equals(sign, -last), none);
            var repeat = Vector512.AndNot(Vector512.Equals(sign, last), none);
            var grown = Vector512.ConditionalSelect(repeat, Vector512.MinNative(w * Grow, initial), w);
            Vector512.ConditionalSelect(flip, w * Shrink, grown).StoreUnsafe(ref current, k);
            sign.StoreUnsafe(ref pulse, k);
            grown.StoreUnsafe(ref pulseWidth, k);   // a flip undoes the last step with its width, w
            Vector512.ConditionalSelect(none, last, Vector512.ConditionalSelect(flip, zero, sign)).StoreUnsafe(ref lastSign, k);
        }
        for (; i < n; i++)
        {
            ref float w = ref Unsafe.Add(ref current, i);
            ref float last = ref Unsafe.Add(ref lastSign, i);
            if (w == 0f) w = width;  // first use: Δt0
            float sign = MathF.Sign(Unsafe.Add(ref request, i));
            Unsafe.Add(ref pulse, i) = sign;
            Unsafe.Add(ref pulseWidth, i) = w;
            if (sign == 0f) continue;
            if (sign == -last)
            {
                w *= Shrink;
                last = 0f;
                continue;
            }
            if (sign == last) w = Math.Min(w * Grow, width);
            Unsafe.Add(ref pulseWidth, i) = w;
            last = sign;
        }
    }
}

/// <summary>
/// Mixed precision (Nandakumar et al. 2020): ΔW accumulates in a digital per-device accumulator χ; when |χ| reaches
/// the threshold (in nominal pulses) the whole pulses n = trunc(χ/Δw_min) are transferred and χ ← χ − n·Δw_min.
/// </summary>
public sealed class MixedPrecisionProgramming(float threshold) : ProgrammingStrategy
{
    private float[] _accumulator = [];
    public override string Name => "mixed-precision";
    public float Threshold { get; } = threshold >= 1f ? threshold : throw new ArgumentOutOfRangeException(nameof(threshold), "the threshold is at least one pulse");

    public override void Attach(int count) => _accumulator = new float[count];
    public override IReadOnlyList<float[]> StateBuffers => [_accumulator];

    public override void Plan(ReadOnlySpan<float> requested, int start, float nominal, float width, Span<float> pulses, Span<float> widths, ChunkRandom random, Span<float> scratch)
    {
        int n = requested.Length, i = 0;
        var accumulator = _accumulator.AsSpan(start, n);
        var step = Vector512.Create(nominal);
        var threshold = Vector512.Create(Threshold * nominal);
        for (; i <= n - 16; i += 16)
        {
            var chi = Vector512.Create(accumulator.Slice(i, 16)) + Vector512.Create(requested.Slice(i, 16));
            var whole = Vector512.ConditionalSelect(Vector512.GreaterThanOrEqual(Vector512.Abs(chi), threshold),
                Vector512.Truncate(chi / step), Vector512<float>.Zero);
            (chi - whole * step).CopyTo(accumulator.Slice(i, 16));
            whole.CopyTo(pulses.Slice(i, 16));
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
