using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;

namespace OnChip.Tensors;

/// <summary>
/// AVX-512 dot-product tiles for C = A·Bᵀ with both operands contiguous along k: up to 4 rows x 4 columns of C,
/// each element one 16-lane FMA accumulator (see <see cref="GemmDot"/> for the exact order), no packing at all.
/// </summary>
internal static unsafe class GemmDot512
{
    public static void Tile(int rows, int cols, int k, float* a, nint lda, float* b, nint ldb, float* c, nint ldc, float alpha, float beta)
    {
        switch (rows)
        {
            case 4: Tile<GemmN4>(cols, k, a, lda, b, ldb, c, ldc, alpha, beta); break;
            case 3: Tile<GemmN3>(cols, k, a, lda, b, ldb, c, ldc, alpha, beta); break;
            case 2: Tile<GemmN2>(cols, k, a, lda, b, ldb, c, ldc, alpha, beta); break;
            default: Tile<GemmN1>(cols, k, a, lda, b, ldb, c, ldc, alpha, beta); break;
        }
    }

    private static void Tile<TR>(int cols, int k, float* a, nint lda, float* b, nint ldb, float* c, nint ldc, float alpha, float beta)
        where TR : struct, IGemmConst
    {
        switch (cols)
        {
            case 4: Tile<TR, GemmN4>(k, a, lda, b, ldb, c, ldc, alpha, beta); break;
            case 3: Tile<TR, GemmN3>(k, a, lda, b, ldb, c, ldc, alpha, beta); break;
            case 2: Tile<TR, GemmN2>(k, a, lda, b, ldb, c, ldc, alpha, beta); break;
            default: Tile<TR, GemmN1>(k, a, lda, b, ldb, c, ldc, alpha, beta); break;
        }
    }

    /// <summary>The canonical reduction tree: lanes j + 8, then j + 4, j + 2, j + 1 (mirrored by the other ISAs).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static float Reduce(Vector512<float> v)
    {
        var s8 = v.GetLower() + v.GetUpper();
        var s4 = s8.GetLower() + s8.GetUpper();
        return (s4.GetElement(0) + s4.GetElement(2)) + (s4.GetElement(1) + s4.GetElement(3));
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void Tile<TR, TC>(int k, float* a, nint lda, float* b, nint ldb, float* c, nint ldc, float alpha, float beta)
        where TR : struct, IGemmConst where TC : struct, IGemmConst
    {
        int R = TR.Value, C = TC.Value;
        Vector512<float> c00 = default, c01 = default, c02 = default, c03 = default;
        Vector512<float> c10 = default, c11 = default, c12 = default, c13 = default;
        Vector512<float> c20 = default, c21 = default, c22 = default, c23 = default;
        Vector512<float> c30 = default, c31 = default, c32 = default, c33 = default;
        float* a1 = a + lda, a2 = a1 + lda, a3 = a2 + lda;
        float* b1 = b + ldb, b2 = b1 + ldb, b3 = b2 + ldb;
        int p = 0;
        for (; p <= k - 16; p += 16)
        {
            var x0 = Vector512.Load(a + p);
            var x1 = R > 1 ? Vector512.Load(a1 + p) : default;
            var x2 = R > 2 ? Vector512.Load(a2 + p) : default;
            var x3 = R > 3 ? Vector512.Load(a3 + p) : default;
            var y0 = Vector512.Load(b + p);
            var y1 = C > 1 ? Vector512.Load(b1 + p) : default;
            var y2 = C > 2 ? Vector512.Load(b2 + p) : default;
            var y3 = C > 3 ? Vector512.Load(b3 + p) : default;
            c00 = Vector512.FusedMultiplyAdd(x0, y0, c00);
            if (C > 1) c01 = Vector512.FusedMultiplyAdd(x0, y1, c01);
            if (C > 2) c02 = Vector512.FusedMultiplyAdd(x0, y2, c02);
            if (C > 3) c03 = Vector512.FusedMultiplyAdd(x0, y3, c03);
            if (R > 1) c10 = Vector512.FusedMultiplyAdd(x1, y0, c10);
            if (R > 1 && C > 1) c11 = Vector512.FusedMultiplyAdd(x1, y1, c11);
            if (R > 1 && C > 2) c12 = Vector512.FusedMultiplyAdd(x1, y2, c12);
            if (R > 1 && C > 3) c13 = Vector512.FusedMultiplyAdd(x1, y3, c13);
            if (R > 2) c20 = Vector512.FusedMultiplyAdd(x2, y0, c20);
            if (R > 2 && C > 1) c21 = Vector512.FusedMultiplyAdd(x2, y1, c21);
            if (R > 2 && C > 2) c22 = Vector512.FusedMultiplyAdd(x2, y2, c22);
            if (R > 2 && C > 3) c23 = Vector512.FusedMultiplyAdd(x2, y3, c23);
            if (R > 3) c30 = Vector512.FusedMultiplyAdd(x3, y0, c30);
            if (R > 3 && C > 1) c31 = Vector512.FusedMultiplyAdd(x3, y1, c31);
            if (R > 3 && C > 2) c32 = Vector512.FusedMultiplyAdd(x3, y2, c32);
            if (R > 3 && C > 3) c33 = Vector512.FusedMultiplyAdd(x3, y3, c33);
        }

        if (p < k)
        {
            // Tail lanes past k load as zero, so they add 0·0 (the scalar and AVX2 paths do the same).
            var m = Vector512.LessThan(Vector512<int>.Indices, Vector512.Create(k - p)).AsSingle();
            var x0 = Avx512F.MaskLoad(a + p, m, Vector512<float>.Zero);
            var x1 = R > 1 ? Avx512F.MaskLoad(a1 + p, m, Vector512<float>.Zero) : default;
            var x2 = R > 2 ? Avx512F.MaskLoad(a2 + p, m, Vector512<float>.Zero) : default;
            var x3 = R > 3 ? Avx512F.MaskLoad(a3 + p, m, Vector512<float>.Zero) : default;
            var y0 = Avx512F.MaskLoad(b + p, m, Vector512<float>.Zero);
            var y1 = C > 1 ? Avx512F.MaskLoad(b1 + p, m, Vector512<float>.Zero) : default;
            var y2 = C > 2 ? Avx512F.MaskLoad(b2 + p, m, Vector512<float>.Zero) : default;
            var y3 = C > 3 ? Avx512F.MaskLoad(b3 + p, m, Vector512<float>.Zero) : default;
            c00 = Vector512.FusedMultiplyAdd(x0, y0, c00);
            if (C > 1) c01 = Vector512.FusedMultiplyAdd(x0, y1, c01);
            if (C > 2) c02 = Vector512.FusedMultiplyAdd(x0, y2, c02);
            if (C > 3) c03 = Vector512.FusedMultiplyAdd(x0, y3, c03);
            if (R > 1) c10 = Vector512.FusedMultiplyAdd(x1, y0, c10);
            if (R > 1 && C > 1) c11 = Vector512.FusedMultiplyAdd(x1, y1, c11);
            if (R > 1 && C > 2) c12 = Vector512.FusedMultiplyAdd(x1, y2, c12);
            if (R > 1 && C > 3) c13 = Vector512.FusedMultiplyAdd(x1, y3, c13);
            if (R > 2) c20 = Vector512.FusedMultiplyAdd(x2, y0, c20);
            if (R > 2 && C > 1) c21 = Vector512.FusedMultiplyAdd(x2, y1, c21);
            if (R > 2 && C > 2) c22 = Vector512.FusedMultiplyAdd(x2, y2, c22);
            if (R > 2 && C > 3) c23 = Vector512.FusedMultiplyAdd(x2, y3, c23);
            if (R > 3) c30 = Vector512.FusedMultiplyAdd(x3, y0, c30);
            if (R > 3 && C > 1) c31 = Vector512.FusedMultiplyAdd(x3, y1, c31);
            if (R > 3 && C > 2) c32 = Vector512.FusedMultiplyAdd(x3, y2, c32);
            if (R > 3 && C > 3) c33 = Vector512.FusedMultiplyAdd(x3, y3, c33);
        }

        c[0] = GemmEpilogue.Apply(Reduce(c00), c[0], alpha, beta);
        if (C > 1) c[1] = GemmEpilogue.Apply(Reduce(c01), c[1], alpha, beta);
        if (C > 2) c[2] = GemmEpilogue.Apply(Reduce(c02), c[2], alpha, beta);
        if (C > 3) c[3] = GemmEpilogue.Apply(Reduce(c03), c[3], alpha, beta);
        if (R == 1) return;
        c += ldc;
        c[0] = GemmEpilogue.Apply(Reduce(c10), c[0], alpha, beta);
        if (C > 1) c[1] = GemmEpilogue.Apply(Reduce(c11), c[1], alpha, beta);
        if (C > 2) c[2] = GemmEpilogue.Apply(Reduce(c12), c[2], alpha, beta);
        if (C > 3) c[3] = GemmEpilogue.Apply(Reduce(c13), c[3], alpha, beta);
        if (R == 2) return;
        c += ldc;
        c[0] = GemmEpilogue.Apply(Reduce(c20), c[0], alpha, beta);
        if (C > 1) c[1] = GemmEpilogue.Apply(Reduce(c21), c[1], alpha, beta);
        if (C > 2) c[2] = GemmEpilogue.Apply(Reduce(c22), c[2], alpha, beta);
        if (C > 3) c[3] = GemmEpilogue.Apply(Reduce(c23), c[3], alpha, beta);
        if (R == 3) return;
        c += ldc;
        c[0] = GemmEpilogue.Apply(Reduce(c30), c[0], alpha, beta);
        if (C > 1) c[1] = GemmEpilogue.Apply(Reduce(c31), c[1], alpha, beta);
        if (C > 2) c[2] = GemmEpilogue.Apply(Reduce(c32), c[2], alpha, beta);
        if (C > 3) c[3] = GemmEpilogue.Apply(Reduce(c33), c[3], alpha, beta);
    }
}
