using System.Numerics.Tensors;
using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;

namespace OnChip.Randomness;

/// <summary>
/// Bulk random numbers for device updates: eight xoshiro256** streams in the lanes of a Vector512, reseeded from
/// (seed, counter) for every chunk of devices. Because a chunk's numbers depend only on its own key, results do not
/// depend on how chunks are spread over threads. Allocation-free once created (one per worker).
/// </summary>
public sealed class ChunkRandom
{
    private Vector512<ulong> _s0, _s1, _s2, _s3;
    private readonly float[] _scratch = new float[2048];

    /// <summary>Reseeds all lanes from a 64-bit key (e.g. a hash of array id, update cycle and chunk index).</summary>
    public void Reseed(ulong key)
    {
        Span<ulong> lanes = stackalloc ulong[32];
        ulong x = key;
        for (int i = 0; i < lanes.Length; i++) lanes[i] = SplitMix64(ref x);
        _s0 = Vector512.Create(lanes[..8]);
        _s1 = Vector512.Create(lanes[8..16]);
        _s2 = Vector512.Create(lanes[16..24]);
        _s3 = Vector512.Create(lanes[24..32]);
    }

    /// <summary>A well-mixed key from several integers.</summary>
    public static ulong Key(ulong a, ulong b, ulong c)
    {
        ulong x = a * 0x9E3779B97F4A7C15UL ^ b;
        x = SplitMix64(ref x) ^ c;
        return SplitMix64(ref x);
    }

    private static ulong SplitMix64(ref ulong x)
    {
        ulong z = x += 0x9E3779B97F4A7C15UL;
        z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9UL;
        z = (z ^ (z >> 27)) * 0x94D049BB133111EBUL;
        return z ^ (z >> 31);
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector512<ulong> RotateLeft(Vector512<ulong> x, int k) =>
        Vector512.ShiftLeft(x, k) | Vector512.ShiftRightLogical(x, 64 - k);

    /// <summary>Eight 64-bit outputs, one per lane.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private Vector512<ulong> Next()
    {
        var s1x5 = Vector512.ShiftLeft(_s1, 2) + _s1;
        var rot = RotateLeft(s1x5, 7);
        var result = Vector512.ShiftLeft(rot, 3) + rot;
        var t = Vector512.ShiftLeft(_s1, 17);
        _s2 ^= _s0;
        _s3 ^= _s1;
        _s1 ^= _s2;
        _s0 ^= _s3;
        _s2 ^= t;
        _s3 = RotateLeft(_s3, 45);
        return result;
    }

    /// <summary>Uniform floats in [0, 1) with 24 random bits each (16 per step of the generator).</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public void FillUniform(Span<float> target)
    {
        var scale = Vector512.Create(1f / (1 << 24));
        int i = 0;
        for (; i + 16 <= target.Length; i += 16)
        {
            var bits = Vector512.ShiftRightLogical(Next().AsUInt32(), 8);
            (Vector512.ConvertToSingle(bits) * scale).StoreUnsafe(ref target[i]);
        }
        if (i < target.Length)
        {
            Span<float> rest = stackalloc float[16];
            var bits = Vector512.ShiftRightLogical(Next().AsUInt32(), 8);
            (Vector512.ConvertToSingle(bits) * scale).StoreUnsafe(ref rest[0]);
            rest[..(target.Length - i)].CopyTo(target[i..]);
        }
    }

    /// <summary>Standard normal floats (Box–Muller on bulk uniforms).</summary>
    public void FillGaussian(Span<float> target)
    {
        int n = target.Length, half = (n + 1) / 2;
        var u = _scratch.AsSpan(0, half);
        var v = _scratch.AsSpan(1024, half);
        if (half > 1024) throw new ArgumentException("at most 2048 values per call");
        FillUniform(u);
        FillUniform(v);
        // r = √(−2 ln(1 − u)), θ = 2πv: z0 = r cos θ, z1 = r sin θ
        TensorPrimitives.Negate(u, u);
        TensorPrimitives.Add(u, 1f, u);
        TensorPrimitives.Log(u, u);
        TensorPrimitives.Multiply(u, -2f, u);
        TensorPrimitives.Sqrt(u, u);
        TensorPrimitives.Multiply(v, 2f * MathF.PI, v);
        var first = target[..half];
        TensorPrimitives.Cos(v, first);
        TensorPrimitives.Sin(v, v);
        TensorPrimitives.Multiply(v, u, v);
        TensorPrimitives.Multiply(first, u, first);
        v[..(n - half)].CopyTo(target[half..]);
    }
}
