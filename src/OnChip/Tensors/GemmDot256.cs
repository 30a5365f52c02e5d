using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;

namespace OnChip.Tensors;

/// <summary>
/// AVX2 dot-product tiles (up to 2 x 2 elements). Each element keeps its 16 canonical lanes as two ymm halves
/// (lanes 0-7 and 8-15), so sums and reduction order match <see cref="GemmDot512"/> bit for bit.
/// </summary>
internal static unsafe class GemmDot256
{
    public static void Tile(int rows, int cols, int k, float* a, nint lda, float* b, nint ldb, float* c, nint ldc, float alpha, float beta)
    {
        if (rows == 2)
        {
            if (cols == 2) Tile<GemmN2, GemmN2>(k, a, lda, b, ldb, c, ldc, alpha, beta);
            else Tile<GemmN2, GemmN1>(k, a, lda, b, ldb, c, ldc, alpha, beta);
        }
        else
        {
            if (cols == 2) Tile<GemmN1, GemmN2>(k, a, lda, b, ldb, c, ldc, alpha, beta);
            else Tile<GemmN1, GemmN1>(k, a, lda, b, ldb, c, ldc, alpha, beta);
        }
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static float Reduce(Vector256<float> lo, Vector256<float> hi)
    {
        var s8 = lo + hi;
        var s4 = s8.GetLower() + s8.GetUpper();
        return (s4.GetElement(0) + s4.GetElement(2)) + (s4.GetElement(1) + s4.GetElement(3));
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void Tile<TR, TC>(int k, float* a, nint lda, float* b, nint ldb, float* c, nint ldc, float alpha, float beta)
        where TR : struct, IGemmConst where TC : struct, IGemmConst
    {
        int R = TR.Value, C = TC.Value;
        Vector256<float> l00 = default, h00 = default, l01 = default, h01 = default;
        Vector256<float> l10 = default, h10 = default, l11 = default, h11 = default;
        float* a1 = a + lda, b1 = b + ldb;
        int p = 0;
        for (; p <= k - 16; p += 16)
        {
            var xl0 = Vector256.Load(a + p);
            var xh0 = Vector256.Load(a + p + 8);
            var xl1 = R > 1 ? Vector256.Load(a1 + p) : default;
            var xh1 = R > 1 ? Vector256.Load(a1 + p + 8) : default;
            var yl0 = Vector256.Load(b + p);
            var yh0 = Vector256.Load(b + p + 8);
            var yl1 = C > 1 ? Vector256.Load(b1 + p) : default;
            var yh1 = C > 1 ? Vector256.Load(b1 + p + 8) : default;
            { l00 = Vector256.FusedMultiplyAdd(xl0, yl0, l00); h00 = Vector256.FusedMultiplyAdd(xh0, yh0, h00); }
            if (C > 1) { l01 = Vector256.FusedMultiplyAdd(xl0, yl1, l01); h01 = Vector256.FusedMultiplyAdd(xh0, yh1, h01); }
            if (R > 1) { l10 = Vector256.FusedMultiplyAdd(xl1, yl0, l10); h10 = Vector256.FusedMultiplyAdd(xh1, yh0, h10); }
            if (R > 1 && C > 1) { l11 = Vector256.FusedMultiplyAdd(xl1, yl1, l11); h11 = Vector256.FusedMultiplyAdd(xh1, yh1, h11); }
        }

        if (p < k)
        {
            var ml = Vector256.LessThan(Vector256<int>.Indices, Vector256.Create(k - p)).AsSingle();
            var mh = Vector256.LessThan(Vector256<int>.Indices, Vector256.Create(k - p - 8)).AsSingle();
            var xl0 = Avx.MaskLoad(a + p, ml);
            var xh0 = Avx.MaskLoad(a + p + 8, mh);
            var xl1 = R > 1 ? Avx.MaskLoad(a1 + p, ml) : default;
            var xh1 = R > 1 ? Avx.MaskLoad(a1 + p + 8, mh) : default;
            var yl0 = Avx.MaskLoad(b + p, ml);
            var yh0 = Avx.MaskLoad(b + p + 8, mh);
            var yl1 = C > 1 ? Avx.MaskLoad(b1 + p, ml) : default;
            var yh1 = C > 1 ? Avx.MaskLoad(b1 + p + 8, mh) : default;
            { l00 = Vector256.FusedMultiplyAdd(xl0, yl0, l00); h00 = Vector256.FusedMultiplyAdd(xh0, yh0, h00); }
            if (C > 1) { l01 = Vector256.FusedMultiplyAdd(xl0, yl1, l01); h01 = Vector256.FusedMultiplyAdd(xh0, yh1, h01); }
            if (R > 1) { l10 = Vector256.FusedMultiplyAdd(xl1, yl0, l10); h10 = Vector256.FusedMultiplyAdd(xh1, yh0, h10); }
            if (R > 1 && C > 1) { l11 = Vector256.FusedMultiplyAdd(xl1, yl1, l11); h11 = Vector256.FusedMultiplyAdd(xh1, yh1, h11); }
        }

        c[0] = GemmEpilogue.Apply(Reduce(l00, h00), c[0], alpha, beta);
        if (C > 1) c[1] = GemmEpilogue.Apply(Reduce(l01, h01), c[1], alpha, beta);
        if (R == 1) return;
        c += ldc;
        c[0] = GemmEpilogue.Apply(Reduce(l10, h10), c[0], alpha, beta);
        if (C > 1) c[1] = GemmEpilogue.Apply(Reduce(l11, h11), c[1], alpha, beta);
    }
}
