using System.Numerics;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;
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
        if (pulses.Length < n || widths.Length < n) throw new ArgumentException("spans shorter than the chunk");
        var u = widths[..n];      // uniforms, then the widths
        random.FillUniform(u);
        float perPulse = 1f / (BitLength * nominal);
        // p = min(|ΔW| / (BL·Δw_min), 1); for p > ½ the count is BL minus a Binomial(BL, 1 − p) draw, so that
        // P(0) = q^BL (q = min(p, 1 − p), by squaring) never underflows. The count is the first k with
        // u < P(0) + … + P(k). Most devices take no pulse (u < P(0)): a first pass settles those, 16 at a time, and
        // packs the others, which then walk P(k + 1) = P(k)·(BL − k)/(k + 1)·q/(1 − q) in full vectors; a lane stops
        // early once its terms, past the mean, are too small to change the float sum (else u just below 1 could walk
        // to BL). Each device gets exactly the count of the one-lane Draw.
        var packed = Packed.ForThread(n);
        int i = n / 16 * 16;
        int found = SettleOrPack(requested[..i], u[..i], perPulse, pulses, packed);
        for (; i < n; i++) pulses[i] = Draw(requested[i], perPulse, u[i]);
        WalkPacked(packed, found, pulses);
        widths.Fill(width);
    }

    /// <summary>
    /// The first pass, 16 devices at a time (n a multiple of 16): writes the count of every device whose uniform is
    /// below P(0) and packs the others (q, u, P(0) and a tag: index·4 + mirrored·2 + negative); returns how many.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private int SettleOrPack(ReadOnlySpan<float> requested, ReadOnlySpan<float> u, float perPulse, Span<float> pulses, Packed packed)
    {
        ref float q = ref MemoryMarshal.GetArrayDataReference(packed.Q);
        ref float uniform = ref MemoryMarshal.GetArrayDataReference(packed.U);
        ref float zero = ref MemoryMarshal.GetArrayDataReference(packed.P0);
        ref float tags = ref MemoryMarshal.GetArrayDataReference(packed.Tag);
        ref float r = ref MemoryMarshal.GetReference(requested);
        ref float ru = ref MemoryMarshal.GetReference(u);
        ref float rp = ref MemoryMarshal.GetReference(pulses);
        var one = Vector512<float>.One;
        var bl = Vector512.Create((float)BitLength);
        int found = 0;
        for (int i = 0; i < requested.Length; i += 16)
        {
            var request = Vector512.LoadUnsafe(ref r, (nuint)i);
            var uu = Vector512.LoadUnsafe(ref ru, (nuint)i);
            var p = Vector512.MinNative(Vector512.Abs(request) * perPulse, one);
            var mirrored = Vector512.GreaterThan(p, Vector512.Create(0.5f));
            var qq = Vector512.ConditionalSelect(mirrored, one - p, p);
            var p0 = Power(one - qq, BitLength);
            var negative = Vector512.LessThan(request, Vector512<float>.Zero);
            var none = Vector512.ConditionalSelect(mirrored, bl, Vector512<float>.Zero);   // the count of a walk of no steps
            Vector512.ConditionalSelect(negative, -none, none).StoreUnsafe(ref rp, (nuint)i);
            var going = Vector512.GreaterThanOrEqual(uu, p0);
            var tag = Vector512.ConvertToSingle((Vector512<int>.Indices + Vector512.Create(i)) * 4 - (mirrored.AsInt32() * 2) - negative.AsInt32());
            Pack(going, qq, ref q, found);
            Pack(going, uu, ref uniform, found);
            Pack(going, p0, ref zero, found);
            Pack(going, tag, ref tags, found);
            found += BitOperations.PopCount(going.ExtractMostSignificantBits());
        }
        return found;
    }

    /// <summary>
    /// The packed devices' walks, two blocks at a time (each walk is a chain of dependent multiplies; lanes past the
    /// last packed device are masked off), then their signed counts written where they belong.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private void WalkPacked(Packed packed, int found, Span<float> pulses)
    {
        ref float q = ref MemoryMarshal.GetArrayDataReference(packed.Q);
        ref float uniform = ref MemoryMarshal.GetArrayDataReference(packed.U);
        ref float zero = ref MemoryMarshal.GetArrayDataReference(packed.P0);
        ref float tags = ref MemoryMarshal.GetArrayDataReference(packed.Tag);
        ref float counts = ref MemoryMarshal.GetArrayDataReference(packed.Counts);
        var bl = Vector512.Create((float)BitLength);
        int firstSteps = Math.Min(FirstSteps, BitLength);
        for (int j = 0; j < found; j += 32)
        {
            var a = new Walk(ref q, ref uniform, ref zero, j, found, BitLength);
            var b = new Walk(ref q, ref uniform, ref zero, j + 16, found, BitLength);
            for (int k = 0; k < firstSteps; k++)
            {
                a.Advance(_binomialSteps[k], k);
                b.Advance(_binomialSteps[k], k);
            }
            for (int k = firstSteps; k < BitLength && (a.Going | b.Going) != Vector512<float>.Zero; k++)
            {
                a.Advance(_binomialSteps[k], k);
                b.Advance(_binomialSteps[k], k);
            }
            Signed(a.Steps, ref tags, j, bl).StoreUnsafe(ref counts, (nuint)j);
            Signed(b.Steps, ref tags, j + 16, bl).StoreUnsafe(ref counts, (nuint)(j + 16));
        }
        // Without branches: a branch on the sign or the mirroring per device mispredicts half the time.
        for (int j = 0; j < found; j++) pulses[(int)Unsafe.Add(ref tags, j) >> 2] = Unsafe.Add(ref counts, j);
    }

    /// <summary>Counts from the steps walked: BL minus them where mirrored, negated where the request is negative (tags as packed).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector512<float> Signed(Vector512<float> steps, ref float tags, int at, Vector512<float> bitLength)
    {
        var tag = Vector512.ConvertToInt32(Vector512.LoadUnsafe(ref tags, (nuint)at));
        var mirrored = Vector512.Equals(tag & Vector512.Create(2), Vector512.Create(2)).AsSingle();
        var negative = Vector512.Equals(tag & Vector512<int>.One, Vector512<int>.One).AsSingle();
        var count = Vector512.ConditionalSelect(mirrored, bitLength - steps, steps);
        return Vector512.ConditionalSelect(negative, -count, count);
    }

    /// <summary>Stores the lanes of <paramref name="values"/> selected by <paramref name="lanes"/>, in order, from position <paramref name="at"/>.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void Pack(Vector512<float> lanes, Vector512<float> values, ref float target, int at)
    {
        if (Avx512F.IsSupported)
        {
            Avx512F.Compress(Vector512<float>.Zero, lanes, values).StoreUnsafe(ref target, (nuint)at);   // 16 wide: the buffers have slack
            return;
        }
        for (ulong bits = lanes.ExtractMostSignificantBits(); bits != 0; bits &= bits - 1)
            Unsafe.Add(ref target, at++) = values.GetElement(BitOperations.TrailingZeroCount(bits));
    }

    /// <summary>Per-thread buffers of the packed devices (with 32 values of slack for the 16-wide stores and walks).</summary>
    private sealed class Packed
    {
        [ThreadStatic] private static Packed? _instance;
        public float[] Q = [], U = [], P0 = [], Tag = [], Counts = [];

        public static Packed ForThread(int n)
        {
            var p = _instance ??= new Packed();
            if (p.Q.Length < n + 32) (p.Q, p.U, p.P0, p.Tag, p.Counts) = (new float[n + 32], new float[n + 32], new float[n + 32], new float[n + 32], new float[n + 32]);
            return p;
        }
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

    /// <summary>The inversion of 16 packed lanes in progress (see <see cref="Plan"/>); every lane starts going.</summary>
    private struct Walk
    {
        private readonly Vector512<float> _uniform, _mean, _ratio;
        private Vector512<float> _probability, _cdf;
        private Vector512<int> _count;   // minus the sum of Going's all-ones lanes (−1 as integers)
        public Vector512<float> Going;

        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public Walk(ref float q, ref float uniform, ref float zero, int at, int found, int bitLength)
        {
            var one = Vector512<float>.One;
            var qq = Vector512.LoadUnsafe(ref q, (nuint)at);
            _uniform = Vector512.LoadUnsafe(ref uniform, (nuint)at);
            _mean = Vector512.Create((float)bitLength) * qq;
            _ratio = qq / (one - qq);
            _probability = Vector512.LoadUnsafe(ref zero, (nuint)at);
            _cdf = _probability;
            _count = Vector512<int>.Zero;
            Going = Vector512.LessThan(Vector512<int>.Indices, Vector512.Create(found - at)).AsSingle();   // u ≥ P(0) for every packed lane
        }

        /// <summary>Step k: the lanes still going take term k + 1 and count one more.</summary>
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public void Advance(float binomialStep, int k)
        {
            _probability *= Vector512.Create(binomialStep) * _ratio;
            _cdf += _probability;
            _count -= Going.AsInt32();
            var exhausted = Vector512.GreaterThan(Vector512.Create((float)(k + 1)), _mean) & Vector512.LessThan(_probability, Vector512.Create(Negligible));
            Going = Vector512.AndNot(Going & Vector512.GreaterThanOrEqual(_uniform, _cdf), exhausted);
        }

        /// <summary>The steps walked (the count before mirroring and sign).</summary>
        public readonly Vector512<float> Steps => Vector512.ConvertToSingle(_count);
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
