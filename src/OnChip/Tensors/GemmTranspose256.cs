using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;

namespace OnChip.Tensors;

/// <summary>AVX2 transposing pack for B stored n x k, in 8 x 8 register blocks (24 shuffles per 64 floats).</summary>
internal static unsafe class GemmTranspose256
{
    /// <summary>Same contract as <see cref="GemmTranspose512.Pack"/>.</summary>
    public static void Pack(float* src, nint ldb, int kc, int valid, int width, float* dst)
    {
        for (int jb = 0; jb < width; jb += 8)
        {
            int rows = Math.Clamp(valid - jb, 0, 8);
            for (int pb = 0; pb < kc; pb += 8)
            {
                Transpose8(src + jb * ldb + pb, ldb, rows, Math.Min(8, kc - pb), dst + (nint)pb * width + jb, width);
            }
        }
    }

    /// <summary>dst[t·dstStride + q] = src[q·ldb + t] for q &lt; 8, t &lt; cols; rows q ≥ rows read as zero; masked loads stay in bounds.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void Transpose8(float* src, nint ldb, int rows, int cols, float* dst, nint dstStride)
    {
        var mask = Vector256.LessThan(Vector256<int>.Indices, Vector256.Create(cols)).AsSingle();
        var r0 = Row(src, 0, rows, cols, mask);
        var r1 = Row(src + ldb, 1, rows, cols, mask);
        var r2 = Row(src + 2 * ldb, 2, rows, cols, mask);
        var r3 = Row(src + 3 * ldb, 3, rows, cols, mask);
        var r4 = Row(src + 4 * ldb, 4, rows, cols, mask);
        var r5 = Row(src + 5 * ldb, 5, rows, cols, mask);
        var r6 = Row(src + 6 * ldb, 6, rows, cols, mask);
        var r7 = Row(src + 7 * ldb, 7, rows, cols, mask);

        // Within each 128-bit lane, gather 4 rows x 4 columns; then swap lanes to join rows 0-3 with rows 4-7.
        var t0 = Avx.UnpackLow(r0, r1);
        var t1 = Avx.UnpackHigh(r0, r1);
        var t2 = Avx.UnpackLow(r2, r3);
        var t3 = Avx.UnpackHigh(r2, r3);
        var t4 = Avx.UnpackLow(r4, r5);
        var t5 = Avx.UnpackHigh(r4, r5);
        var t6 = Avx.UnpackLow(r6, r7);
        var t7 = Avx.UnpackHigh(r6, r7);
        var u0 = Avx.Shuffle(t0, t2, 0x44);
        var u1 = Avx.Shuffle(t0, t2, 0xEE);
        var u2 = Avx.Shuffle(t1, t3, 0x44);
        var u3 = Avx.Shuffle(t1, t3, 0xEE);
        var u4 = Avx.Shuffle(t4, t6, 0x44);
        var u5 = Avx.Shuffle(t4, t6, 0xEE);
        var u6 = Avx.Shuffle(t5, t7, 0x44);
        var u7 = Avx.Shuffle(t5, t7, 0xEE);
        Column(Avx.Permute2x128(u0, u4, 0x20), 0, cols, dst, dstStride);
        Column(Avx.Permute2x128(u1, u5, 0x20), 1, cols, dst, dstStride);
        Column(Avx.Permute2x128(u2, u6, 0x20), 2, cols, dst, dstStride);
        Column(Avx.Permute2x128(u3, u7, 0x20), 3, cols, dst, dstStride);
        Column(Avx.Permute2x128(u0, u4, 0x31), 4, cols, dst, dstStride);
        Column(Avx.Permute2x128(u1, u5, 0x31), 5, cols, dst, dstStride);
        Column(Avx.Permute2x128(u2, u6, 0x31), 6, cols, dst, dstStride);
        Column(Avx.Permute2x128(u3, u7, 0x31), 7, cols, dst, dstStride);
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector256<float> Row(float* src, int q, int rows, int cols, Vector256<float> mask)
        => q >= rows ? Vector256<float>.Zero : cols == 8 ? Vector256.Load(src) : Avx.MaskLoad(src, mask);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void Column(Vector256<float> column, int t, int cols, float* dst, nint dstStride)
    {
        if (t < cols) Vector256.Store(column, dst + t * dstStride);
    }
}
