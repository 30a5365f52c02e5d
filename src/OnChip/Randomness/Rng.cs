using System.Runtime.CompilerServices;

namespace OnChip.Randomness;

/// <summary>
/// xoshiro256** (Blackman &amp; Vigna): fast, seedable, and its whole state is four words, so a checkpoint can
/// save and restore it exactly. Seeds are expanded with SplitMix64, as the authors recommend.
/// </summary>
internal sealed class Rng
{
    private ulong _s0, _s1, _s2, _s3;

    public Rng(ulong seed)
    {
        ulong x = seed;
        _s0 = SplitMix64(ref x);
        _s1 = SplitMix64(ref x);
        _s2 = SplitMix64(ref x);
        _s3 = SplitMix64(ref x);
    }

    private Rng(ulong s0, ulong s1, ulong s2, ulong s3) => (_s0, _s1, _s2, _s3) = (s0, s1, s2, s3);

    /// <summary>An independent stream derived from this seed and a stream label (e.g. "init", "shuffle").</summary>
    public static Rng ForStream(ulong seed, string stream)
    {
        ulong h = 14695981039346656037UL;
        foreach (char c in stream) h = (h ^ c) * 1099511628211UL;
        return new Rng(seed ^ h);
    }

    public ulong[] GetState() => [_s0, _s1, _s2, _s3];

    /// <summary>Restores a state saved with <see cref="GetState"/>, in place (holders of this instance see it).</summary>
    public void SetState(ReadOnlySpan<ulong> state)
    {
        if (state.Length != 4) throw new ArgumentException("an rng state has four words");
        (_s0, _s1, _s2, _s3) = (state[0], state[1], state[2], state[3]);
    }
    public static Rng FromState(ReadOnlySpan<ulong> state)
    {
        if (state.Length != 4) throw new ArgumentException("an rng state has four words");
        return new Rng(state[0], state[1], state[2], state[3]);
    }

    private static ulong SplitMix64(ref ulong x)
    {
        ulong z = x += 0x9E3779B97F4A7C15UL;
        z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9UL;
        z = (z ^ (z >> 27)) * 0x94D049BB133111EBUL;
        return z ^ (z >> 31);
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public ulong NextUInt64()
    {
        ulong result = ulong.RotateLeft(_s1 * 5, 7) * 9;
        ulong t = _s1 << 17;
        _s2 ^= _s0;
        _s3 ^= _s1;
        _s1 ^= _s2;
        _s0 ^= _s3;
        _s2 ^= t;
        _s3 = ulong.RotateLeft(_s3, 45);
        return result;
    }

    /// <summary>Uniform in [0, 1) with 24 random bits.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public float NextFloat() => (NextUInt64() >> 40) * (1.0f / (1 << 24));

    /// <summary>Uniform in [0, 1) with 53 random bits.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public double NextDouble() => (NextUInt64() >> 11) * (1.0 / (1UL << 53));

    /// <summary>Uniform integer in [0, n) without modulo bias (Lemire's method).</summary>
    public int NextInt(int n)
    {
        if (n <= 0) throw new ArgumentOutOfRangeException(nameof(n));
        ulong m = (ulong)(uint)NextUInt64() * (uint)n;
        uint low = (uint)m;
        if (low < (uint)n)
        {
            uint threshold = (uint)-n % (uint)n;
            while (low < threshold)
            {
                m = (ulong)(uint)NextUInt64() * (uint)n;
                low = (uint)m;
            }
        }
        return (int)(m >> 32);
    }

    /// <summary>Standard normal draw (Box–Muller on 53-bit uniforms; the second value is discarded for simplicity of state).</summary>
    public double NextGaussian()
    {
        double u1 = 1.0 - NextDouble();
        double u2 = NextDouble();
        return Math.Sqrt(-2.0 * Math.Log(u1)) * Math.Cos(2.0 * Math.PI * u2);
    }

    public void FillUniform(Span<float> target, float low, float high)
    {
        float width = high - low;
        for (int i = 0; i < target.Length; i++) target[i] = low + width * NextFloat();
    }

    /// <summary>Fills with N(0, 1) using both Box–Muller outputs.</summary>
    public void FillGaussian(Span<float> target)
    {
        int i = 0;
        for (; i + 1 < target.Length; i += 2)
        {
            double r = Math.Sqrt(-2.0 * Math.Log(1.0 - NextDouble()));
            double a = 2.0 * Math.PI * NextDouble();
            target[i] = (float)(r * Math.Cos(a));
            target[i + 1] = (float)(r * Math.Sin(a));
        }
        if (i < target.Length) target[i] = (float)NextGaussian();
    }

    /// <summary>Fisher–Yates shuffle.</summary>
    public void Shuffle<T>(Span<T> items)
    {
        for (int i = items.Length - 1; i > 0; i--)
        {
            int j = NextInt(i + 1);
            (items[i], items[j]) = (items[j], items[i]);
        }
    }
}
