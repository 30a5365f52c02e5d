using OnChip.Randomness;

namespace OnChip.Devices.Programming;

/// <summary>
/// Binary EP's flip rule (Laydevant, Ernoult, Querlioz &amp; Grollier 2021), as a programming strategy for two-state
/// synapses: each device keeps a filtered update m ← (1 − γ)·m + γ·ĝ and is flipped (one pulse towards the other
/// state) when the update points against its sign by more than τ: −sign(W)·m &gt; τ. m is kept across a flip (as in
/// Bop). ĝ is the optimizer's request divided by the layer's base learning rate (<paramref name="requestScale"/> =
/// 1/lr), so with plain SGD it is the EP update itself and γ, τ are the paper's whatever --lr the (real) biases use.
/// The device's sign is tracked here from the initial weights and the flips made.
/// </summary>
internal sealed class FlipProgramming(float gamma, float threshold, float requestScale = 1f) : ProgrammingStrategy
{
    private float[] _filtered = [], _sign = [];

    public override string Name => "flip";
    public float Gamma { get; } = gamma > 0f && gamma <= 1f ? gamma : throw new ArgumentOutOfRangeException(nameof(gamma), "the flip filter's γ must be in (0, 1]");
    public float Threshold { get; } = threshold >= 0f ? threshold : throw new ArgumentOutOfRangeException(nameof(threshold), "the flip threshold τ must be ≥ 0");
    public override string StateName => "flip";
    public override IReadOnlyList<float[]> StateBuffers => [_filtered, _sign];

    public override void Attach(int count) => (_filtered, _sign) = (new float[count], new float[count]);

    public override void AttachWeights(ReadOnlySpan<float> initialWeights)
    {
        for (int i = 0; i < initialWeights.Length; i++) _sign[i] = initialWeights[i] < 0f ? -1f : 1f;
    }

    public override void Plan(ReadOnlySpan<float> requested, int start, float nominal, float width, Span<float> pulses, Span<float> widths, ChunkRandom random, Span<float> scratch)
    {
        var m = _filtered.AsSpan(start, requested.Length);
        var sign = _sign.AsSpan(start, requested.Length);
        float keep = 1f - Gamma, rate = Gamma * requestScale;
        for (int i = 0; i < requested.Length; i++)
        {
            float filtered = m[i] = keep * m[i] + rate * requested[i];
            if (-sign[i] * filtered > Threshold)
            {
                sign[i] = -sign[i];
                pulses[i] = sign[i];   // one pulse towards the new sign
            }
            else pulses[i] = 0f;
        }
    }
}
