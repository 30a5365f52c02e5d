using System.Numerics;
using System.Numerics.Tensors;
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

    public override void Plan(ReadOnlySpan<float> requested, int start, float nominal, float width, Span<float> pulses, Span<float> widths, ChunkRandom random, Span<float> scratch)
    {
        int n = requested.Length;
        var p = scratch[..n];
        var none = pulses[..n];   // P(0 coincidences) = (1 − p)^BL, then the counts
        var u = widths[..n];      // uniforms, then the widths
        // Vectorised: p = min(|ΔW| / (BL·Δw_min), 1) and (1 − p)^BL = exp(BL·ln(1 − p)).
        TensorPrimitives.Abs(requested, p);
        TensorPrimitives.Multiply(p, 1f / (BitLength * nominal), p);
        TensorPrimitives.Min(p, 1f, p);
        TensorPrimitives.Negate(p, none);
        TensorPrimitives.Add(none, 1f, none);
        TensorPrimitives.Log(none, none);
        TensorPrimitives.Multiply(none, BitLength, none);
        TensorPrimitives.Exp(none, none);
        random.FillUniform(u);
        // Most devices get no pulse (u < P(0)): settle 16 at a time, invert the CDF only for the others.
        int i = 0;
        for (; i <= n - 16; i += 16)
        {
            var zero = Vector512.Create(none.Slice(i, 16));   // none and pulses share memory: keep P(0) here
            ulong lanes = Vector512.GreaterThanOrEqual(Vector512.Create(u.Slice(i, 16)), zero).ExtractMostSignificantBits();
            Vector512<float>.Zero.CopyTo(pulses.Slice(i, 16));
            for (; lanes != 0; lanes &= lanes - 1)
            {
                int lane = BitOperations.TrailingZeroCount(lanes), k = i + lane;
                int count = Invert(BitLength, p[k], zero.GetElement(lane), u[k]);
                pulses[k] = requested[k] < 0 ? -count : count;
            }
        }
        for (; i < n; i++)
        {
            int count = Invert(BitLength, p[i], none[i], u[i]);
            pulses[i] = requested[i] < 0 ? -count : count;
        }
        widths.Fill(width);
    }

    /// <summary>Inversion of the binomial CDF from P(0) (most devices stop at 0 or 1).</summary>
    private static int Invert(int n, float p, float probabilityOfZero, float u)
    {
        if (p <= 0f) return 0;
        if (p >= 1f) return n;
        double ratio = p / (1.0 - p), probability = probabilityOfZero, cdf = probability;
        int k = 0;
        while (u >= cdf && k < n)
        {
            probability *= (n - k) / (k + 1.0) * ratio;
            cdf += probability;
            k++;
        }
        return k;
    }
}
