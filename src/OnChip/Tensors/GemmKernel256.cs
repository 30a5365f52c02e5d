using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;

namespace OnChip.Tensors;

/// <summary>
/// The AVX2 fallback micro-kernel: 6 rows x 16 columns (12 ymm accumulators, fitting the 16 registers of AVX2),
/// run once per 16-column slice of the same packed panels the AVX-512 kernel uses. Each element is the same
/// FMA chain over k as in <see cref="GemmKernel512"/>, so both produce identical bits.
/// </summary>
internal static unsafe class GemmKernel256
{
    /// <summary>Same contract as <see cref="GemmKernel512.Run"/>.</summary>
    public static void Run(int rows, int vectors, int kc, float* a, nint rs, nint cs, float* b, float* c, nint ldc, float alpha, float beta)
    {
        nint bs = vectors * 16;
        for (int s = 0; s < vectors; s++)
        {
            float* bSlice = b + s * 16, cSlice = c + s * 16;
            switch (rows)
            {
                case 6: Tile<GemmN6>(kc, a, rs, cs, bSlice, bs, cSlice, ldc, alpha, beta); break;
                case 5: Tile<GemmN5>(kc, a, rs, cs, bSlice, bs, cSlice, ldc, alpha, beta); break;
                case 4: Tile<GemmN4>(kc, a, rs, cs, bSlice, bs, cSlice, ldc, alpha, beta); break;
                case 3: Tile<GemmN3>(kc, a, rs, cs, bSlice, bs, cSlice, ldc, alpha, beta); break;
                case 2: Tile<GemmN2>(kc, a, rs, cs, bSlice, bs, cSlice, ldc, alpha, beta); break;
                default: Tile<GemmN1>(kc, a, rs, cs, bSlice, bs, cSlice, ldc, alpha, beta); break;
            }
        }
    }

    // The update of C, in the form GemmEpilogue.Apply defines (alpha·acc, or alpha·acc + beta·C in one FMA). Multiplying
    // by alpha = 1 or beta = 1 is exact, so those cases skip the multiply with identical bits; beta = 0 never reads C.
    // Plain branches on loop-invariant flags (a switch here compiles to one indirect jump per store).
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void Store(Vector256<float> acc, float* c, Vector256<float> alpha, Vector256<float> beta, GemmUpdate update)
    {
        if (!update.ReadsC) Vector256.Store(update.ScalesAcc ? alpha * acc : acc, c);
        else if (update.ScalesC) Vector256.Store(Vector256.FusedMultiplyAdd(alpha, acc, beta * Vector256.Load(c)), c);
        else Vector256.Store(Vector256.FusedMultiplyAdd(alpha, acc, Vector256.Load(c)), c);
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void Tile<TR>(int kc, float* a, nint rs, nint cs, float* b, nint bs, float* c, nint ldc, float alpha, float beta)
        where TR : struct, IGemmConst
    {
        int R = TR.Value;
        Vector256<float> c00 = default, c01 = default;
        Vector256<float> c10 = default, c11 = default;
        Vector256<float> c20 = default, c21 = default;
        Vector256<float> c30 = default, c31 = default;
        Vector256<float> c40 = default, c41 = default;
        Vector256<float> c50 = default, c51 = default;
        nint r2 = rs * 2, r3 = rs * 3, r4 = rs * 4, r5 = rs * 5;
        for (int p = 0; p < kc; p++)
        {
            var b0 = Vector256.Load(b);
            var b1 = Vector256.Load(b + 8);
            Vector256<float> av;
            av = Vector256.Create(a[0]);
            c00 = Vector256.FusedMultiplyAdd(av, b0, c00);
            c01 = Vector256.FusedMultiplyAdd(av, b1, c01);
            if (R > 1)
            {
                av = Vector256.Create(a[rs]);
                c10 = Vector256.FusedMultiplyAdd(av, b0, c10);
                c11 = Vector256.FusedMultiplyAdd(av, b1, c11);
            }
            if (R > 2)
            {
                av = Vector256.Create(a[r2]);
                c20 = Vector256.FusedMultiplyAdd(av, b0, c20);
                c21 = Vector256.FusedMultiplyAdd(av, b1, c21);
            }
            if (R > 3)
            {
                av = Vector256.Create(a[r3]);
                c30 = Vector256.FusedMultiplyAdd(av, b0, c30);
                c31 = Vector256.FusedMultiplyAdd(av, b1, c31);
            }
            if (R > 4)
            {
                av = Vector256.Create(a[r4]);
                c40 = Vector256.FusedMultiplyAdd(av, b0, c40);
                c41 = Vector256.FusedMultiplyAdd(av, b1, c41);
            }
            if (R > 5)
            {
                av = Vector256.Create(a[r5]);
                c50 = Vector256.FusedMultiplyAdd(av, b0, c50);
                c51 = Vector256.FusedMultiplyAdd(av, b1, c51);
            }
            a += cs;
            b += bs;
        }

        var va = Vector256.Create(alpha);
        var vb = Vector256.Create(beta);
        var update = new GemmUpdate(alpha, beta);
        Store(c00, c, va, vb, update); Store(c01, c + 8, va, vb, update);
        if (R == 1) return;
        c += ldc;
        Store(c10, c, va, vb, update); Store(c11, c + 8, va, vb, update);
        if (R == 2) return;
        c += ldc;
        Store(c20, c, va, vb, update); Store(c21, c + 8, va, vb, update);
        if (R == 3) return;
        c += ldc;
        Store(c30, c, va, vb, update); Store(c31, c + 8, va, vb, update);
        if (R == 4) return;
        c += ldc;
        Store(c40, c, va, vb, update); Store(c41, c + 8, va, vb, update);
        if (R == 5) return;
        c += ldc;
        Store(c50, c, va, vb, update); Store(c51, c + 8, va, vb, update);
    }
}
