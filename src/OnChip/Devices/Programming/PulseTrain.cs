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
        // Two blocks of 16 at a time: each block's walk is a chain of dependent multiplies, and two chains in flight
        // keep the core busy.
        int i = 0;
        int firstSteps = Math.Min(FirstSteps, BitLength);
        for (; i <= n - 32; i += 32)
        {
            var a = new Walk(requested.Slice(i, 16), u.Slice(i, 16), perPulse, BitLength);
            var b = new Walk(requested.Slice(i + 16, 16), u.Slice(i + 16, 16), perPulse, BitLength);
            for (int k = 0; k < firstSteps; k++)
            {
                a.Advance(_binomialSteps[k]);
                b.Advance(_binomialSteps[k]);
            }
            for (int k = firstSteps; k < BitLength && (a.Going | b.Going) != Vector512<float>.Zero; k++)
            {
                a.Advance(_binomialSteps[k]);
                b.Advance(_binomialSteps[k]);
            }
            a.Counts(BitLength).CopyTo(pulses.Slice(i, 16));
            b.Counts(BitLength).CopyTo(pulses.Slice(i + 16, 16));
        }
        for (; i <= n - 16; i += 16)
        {
            var a = new Walk(requested.Slice(i, 16), u.Slice(i, 16), perPulse, BitLength);
            for (int k = 0; k < BitLength && (k < firstSteps || a.Going != Vector512<float>.Zero); k++) a.Advance(_binomialSteps[k]);
            a.Counts(BitLength).CopyTo(pulses.Slice(i, 16));
        }
        for (; i < n; i++) pulses[i] = Draw(requested[i], perPulse, u[i]);
        widths.Fill(width);
    }

    /// <summary>
    /// One device's signed count from its request and uniform, one lane of the vector code's arithmetic (the
    /// reference the vector lanes must equal).
    /// </summary>
    internal float Draw(float request, float perPulse, float u)
    {
        float p = Math.Min(MathF.Abs(request) * perPulse, 1f);
        bool mirrored = p > 0.5f;
        float q = mirrored ? 1f - p : p;
        int count = Invert(BitLength, q, Power(1f - q, BitLength), u, _binomialSteps);
        if (mirrored) count = BitLength - count;
        return request < 0 ? -count : count;
    }

    /// <summary>The inversion of 16 lanes in progress (see <see cref="Plan"/>).</summary>
    private struct Walk
    {
        private readonly Vector512<float> _request, _uniform, _mirrored, _mean, _ratio;
        private Vector512<float> _probability, _cdf, _k;
        private Vector512<int> _count;   // minus the sum of Going's all-ones lanes (−1 as integers)
        public Vector512<float> Going;

        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public Walk(ReadOnlySpan<float> requested, ReadOnlySpan<float> uniform, float perPulse, int bitLength)
        {
            var one = Vector512<float>.One;
            _request = Vector512.Create(requested);
            _uniform = Vector512.Create(uniform);
            var p = Vector512.MinNative(Vector512.Abs(_request) * perPulse, one);
            _mirrored = Vector512.GreaterThan(p, Vector512.Create(0.5f));
            var q = Vector512.ConditionalSelect(_mirrored, one - p, p);
            _mean = Vector512.Create((float)bitLength) * q;
            _ratio = q / (one - q);
            _probability = Power(one - q, bitLength);
            _cdf = _probability;
            _count = Vector512<int>.Zero;
            _k = Vector512<float>.Zero;
            Going = Vector512.GreaterThanOrEqual(_uniform, _cdf);
        }

        /// <summary>One step: the lanes still going take term k + 1 and count one more.</summary>
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public void Advance(float binomialStep)
        {
            _probability *= Vector512.Create(binomialStep) * _ratio;
            _cdf += _probability;
            _count -= Going.AsInt32();
            _k += Vector512<float>.One;
            var exhausted = Vector512.GreaterThan(_k, _mean) & Vector512.LessThan(_probability, Vector512.Create(Negligible));
            Going = Vector512.AndNot(Going & Vector512.GreaterThanOrEqual(_uniform, _cdf), exhausted);
        }

        /// <summary>The signed pulse counts.</summary>
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public readonly Vector512<float> Counts(int bitLength)
        {
            var steps = Vector512.ConvertToSingle(_count);
            var count = Vector512.ConditionalSelect(_mirrored, Vector512.Create((float)bitLength) - steps, steps);
            return Vector512.ConditionalSelect(Vector512.LessThan(_request, Vector512<float>.Zero), -count, count);
        }
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
