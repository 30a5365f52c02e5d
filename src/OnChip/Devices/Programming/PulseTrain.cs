using System.Numerics;
using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using OnChip.Randomness;

namespace OnChip.Devices.Programming;

/// <summary>
/// Stochastic pulse trains (Gokmen &amp; Vlasov 2016): over BL time slots a device is pulsed when its row and column
/// pulses coincide, so its pulse count is Binomial(BL, p) with p = |ΔW| / (BL·Δw_min) (capped at 1), signed as ΔW:
/// the expected change equals the requested one. The seam hands devices the dense ΔW, not its row/column factors,
/// so each device draws its own count: the same per-device distribution as the crossbar scheme, without the
/// correlations between devices that share a row or a column.
/// </summary>
public sealed class PulseTrain(int bitLength) : ProgrammingStrategy
{
    public override string Name => "pulse-train";
    public int BitLength { get; } = bitLength >= 1 ? bitLength : throw new ArgumentOutOfRangeException(nameof(bitLength), "BL must be at least 1");

    /// <summary>(BL − k)/(k + 1) for k = 0 … BL − 1: P(k + 1)/P(k) = this·p/(1 − p), without a division per step.</summary>
    private readonly float[] _binomialSteps = Enumerable.Range(0, Math.Max(bitLength, 1)).Select(k => (float)((bitLength - k) / (k + 1.0))).ToArray();

    /// <summary>Inversion steps taken for every lane before the loop starts asking whether any lane is still going:
    /// a fixed trip count keeps the branch predictable, so the chains of neighbouring blocks overlap.</summary>
    private const int FirstSteps = 3;

    /// <summary>Below this, a term past the mean can no longer move the float CDF (its ulp near 1 is 6e-8).</summary>
    private const float Negligible = 6e-8f;

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public override void Plan(ReadOnlySpan<float> requested, int start, float nominal, float width, Span<float> pulses, Span<float> widths, ChunkRandom random, Span<float> scratch)
    {
        int n = requested.Length;
        var u = widths[..n];      // uniforms, then the widths
        random.FillUniform(u);
        float perPulse = 1f / (BitLength * nominal);
        // 16 devices at a time: p = min(|ΔW| / (BL·Δw_min), 1); for p > ½ the count is BL minus a Binomial(BL, 1 − p)
        // draw, so that P(0) = q^BL (q = min(p, 1 − p), by squaring) never underflows. Then the count is the first k
        // with u < P(0) + … + P(k), walking P(k + 1) = P(k)·(BL − k)/(k + 1)·q/(1 − q); a lane stops early once its
        // terms, past the mean, are too small to change the float sum (else u just below 1 could walk to BL).
        int i = 0;
        var one = Vector512<float>.One;
        var zero = Vector512<float>.Zero;
        var half = Vector512.Create(0.5f);
        var bits = Vector512.Create((float)BitLength);
        var negligible = Vector512.Create(Negligible);
        int firstSteps = Math.Min(FirstSteps, BitLength);
        for (; i <= n - 16; i += 16)
        {
            var r = Vector512.Create(requested.Slice(i, 16));
            var uniform = Vector512.Create(u.Slice(i, 16));
            var p = Vector512.Min(Vector512.Abs(r) * perPulse, one);
            var mirrored = Vector512.GreaterThan(p, half);
            var q = Vector512.ConditionalSelect(mirrored, one - p, p);
            var mean = bits * q;
            var probability = Power(one - q, BitLength);
            var cdf = probability;
            var going = Vector512.GreaterThanOrEqual(uniform, cdf);
            var count = zero;
            var ratio = q / (one - q);
            var step = zero;   // k as a float
            for (int k = 0; k < firstSteps; k++)
                Advance(ref probability, ref cdf, ref count, ref going, ref step, _binomialSteps[k], ratio, uniform, mean, negligible);
            for (int k = firstSteps; k < BitLength && going != zero; k++)
                Advance(ref probability, ref cdf, ref count, ref going, ref step, _binomialSteps[k], ratio, uniform, mean, negligible);
            count = Vector512.ConditionalSelect(mirrored, bits - count, count);
            Vector512.ConditionalSelect(Vector512.LessThan(r, zero), -count, count).CopyTo(pulses.Slice(i, 16));
        }
        for (; i < n; i++)
        {
            float p = Math.Min(MathF.Abs(requested[i]) * perPulse, 1f);
            bool mirrored = p > 0.5f;
            float q = mirrored ? 1f - p : p;
            int count = Invert(BitLength, q, Power(1f - q, BitLength), u[i], _binomialSteps);
            if (mirrored) count = BitLength - count;
            pulses[i] = requested[i] < 0 ? -count : count;
        }
        widths.Fill(width);
    }

    /// <summary>One inversion step for 16 lanes: the lanes still going take term k + 1 and count one more.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void Advance(ref Vector512<float> probability, ref Vector512<float> cdf, ref Vector512<float> count, ref Vector512<float> going,
        ref Vector512<float> k, float binomialStep, Vector512<float> ratio, Vector512<float> uniform, Vector512<float> mean, Vector512<float> negligible)
    {
        probability *= Vector512.Create(binomialStep) * ratio;
        cdf += probability;
        count += Vector512<float>.One & going;
        k += Vector512<float>.One;
        var exhausted = Vector512.GreaterThan(k, mean) & Vector512.LessThan(probability, negligible);
        going = Vector512.AndNot(going & Vector512.GreaterThanOrEqual(uniform, cdf), exhausted);
    }

    /// <summary>x^e by repeated squaring (a few float roundings; cheaper than exp(e·ln x)).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector512<float> Power(Vector512<float> x, int e)
    {
        var result = Vector512<float>.One;
        for (; e > 0; e >>= 1)
        {
            if ((e & 1) != 0) result *= x;
            x *= x;
        }
        return result;
    }

    private static float Power(float x, int e)
    {
        float result = 1f;
        for (; e > 0; e >>= 1)
        {
            if ((e & 1) != 0) result *= x;
            x *= x;
        }
        return result;
    }

    /// <summary>Inversion of the binomial CDF from P(0), p ≤ ½ (most devices stop at 0 or 1).</summary>
    private static int Invert(int n, float p, float probabilityOfZero, float u, float[] steps)
    {
        if (p <= 0f) return 0;
        float ratio = p / (1f - p), probability = probabilityOfZero, cdf = probability, mean = n * p;
        int k = 0;
        while (u >= cdf && k < n)
        {
            probability *= steps[k] * ratio;
            cdf += probability;
            k++;
            if (k > mean && probability < Negligible) break;
        }
        return k;
    }
}
