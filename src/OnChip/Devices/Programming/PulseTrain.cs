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
internal sealed class PulseTrain(int bitLength) : ProgrammingStrategy
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
        if (pulses.Length < n) throw new ArgumentException("spans shorter than the chunk");
        float perPulse = 1f / (BitLength * nominal);
        // p = min(|ΔW| / (BL·Δw_min), 1); for p > ½ the count is BL minus a Binomial(BL, 1 − p) draw, so that
        // P(0) = q^BL (q = min(p, 1 − p), by squaring) never underflows. The count is the first k with
        // u < P(0) + … + P(k). Most devices take no pulse (u < P(0)): a first pass settles those, 16 at a time, drawing
        // their uniforms as it goes, and lists the others, which then walk P(k + 1) = P(k)·(BL − k)/(k + 1)·q/(1 − q) in
        // full vectors; a lane stops early once its terms, past the mean, are too small to change the float sum (else
        // u just below 1 could walk to BL). Each device gets exactly the count of the one-lane Draw, from the uniforms
        // FillUniform would give.
        var buffers = WalkBuffers.ForThread(n);
        int whole = n / 16 * 16;
        var run = random.BeginUniforms();
        int found = SettleOrList(requested[..whole], perPulse, pulses, buffers, ref run);
        if (whole < n)
        {
            var u = run.Next();
            for (int i = whole; i < n; i++) pulses[i] = Draw(requested[i], perPulse, u.GetElement(i - whole));
        }
        random.EndUniforms(run);
        WalkListed(requested, perPulse, buffers, found, pulses);
    }

    /// <summary>
    /// The first pass, 16 devices at a time (n a multiple of 16): draws each device's uniform (kept for the walk),
    /// writes the count of every device whose uniform is below P(0) and lists the others' indices; returns how many.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private int SettleOrList(ReadOnlySpan<float> requested, float perPulse, Span<float> pulses, WalkBuffers buffers, ref ChunkRandom.UniformRun generator)
    {
        var run = generator;   // a local, so the generator's state stays in registers
        ref float uniforms = ref MemoryMarshal.GetArrayDataReference(buffers.U);
        ref int listed = ref MemoryMarshal.GetArrayDataReference(buffers.Index);
        ref float r = ref MemoryMarshal.GetReference(requested);
        ref float rp = ref MemoryMarshal.GetReference(pulses);
        var bl = Vector512.Create((float)BitLength);
        int found = 0;
        for (int i = 0; i < requested.Length; i += 16)
        {
            var request = Vector512.LoadUnsafe(ref r, (nuint)i);
            var u = run.Next();
            u.StoreUnsafe(ref uniforms, (nuint)i);
            var (q, mirrored, p0) = Probabilities(request, perPulse);
            var none = Vector512.ConditionalSelect(mirrored, bl, Vector512<float>.Zero);   // the count of a walk of no steps
            Vector512.ConditionalSelect(Vector512.LessThan(request, Vector512<float>.Zero), -none, none).StoreUnsafe(ref rp, (nuint)i);
            var going = Vector512.GreaterThanOrEqual(u, p0);
            List(going, Vector512<int>.Indices + Vector512.Create(i), ref listed, found);
            found += BitOperations.PopCount(going.ExtractMostSignificantBits());
        }
        generator = run;
        return found;
    }

    /// <summary>q = min(p, 1 − p), whether p was mirrored (p &gt; ½), and P(0) = (1 − q)^BL, from the requests.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private (Vector512<float> Q, Vector512<float> Mirrored, Vector512<float> P0) Probabilities(Vector512<float> request, float perPulse)
    {
        var one = Vector512<float>.One;
        var p = Vector512.MinNative(Vector512.Abs(request) * perPulse, one);
        var mirrored = Vector512.GreaterThan(p, Vector512.Create(0.5f));
        var q = Vector512.ConditionalSelect(mirrored, one - p, p);
        return (q, mirrored, Power(one - q, BitLength));
    }

    /// <summary>
    /// The listed devices' walks, two blocks at a time (each walk is a chain of dependent multiplies; lanes past the
    /// last listed device are masked off): each lane gathers its request and uniform again, then its signed count is
    /// written where it belongs.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private void WalkListed(ReadOnlySpan<float> requested, float perPulse, WalkBuffers buffers, int found, Span<float> pulses)
    {
        ref float r = ref MemoryMarshal.GetReference(requested);
        ref float uniforms = ref MemoryMarshal.GetArrayDataReference(buffers.U);
        ref int listed = ref MemoryMarshal.GetArrayDataReference(buffers.Index);
        ref float counts = ref MemoryMarshal.GetArrayDataReference(buffers.Counts);
        var bl = Vector512.Create((float)BitLength);
        int firstSteps = Math.Min(FirstSteps, BitLength);
        for (int j = 0; j < found; j += 32)
        {
            var a = Start(ref r, ref uniforms, ref listed, j, found, perPulse, out var requestA, out var mirroredA);
            var b = Start(ref r, ref uniforms, ref listed, j + 16, found, perPulse, out var requestB, out var mirroredB);
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
            Signed(a.Steps, requestA, mirroredA, bl).StoreUnsafe(ref counts, (nuint)j);
            Signed(b.Steps, requestB, mirroredB, bl).StoreUnsafe(ref counts, (nuint)(j + 16));
        }
        // Without branches: a branch on the sign or the mirroring per device mispredicts half the time.
        for (int j = 0; j < found; j++) pulses[Unsafe.Add(ref listed, j)] = Unsafe.Add(ref counts, j);
    }

    /// <summary>The walk of listed devices [at, at + 16) (lanes from <paramref name="found"/> on are off), from their gathered request and uniform.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private Walk Start(ref float requested, ref float uniforms, ref int listed, int at, int found, float perPulse,
        out Vector512<float> request, out Vector512<float> mirrored)
    {
        var lanes = Vector512.LessThan(Vector512<int>.Indices, Vector512.Create(found - at));
        var index = Vector512.LoadUnsafe(ref listed, (nuint)at) & lanes;   // off lanes read device 0
        request = Gather(ref requested, index);
        var (q, isMirrored, p0) = Probabilities(request, perPulse);
        mirrored = isMirrored;
        return new Walk(q, Gather(ref uniforms, index), p0, lanes.AsSingle(), BitLength);
    }

    /// <summary>Counts from the steps walked: BL minus them where mirrored, negated where the request is negative.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector512<float> Signed(Vector512<float> steps, Vector512<float> request, Vector512<float> mirrored, Vector512<float> bitLength)
    {
        var count = Vector512.ConditionalSelect(mirrored, bitLength - steps, steps);
        return Vector512.ConditionalSelect(Vector512.LessThan(request, Vector512<float>.Zero), -count, count);
    }

    /// <summary>Stores the lanes of <paramref name="values"/> selected by <paramref name="lanes"/>, in order, from position <paramref name="at"/>.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void List(Vector512<float> lanes, Vector512<int> values, ref int target, int at)
    {
        if (Avx512F.IsSupported)
        {
            Avx512F.Compress(Vector512<int>.Zero, lanes.AsInt32(), values).StoreUnsafe(ref target, (nuint)at);   // 16 wide: the buffers have slack
            return;
        }
        for (ulong bits = lanes.ExtractMostSignificantBits(); bits != 0; bits &= bits - 1)
            Unsafe.Add(ref target, at++) = values.GetElement(BitOperations.TrailingZeroCount(bits));
    }

    /// <summary>values[index] lane by lane (every index in range).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static unsafe Vector512<float> Gather(ref float values, Vector512<int> index)
    {
        if (Avx2.IsSupported)   // .NET has no 512-bit gather: two 256-bit ones
        {
            fixed (float* address = &values)
                return Vector512.Create(Avx2.GatherVector256(address, index.GetLower(), 4), Avx2.GatherVector256(address, index.GetUpper(), 4));
        }
        Span<float> lanes = stackalloc float[16];
        for (int i = 0; i < 16; i++) lanes[i] = Unsafe.Add(ref values, index.GetElement(i));
        return Vector512.Create((ReadOnlySpan<float>)lanes);
    }

    /// <summary>Per-thread buffers: the chunk's uniforms, the listed devices' indices and counts (with 32 values of slack for the 16-wide stores and walks).</summary>
    private sealed class WalkBuffers
    {
        [ThreadStatic] private static WalkBuffers? _instance;
        public float[] U = [], Counts = [];
        public int[] Index = [];

        public static WalkBuffers ForThread(int n)
        {
            var p = _instance ??= new WalkBuffers();
            if (p.U.Length < n + 32) (p.U, p.Index, p.Counts) = (new float[n + 32], new int[n + 32], new float[n + 32]);
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

    /// <summary>The inversion of 16 listed lanes in progress (see <see cref="Plan"/>); every lane starts going.</summary>
    private struct Walk
    {
        private readonly Vector512<float> _uniform, _mean, _ratio;
        private Vector512<float> _probability, _cdf;
        private Vector512<int> _count;   // minus the sum of Going's all-ones lanes (−1 as integers)
        public Vector512<float> Going;

        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public Walk(Vector512<float> q, Vector512<float> uniform, Vector512<float> zero, Vector512<float> lanes, int bitLength)
        {
            _uniform = uniform;
            _mean = Vector512.Create((float)bitLength) * q;
            _ratio = q / (Vector512<float>.One - q);
            _probability = zero;
            _cdf = zero;
            _count = Vector512<int>.Zero;
            Going = lanes;   // u ≥ P(0) for every listed lane
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
