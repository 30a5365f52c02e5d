using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;

namespace OnChip.Tensors;

/// <summary>AVX-512 transposing pack for B stored n x k (64 shuffles per 256 floats instead of 256 scalar moves).</summary>
internal static unsafe class GemmTranspose512
{
    /// <summary>Packs a panel of B stored n x k: panel column j is B row j, so it is a transpose done in 16 x 16 register blocks.</summary>
    public static void Pack(float* src, nint ldb, int kc, int valid, int width, float* dst)
    {
        for (int jb = 0; jb < width; jb += 16)
        {
            int rows = Math.Min(16, valid - jb);
            for (int pb = 0; pb < kc; pb += 16)
            {
                Transpose16(src + jb * ldb + pb, ldb, rows, Math.Min(16, kc - pb), dst + (nint)pb * width + jb, width);
            }
        }
    }

    /// <summary>
    /// dst[t·dstStride + q] = src[q·ldb + t] for q &lt; 16 and t &lt; cols; source rows q ≥ rows read as zero, and
    /// only the first <paramref name="cols"/> source columns are touched (masked loads never cross the operand's end).
    /// Unrolled by hand so that all 16 rows stay in zmm registers.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void Transpose16(float* src, nint ldb, int rows, int cols, float* dst, nint dstStride)
    {
        var mask = Vector512.LessThan(Vector512<int>.Indices, Vector512.Create(cols)).AsSingle();
        var r0 = Row(src + 0 * ldb, 0, rows, cols, mask);
        var r1 = Row(src + 1 * ldb, 1, rows, cols, mask);
        var r2 = Row(src + 2 * ldb, 2, rows, cols, mask);
        var r3 = Row(src + 3 * ldb, 3, rows, cols, mask);
        var r4 = Row(src + 4 * ldb, 4, rows, cols, mask);
        var r5 = Row(src + 5 * ldb, 5, rows, cols, mask);
        var r6 = Row(src + 6 * ldb, 6, rows, cols, mask);
        var r7 = Row(src + 7 * ldb, 7, rows, cols, mask);
        var r8 = Row(src + 8 * ldb, 8, rows, cols, mask);
        var r9 = Row(src + 9 * ldb, 9, rows, cols, mask);
        var r10 = Row(src + 10 * ldb, 10, rows, cols, mask);
        var r11 = Row(src + 11 * ldb, 11, rows, cols, mask);
        var r12 = Row(src + 12 * ldb, 12, rows, cols, mask);
        var r13 = Row(src + 13 * ldb, 13, rows, cols, mask);
        var r14 = Row(src + 14 * ldb, 14, rows, cols, mask);
        var r15 = Row(src + 15 * ldb, 15, rows, cols, mask);

        // Stages 1-2: within each 128-bit lane, gather 4 rows x 4 columns (uE_G lane L = column 4L + E of rows 4G..4G+3).
        var t0 = Avx512F.UnpackLow(r0, r1);
        var t1 = Avx512F.UnpackHigh(r0, r1);
        var t2 = Avx512F.UnpackLow(r2, r3);
        var t3 = Avx512F.UnpackHigh(r2, r3);
        var u0_0 = Avx512F.Shuffle(t0, t2, 0x44);
        var u1_0 = Avx512F.Shuffle(t0, t2, 0xEE);
        var u2_0 = Avx512F.Shuffle(t1, t3, 0x44);
        var u3_0 = Avx512F.Shuffle(t1, t3, 0xEE);
        t0 = Avx512F.UnpackLow(r4, r5);
        t1 = Avx512F.UnpackHigh(r4, r5);
        t2 = Avx512F.UnpackLow(r6, r7);
        t3 = Avx512F.UnpackHigh(r6, r7);
        var u0_1 = Avx512F.Shuffle(t0, t2, 0x44);
        var u1_1 = Avx512F.Shuffle(t0, t2, 0xEE);
        var u2_1 = Avx512F.Shuffle(t1, t3, 0x44);
        var u3_1 = Avx512F.Shuffle(t1, t3, 0xEE);
        t0 = Avx512F.UnpackLow(r8, r9);
        t1 = Avx512F.UnpackHigh(r8, r9);
        t2 = Avx512F.UnpackLow(r10, r11);
        t3 = Avx512F.UnpackHigh(r10, r11);
        var u0_2 = Avx512F.Shuffle(t0, t2, 0x44);
        var u1_2 = Avx512F.Shuffle(t0, t2, 0xEE);
        var u2_2 = Avx512F.Shuffle(t1, t3, 0x44);
        var u3_2 = Avx512F.Shuffle(t1, t3, 0xEE);
        t0 = Avx512F.UnpackLow(r12, r13);
        t1 = Avx512F.UnpackHigh(r12, r13);
        t2 = Avx512F.UnpackLow(r14, r15);
        t3 = Avx512F.UnpackHigh(r14, r15);
        var u0_3 = Avx512F.Shuffle(t0, t2, 0x44);
        var u1_3 = Avx512F.Shuffle(t0, t2, 0xEE);
        var u2_3 = Avx512F.Shuffle(t1, t3, 0x44);
        var u3_3 = Avx512F.Shuffle(t1, t3, 0xEE);

        // Stages 3-4: move 128-bit lanes so that output column 4L + E holds lane L of uE_0, uE_1, uE_2, uE_3.
        Columns(u0_0, u0_1, u0_2, u0_3, 0, cols, dst, dstStride);
        Columns(u1_0, u1_1, u1_2, u1_3, 1, cols, dst, dstStride);
        Columns(u2_0, u2_1, u2_2, u2_3, 2, cols, dst, dstStride);
        Columns(u3_0, u3_1, u3_2, u3_3, 3, cols, dst, dstStride);
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector512<float> Row(float* src, int q, int rows, int cols, Vector512<float> mask)
        => q >= rows ? Vector512<float>.Zero
            : cols == 16 ? Vector512.Load(src)
            : Avx512F.MaskLoad(src, mask, Vector512<float>.Zero);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void Columns(Vector512<float> g0, Vector512<float> g1, Vector512<float> g2, Vector512<float> g3, int e, int cols, float* dst, nint dstStride)
    {
        var v0 = Avx512F.Shuffle4x128(g0, g1, 0x88);
        var v1 = Avx512F.Shuffle4x128(g0, g1, 0xDD);
        var v2 = Avx512F.Shuffle4x128(g2, g3, 0x88);
        var v3 = Avx512F.Shuffle4x128(g2, g3, 0xDD);
        if (cols == 16)
        {
            Vector512.Store(Avx512F.Shuffle4x128(v0, v2, 0x88), dst + e * dstStride);
            Vector512.Store(Avx512F.Shuffle4x128(v1, v3, 0x88), dst + (4 + e) * dstStride);
            Vector512.Store(Avx512F.Shuffle4x128(v0, v2, 0xDD), dst + (8 + e) * dstStride);
            Vector512.Store(Avx512F.Shuffle4x128(v1, v3, 0xDD), dst + (12 + e) * dstStride);
            return;
        }
        if (e < cols) Vector512.Store(Avx512F.Shuffle4x128(v0, v2, 0x88), dst + e * dstStride);
        if (4 + e < cols) Vector512.Store(Avx512F.Shuffle4x128(v1, v3, 0x88), dst + (4 + e) * dstStride);
        if (8 + e < cols) Vector512.Store(Avx512F.Shuffle4x128(v0, v2, 0xDD), dst + (8 + e) * dstStride);
        if (12 + e < cols) Vector512.Store(Avx512F.Shuffle4x128(v1, v3, 0xDD), dst + (12 + e) * dstStride);
    }
}
