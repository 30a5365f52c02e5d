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

    public override void Plan(ReadOnlySpan<float> requested, int start, float nominal, float width, Span<float> pulses, Span<float> widths, ChunkRandom random, Span<float> scratch)
    {
        int n = requested.Length;
        var u = widths[..n];      // uniforms, then the widths
        random.FillUniform(u);
        float perPulse = 1f / (BitLength * nominal);
        // 16 devices at a time: p = min(|ΔW| / (BL·Δw_min), 1), P(0) = (1 − p)^BL (by squaring), then the count is
        // the first k with u < P(0) + … + P(k), walking P(k + 1) = P(k)·(BL − k)/(k + 1)·p/(1 − p) while any lane needs it.
        int i = 0;
        var one = Vector512<float>.One;
        var zero = Vector512<float>.Zero;
        var bits = Vector512.Create((float)BitLength);   // the count where p = 1
        for (; i <= n - 16; i += 16)
        {
            var r = Vector512.Create(requested.Slice(i, 16));
            var uniform = Vector512.Create(u.Slice(i, 16));
            var p = Vector512.Min(Vector512.Abs(r) * perPulse, one);
            var certain = Vector512.GreaterThanOrEqual(p, one);
            var probability = Vector512.ConditionalSelect(certain, zero, Power(one - p, BitLength));
            var cdf = probability;
            var going = Vector512.AndNot(Vector512.GreaterThanOrEqual(uniform, cdf), certain);
            var count = Vector512.ConditionalSelect(certain, bits, zero);
            if (going != Vector512<float>.Zero)
            {
                var ratio = p / (one - p);
                for (int k = 0; k < BitLength && going != Vector512<float>.Zero; k++)
                {
                    probability *= Vector512.Create(_binomialSteps[k]) * ratio;
                    cdf += probability;
                    count += one & going;
                    going &= Vector512.GreaterThanOrEqual(uniform, cdf);
                }
            }
            Vector512.ConditionalSelect(Vector512.LessThan(r, zero), -count, count).CopyTo(pulses.Slice(i, 16));
        }
        for (; i < n; i++)
        {
            float p = Math.Min(MathF.Abs(requested[i]) * perPulse, 1f);
            int count = Invert(BitLength, p, Power(1f - p, BitLength), u[i], _binomialSteps);
            pulses[i] = requested[i] < 0 ? -count : count;
        }
        widths.Fill(width);
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

    /// <summary>Inversion of the binomial CDF from P(0) (most devices stop at 0 or 1).</summary>
    private static int Invert(int n, float p, float probabilityOfZero, float u, float[] steps)
    {
        if (p <= 0f) return 0;
        if (p >= 1f) return n;
        float ratio = p / (1f - p), probability = probabilityOfZero, cdf = probability;
        int k = 0;
        while (u >= cdf && k < n)
        {
            probability *= steps[k] * ratio;
            cdf += probability;
            k++;
        }
        return k;
    }
}
