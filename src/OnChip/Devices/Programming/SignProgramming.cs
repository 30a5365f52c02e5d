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
/// width in the new direction), after which the next request starts afresh.
/// </summary>
public sealed class RpropProgramming : ProgrammingStrategy
{
    public const float Grow = 1f / 0.99f, Shrink = 0.99f;
    private float[] _width = [], _lastSign = [], _lastWidth = [];

    public override string Name => "rprop";
    public override void Attach(int count)
    {
        _width = new float[count];
        _lastSign = new float[count];
        _lastWidth = new float[count];
    }

    public override IReadOnlyList<float[]> StateBuffers => [_width, _lastSign, _lastWidth];

    public override void Plan(ReadOnlySpan<float> requested, int start, float nominal, float width, Span<float> pulses, Span<float> widths, ChunkRandom random, Span<float> scratch)
    {
        int n = requested.Length, i = 0;
        var initial = Vector512.Create(width);
        var zero = Vector512<float>.Zero;
        var current = _width.AsSpan(start, n);
        var lastSign = _lastSign.AsSpan(start, n);
        var lastWidth = _lastWidth.AsSpan(start, n);
        for (; i <= n - 16; i += 16)
        {
            var w = Vector512.Create(current.Slice(i, 16));
            w = Vector512.ConditionalSelect(Vector512.Equals(w, zero), initial, w);   // first use: Δt0
            var sign = SignProgramming.Sign(Vector512.Create(requested.Slice(i, 16)));
            var last = Vector512.Create(lastSign.Slice(i, 16));
            var lastW = Vector512.Create(lastWidth.Slice(i, 16));
            var none = Vector512.Equals(sign, zero);
            var flip = Vector512.AndNot(Vector512.Equals(sign, -last), none);
            var repeat = Vector512.AndNot(Vector512.Equals(sign, last), none);
            var next = Vector512.ConditionalSelect(flip, w * Shrink, Vector512.ConditionalSelect(repeat, Vector512.Min(w * Grow, initial), w));
            next.CopyTo(current.Slice(i, 16));
            sign.CopyTo(pulses.Slice(i, 16));
            Vector512.ConditionalSelect(none, w, Vector512.ConditionalSelect(flip, lastW, next)).CopyTo(widths.Slice(i, 16));
            Vector512.ConditionalSelect(none, last, Vector512.ConditionalSelect(flip, zero, sign)).CopyTo(lastSign.Slice(i, 16));
            Vector512.ConditionalSelect(none | flip, lastW, next).CopyTo(lastWidth.Slice(i, 16));
        }
        for (; i < n; i++)
        {
            int d = start + i;
            if (_width[d] == 0f) _width[d] = width;  // first use: Δt0
            float sign = MathF.Sign(requested[i]);
            if (sign == 0f)
            {
                pulses[i] = 0f;
                widths[i] = _width[d];
                continue;
            }
            if (sign == -_lastSign[d])
            {
                _width[d] *= Shrink;
                pulses[i] = sign;
                widths[i] = _lastWidth[d];
                _lastSign[d] = 0f;
                continue;
            }
            if (sign == _lastSign[d]) _width[d] = Math.Min(_width[d] * Grow, width);
            pulses[i] = sign;
            widths[i] = _width[d];
            _lastSign[d] = sign;
            _lastWidth[d] = _width[d];
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
