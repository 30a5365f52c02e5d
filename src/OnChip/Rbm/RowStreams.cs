using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;
using OnChip.Randomness;

namespace OnChip.Rbm;

/// <summary>
/// Independent random streams, one per row slot of a batch buffer, each an 8-lane xoshiro256** (Blackman &amp; Vigna)
/// stepped as one 512-bit vector: every step yields 8 × 64 random bits = 16 uniforms with 24 random bits.
/// <para>
/// A row's random numbers depend only on the seed, the slot and how many numbers that slot has produced before, never
/// on which worker draws them, so a batch split between any number of threads gives bitwise the same samples. The
/// lanes are independent integer streams, so the AVX-512, AVX2 (two 256-bit halves) and software paths produce the
/// same bits. Every slot is seeded through <see cref="Rng.ForStream"/> (SplitMix64 expansion) from its own label.
/// </para>
/// </summary>
internal sealed class RowStreams
{
    private const int Lanes = 8;
    private const int WordsPerSlot = 4 * Lanes;
    /// <summary>Uniforms produced by one step of a slot.</summary>
    public const int Block = 2 * Lanes;
    private const float Scale = 1f / (1 << 24);

    /// <summary>The 64-bit state words, held as pairs of floats so that a checkpoint saves them like any tensor (bit for bit).</summary>
    private readonly float[] _state;

    public RowStreams(ulong seed, string label, int slots)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(slots);
        Slots = slots;
        _state = new float[2 * slots * WordsPerSlot];
        var words = MemoryMarshal.Cast<float, ulong>(_state.AsSpan());
        for (int s = 0; s < slots; s++)
        {
            var rng = Rng.ForStream(seed, $"{label}/{s}");
            for (int w = 0; w < WordsPerSlot; w++) words[s * WordsPerSlot + w] = rng.NextUInt64();
        }
    }

    public int Slots { get; }

    /// <summary>Every stream's state as raw bits (live: restoring a checkpoint copies into it).</summary>
    public float[] State => _state;

    /// <summary>Fills <paramref name="target"/> with uniforms in [0, 1) (24 random bits each) from the stream of <paramref name="slot"/>.
    /// Draws ⌈length / 16⌉ steps; the unused values of a partial last step are discarded.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public void FillUniform(int slot, Span<float> target)
    {
        if ((uint)slot >= (uint)Slots) throw new ArgumentOutOfRangeException(nameof(slot), slot, $"there are {Slots} row streams");
        ref ulong state = ref Unsafe.As<float, ulong>(ref _state[2 * slot * WordsPerSlot]);
        if (Vector512.IsHardwareAccelerated) Fill512(ref state, target);
        else Fill256(ref state, target);
    }

    private static void Fill512(ref ulong state, Span<float> target)
    {
        var s0 = Vector512.LoadUnsafe(ref state, 0);
        var s1 = Vector512.LoadUnsafe(ref state, Lanes);
        var s2 = Vector512.LoadUnsafe(ref state, 2 * Lanes);
        var s3 = Vector512.LoadUnsafe(ref state, 3 * Lanes);
        var scale = Vector512.Create(Scale);
        ref float t = ref MemoryMarshal.GetReference(target);
        int n = target.Length;
        var last = Vector512<float>.Zero;
        for (int i = 0; i < n; i += Block)
        {
            // result = rotl(s1·5, 7)·9 with the multiplications as shifts and adds (no 64-bit vector multiply needed).
            var x = (s1 << 2) + s1;
            x = (x << 7) | Vector512.ShiftRightLogical(x, 57);
            x = (x << 3) + x;
            var tt = s1 << 17;
            s2 ^= s0;
            s3 ^= s1;
            s1 ^= s2;
            s0 ^= s3;
            s2 ^= tt;
            s3 = (s3 << 45) | Vector512.ShiftRightLogical(s3, 19);
            var u = Vector512.ConvertToSingle(Vector512.ShiftRightLogical(x.AsUInt32(), 8).AsInt32()) * scale;
            if (i + Block <= n) u.StoreUnsafe(ref t, (nuint)i);
            else last = u;
        }
        if (n % Block != 0)
        {
            Span<float> rest = stackalloc float[Block];
            last.CopyTo(rest);
            rest[..(n % Block)].CopyTo(target[(n - n % Block)..]);
        }
        s0.StoreUnsafe(ref state, 0);
        s1.StoreUnsafe(ref state, Lanes);
        s2.StoreUnsafe(ref state, 2 * Lanes);
        s3.StoreUnsafe(ref state, 3 * Lanes);
    }

    // Lanes 0–3 and 4–7 as two 256-bit halves: the same integer arithmetic per lane, so the same bits as Fill512.
    private static void Fill256(ref ulong state, Span<float> target)
    {
        var a0 = Vector256.LoadUnsafe(ref state, 0); var b0 = Vector256.LoadUnsafe(ref state, 4);
        var a1 = Vector256.LoadUnsafe(ref state, 8); var b1 = Vector256.LoadUnsafe(ref state, 12);
        var a2 = Vector256.LoadUnsafe(ref state, 16); var b2 = Vector256.LoadUnsafe(ref state, 20);
        var a3 = Vector256.LoadUnsafe(ref state, 24); var b3 = Vector256.LoadUnsafe(ref state, 28);
        var scale = Vector256.Create(Scale);
        Span<float> block = stackalloc float[Block];
        int n = target.Length;
        for (int i = 0; i < n; i += Block)
        {
            var ua = Step256(ref a0, ref a1, ref a2, ref a3);
            var ub = Step256(ref b0, ref b1, ref b2, ref b3);
            (Vector256.ConvertToSingle(Vector256.ShiftRightLogical(ua.AsUInt32(), 8).AsInt32()) * scale).CopyTo(block);
            (Vector256.ConvertToSingle(Vector256.ShiftRightLogical(ub.AsUInt32(), 8).AsInt32()) * scale).CopyTo(block[Lanes..]);
            block[..Math.Min(Block, n - i)].CopyTo(target[i..]);
        }
        a0.StoreUnsafe(ref state, 0); b0.StoreUnsafe(ref state, 4);
        a1.StoreUnsafe(ref state, 8); b1.StoreUnsafe(ref state, 12);
        a2.StoreUnsafe(ref state, 16); b2.StoreUnsafe(ref state, 20);
        a3.StoreUnsafe(ref state, 24); b3.StoreUnsafe(ref state, 28);
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector256<ulong> Step256(ref Vector256<ulong> s0, ref Vector256<ulong> s1, ref Vector256<ulong> s2, ref Vector256<ulong> s3)
    {
        var x = (s1 << 2) + s1;
        x = (x << 7) | Vector256.ShiftRightLogical(x, 57);
        x = (x << 3) + x;
        var t = s1 << 17;
        s2 ^= s0;
        s3 ^= s1;
        s1 ^= s2;
        s0 ^= s3;
        s2 ^= t;
        s3 = (s3 << 45) | Vector256.ShiftRightLogical(s3, 19);
        return x;
    }
}
