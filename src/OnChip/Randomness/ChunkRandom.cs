using System.Numerics.Tensors;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;
using OnChip.Tensors;

namespace OnChip.Randomness;

/// <summary>
/// Bulk random numbers for device updates: eight xoshiro256** streams in the lanes of a Vector512, reseeded from
/// (seed, counter) for every chunk of devices. Because a chunk's numbers depend only on its own key, results do not
/// depend on how chunks are spread over threads. Allocation-free once created (one per worker).
/// </summary>
internal sealed class ChunkRandom
{
    private Vector512<ulong> _s0, _s1, _s2, _s3;
    private readonly float[] _scratch = new float[2048];
    private Vector512<float> _spareGaussians;
    private bool _hasSpare;

    /// <summary>
    /// Reseeds all lanes from a 64-bit key (e.g. a hash of array id, update cycle and chunk index): the 32 state words
    /// are SplitMix64's first 32 outputs from the key, computed eight at a time (the i-th output mixes key + i·γ), since
    /// every chunk of every update reseeds.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public void Reseed(ulong key)
    {
        var step = Vector512.Create(unchecked(8 * Gamma));
        var x = Vector512.Create(key) + (Vector512<ulong>.Indices + Vector512<ulong>.One) * Vector512.Create(Gamma);
        _s0 = Mix(x);
        x += step;
        _s1 = Mix(x);
        x += step;
        _s2 = Mix(x);
        x += step;
        _s3 = Mix(x);
        _hasSpare = false;
    }

    /// <summary>SplitMix64's increment and its two mixing multipliers (scalar and vector versions share them).</summary>
    private const ulong Gamma = 0x9E3779B97F4A7C15UL, Mix1 = 0xBF58476D1CE4E5B9UL, Mix2 = 0x94D049BB133111EBUL;

    /// <summary>SplitMix64's output function, lane by lane.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector512<ulong> Mix(Vector512<ulong> z)
    {
        z = (z ^ Vector512.ShiftRightLogical(z, 30)) * Vector512.Create(Mix1);
        z = (z ^ Vector512.ShiftRightLogical(z, 27)) * Vector512.Create(Mix2);
        return z ^ Vector512.ShiftRightLogical(z, 31);
    }

    /// <summary>A well-mixed key from several integers.</summary>
    public static ulong Key(ulong a, ulong b, ulong c)
    {
        ulong x = a * Gamma ^ b;
        x = SplitMix64(ref x) ^ c;
        return SplitMix64(ref x);
    }

    private static ulong SplitMix64(ref ulong x)
    {
        ulong z = x += Gamma;
        z = (z ^ (z >> 30)) * Mix1;
        z = (z ^ (z >> 27)) * Mix2;
        return z ^ (z >> 31);
    }

    /// <summary>Eight 64-bit outputs, one per lane (xoshiro256** on state held in registers by the caller).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector512<ulong> Next(ref Vector512<ulong> s0, ref Vector512<ulong> s1, ref Vector512<ulong> s2, ref Vector512<ulong> s3)
    {
        var s1x5 = Vector512.ShiftLeft(s1, 2) + s1;
        var rot = Avx512F.IsSupported ? Avx512F.RotateLeft(s1x5, 7) : Vector512.ShiftLeft(s1x5, 7) | Vector512.ShiftRightLogical(s1x5, 57);
        var result = Vector512.ShiftLeft(rot, 3) + rot;
        var t = Vector512.ShiftLeft(s1, 17);
        s2 ^= s0;
        s3 ^= s1;
        s1 ^= s2;
        s0 ^= s3;
        s2 ^= t;
        // Rotations in one instruction (vprolq) where AVX-512 has it; the JIT does not fuse the shift pair itself.
        s3 = Avx512F.IsSupported ? Avx512F.RotateLeft(s3, 45) : Vector512.ShiftLeft(s3, 45) | Vector512.ShiftRightLogical(s3, 19);
        return result;
    }

    /// <summary>Sixteen uniform floats in [0, 1) with 24 random bits each, from one step of the generator.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector512<float> Uniforms(ref Vector512<ulong> s0, ref Vector512<ulong> s1, ref Vector512<ulong> s2, ref Vector512<ulong> s3)
    {
        var bits = Vector512.ShiftRightLogical(Next(ref s0, ref s1, ref s2, ref s3).AsUInt32(), 8).AsInt32();   // < 2^24
        return Vector512.ConvertToSingle(bits) * Vector512.Create(1f / (1 << 24));
    }

    /// <summary>Uniform floats in [0, 1) with 24 random bits each (16 per step of the generator).</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public void FillUniform(Span<float> target)
    {
        // In registers for the loop, not fields written back every step. Its own locals rather than a UniformRun:
        // through the struct's Next the JIT kept this loop's state in memory (0.11 -> 0.6 ns per value, measured).
        var (s0, s1, s2, s3) = (_s0, _s1, _s2, _s3);
        ref float t = ref MemoryMarshal.GetReference(target);
        int i = 0, n = target.Length;
        for (; i + 16 <= n; i += 16) Uniforms(ref s0, ref s1, ref s2, ref s3).StoreUnsafe(ref t, (nuint)i);
        if (i < n)
        {
            Span<float> rest = stackalloc float[16];
            Uniforms(ref s0, ref s1, ref s2, ref s3).StoreUnsafe(ref rest[0]);
            rest[..(n - i)].CopyTo(target[i..]);
        }
        (_s0, _s1, _s2, _s3) = (s0, s1, s2, s3);
    }

    /// <summary>
    /// The generator's state held by a caller that draws uniforms one vector at a time in its own loop (in registers,
    /// not written back to the fields every step): <see cref="BeginUniforms"/>, <see cref="UniformRun.Next"/>,
    /// <see cref="EndUniforms"/>. The numbers are <see cref="FillUniform"/>'s, in the same order.
    /// </summary>
    public struct UniformRun
    {
        internal Vector512<ulong> S0, S1, S2, S3;

        /// <summary>The next sixteen uniforms in [0, 1).</summary>
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public Vector512<float> Next() => Uniforms(ref S0, ref S1, ref S2, ref S3);
    }

    public UniformRun BeginUniforms() => new() { S0 = _s0, S1 = _s1, S2 = _s2, S3 = _s3 };

    public void EndUniforms(in UniformRun run) => (_s0, _s1, _s2, _s3) = (run.S0, run.S1, run.S2, run.S3);

    /// <summary>
    /// Sixteen standard normal floats (Box–Muller as in <see cref="FillGaussian"/>: one call makes 32, the sine half
    /// is kept for the next call). For loops that need noise one vector at a time, only where devices are pulsed.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public Vector512<float> NextGaussians()
    {
        if (_hasSpare)
        {
            _hasSpare = false;
            return _spareGaussians;
        }
        var (s0, s1, s2, s3) = (_s0, _s1, _s2, _s3);
        var u = Uniforms(ref s0, ref s1, ref s2, ref s3);
        var v = Uniforms(ref s0, ref s1, ref s2, ref s3);
        (_s0, _s1, _s2, _s3) = (s0, s1, s2, s3);
        var (c, sin) = BoxMuller(u, v);
        _spareGaussians = sin;
        _hasSpare = true;
        return c;
    }

    /// <summary>
    /// Standard normal floats (Box–Muller on bulk uniforms u, v: the first half r·cos θ, the second r·sin θ with
    /// r = √(−2 ln(1 − u)), θ = 2πv), in one vectorised pass with polynomial ln, sin and cos (errors of a few ulp).
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public void FillGaussian(Span<float> target)
    {
        int n = target.Length, half = (n + 1) / 2;
        if (half > 1024) throw new ArgumentException("at most 2048 values per call");
        var u = _scratch.AsSpan(0, half);
        var v = _scratch.AsSpan(1024, half);
        FillUniform(u);
        FillUniform(v);
        ref float ru = ref MemoryMarshal.GetReference(u);
        ref float rv = ref MemoryMarshal.GetReference(v);
        ref float rt = ref MemoryMarshal.GetReference(target);
        int i = 0;
        for (; i + 16 <= half; i += 16)
        {
            var (c, s) = BoxMuller(Vector512.LoadUnsafe(ref ru, (nuint)i), Vector512.LoadUnsafe(ref rv, (nuint)i));
            c.StoreUnsafe(ref rt, (nuint)i);
            s.StoreUnsafe(ref rv, (nuint)i);
        }
        if (i < half)
        {
            // The last, partial vector, read whole from the scratch (i ≤ 1008, so both reads stay in it): its lanes past
            // half hold stale uniforms, transformed lane by lane and dropped. Most calls (a chunk's few pulses) end here.
            var (c, s) = BoxMuller(Vector512.LoadUnsafe(ref ru, (nuint)i), Vector512.LoadUnsafe(ref rv, (nuint)i));
            Span<float> lanes = stackalloc float[32];
            c.StoreUnsafe(ref lanes[0]);
            s.StoreUnsafe(ref lanes[16]);
            lanes[..(half - i)].CopyTo(target[i..]);
            lanes.Slice(16, half - i).CopyTo(v[i..]);
        }
        v[..(n - half)].CopyTo(target[half..]);
    }

    /// <summary>(r cos θ, r sin θ) for r = √(−2 ln(1 − u)), θ = 2πv, u and v in [0, 1).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static (Vector512<float> Cos, Vector512<float> Sin) BoxMuller(Vector512<float> u, Vector512<float> v)
    {
        var r = Vector512.Sqrt(Vector512.Create(-2f) * VectorMath.Log(Vector512<float>.One - u));
        // θ = 2πv = quadrant·π/2 + a with |a| ≤ π/4; v − quadrant/4 is exact.
        var quadrant = Vector512.Round(v * 4f);
        var a = (v - quadrant * 0.25f) * (2f * MathF.PI);
        var a2 = a * a;
        var sin = a + a * a2 * Horner(a2, -1f / 6, 1f / 120, -1f / 5040, 1f / 362880);
        var cos = Vector512<float>.One + a2 * Horner(a2, -0.5f, 1f / 24, -1f / 720, 1f / 40320, -1f / 3628800);
        var q = Vector512.ConvertToInt32(quadrant) & Vector512.Create(3);
        var swap = Vector512.Equals(q & Vector512.Create(1), Vector512.Create(1)).AsSingle();   // quadrants 1, 3
        var c = Vector512.ConditionalSelect(swap, sin, cos);
        var s = Vector512.ConditionalSelect(swap, cos, sin);
        var negateCos = Vector512.Equals(q, Vector512.Create(1)) | Vector512.Equals(q, Vector512.Create(2));
        var negateSin = Vector512.Equals(q, Vector512.Create(2)) | Vector512.Equals(q, Vector512.Create(3));
        var signBit = Vector512.Create(-0f);
        c ^= negateCos.AsSingle() & signBit;
        s ^= negateSin.AsSingle() & signBit;
        return (r * c, r * s);
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector512<float> Horner(Vector512<float> x, float c0, float c1, float c2, float c3) =>
        Vector512.FusedMultiplyAdd(Vector512.FusedMultiplyAdd(Vector512.FusedMultiplyAdd(Vector512.Create(c3), x, Vector512.Create(c2)), x, Vector512.Create(c1)), x, Vector512.Create(c0));

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector512<float> Horner(Vector512<float> x, float c0, float c1, float c2, float c3, float c4) =>
        Vector512.FusedMultiplyAdd(Horner(x, c1, c2, c3, c4), x, Vector512.Create(c0));
}
