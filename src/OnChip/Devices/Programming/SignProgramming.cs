using OnChip.Randomness;

namespace OnChip.Devices.Programming;

/// <summary>
/// Manhattan rule / Ernoult's "Cst": one pulse of fixed width in the direction of ΔW; requests smaller than the
/// dead zone (a fraction of the nominal pulse effect) give no pulse.
/// </summary>
public sealed class SignProgramming(float deadZone) : ProgrammingStrategy
{
    public override string Name => "sign";
    public float DeadZone { get; } = deadZone;

    public override void Plan(ReadOnlySpan<float> requested, int start, float nominal, float width, Span<float> pulses, Span<float> widths, ChunkRandom random, Span<float> scratch)
    {
        float zone = DeadZone * nominal;
        for (int i = 0; i < requested.Length; i++)
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
        for (int i = 0; i < requested.Length; i++)
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
        for (int i = 0; i < requested.Length; i++)
        {
            int d = start + i;
            float chi = _accumulator[d] + requested[i];
            float n = MathF.Abs(chi) >= Threshold * nominal ? MathF.Truncate(chi / nominal) : 0f;
            _accumulator[d] = chi - n * nominal;
            pulses[i] = n;
        }
        widths.Fill(width);
    }
}
