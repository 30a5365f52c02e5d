using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;

namespace OnChip.Tensors;

/// <summary>
/// The AVX-512 micro-kernel: a tile of up to 6 rows x 64 columns (24 zmm accumulators) of C, reading A through
/// runtime strides and B from a packed panel (16·V floats per k step). Every element is one FMA chain over k,
/// so the same element gets the same bits from any tile size; that is what makes results row-independent.
/// </summary>
internal static unsafe class GemmKernel512
{
    /// <summary>Computes rows [0, R) and columns [0, 16·V) of C from kc steps of A (element (r, p) at a[r·rs + p·cs]) and a packed B panel.</summary>
    public static void Run(int rows, int vectors, int kc, float* a, nint rs, nint cs, float* b, float* c, nint ldc, float alpha, float beta)
    {
        switch (rows)
        {
            case 6: Run<GemmN6>(vectors, kc, a, rs, cs, b, c, ldc, alpha, beta); break;
            case 5: Run<GemmN5>(vectors, kc, a, rs, cs, b, c, ldc, alpha, beta); break;
            case 4: Run<GemmN4>(vectors, kc, a, rs, cs, b, c, ldc, alpha, beta); break;
            case 3: Run<GemmN3>(vectors, kc, a, rs, cs, b, c, ldc, alpha, beta); break;
            case 2: Run<GemmN2>(vectors, kc, a, rs, cs, b, c, ldc, alpha, beta); break;
            default: Run<GemmN1>(vectors, kc, a, rs, cs, b, c, ldc, alpha, beta); break;
        }
    }

    private static void Run<TR>(int vectors, int kc, float* a, nint rs, nint cs, float* b, float* c, nint ldc, float alpha, float beta)
        where TR : struct, IGemmConst
    {
        switch (vectors)
        {
            case 4: Tile<TR, GemmN4>(kc, a, rs, cs, b, c, ldc, alpha, beta); break;
            case 3: Tile<TR, GemmN3>(kc, a, rs, cs, b, c, ldc, alpha, beta); break;
            case 2: Tile<TR, GemmN2>(kc, a, rs, cs, b, c, ldc, alpha, beta); break;
            default: Tile<TR, GemmN1>(kc, a, rs, cs, b, c, ldc, alpha, beta); break;
        }
    }

    // beta == 0 never reads C (it may hold NaN); otherwise C = alpha·acc + beta·C with one rounding in the FMA.
    // The update of C, in the form GemmEpilogue.Apply defines (alpha·acc, or alpha·acc + beta·C in one FMA). Multiplying
    // by alpha = 1 or beta = 1 is exact, so those cases skip the multiply with identical bits; beta = 0 never reads C.
    // Plain branches on loop-invariant flags (a switch here compiles to one indirect jump per store).
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void Store(Vector512<float> acc, float* c, Vector512<float> alpha, Vector512<float> beta, GemmUpdate update)
    {
        if (!update.ReadsC) Vector512.Store(update.ScalesAcc ? alpha * acc : acc, c);
        else if (update.ScalesC) Vector512.Store(Vector512.FusedMultiplyAdd(alpha, acc, beta * Vector512.Load(c)), c);
        else Vector512.Store(Vector512.FusedMultiplyAdd(alpha, acc, Vector512.Load(c)), c);
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void Tile<TR, TV>(int kc, float* a, nint rs, nint cs, float* b, float* c, nint ldc, float alpha, float beta)
        where TR : struct, IGemmConst where TV : struct, IGemmConst
    {
        int R = TR.Value, V = TV.Value;
        nint bs = V * 16;
        Vector512<float> c00 = default, c01 = default, c02 = default, c03 = default;
        Vector512<float> c10 = default, c11 = default, c12 = default, c13 = default;
        Vector512<float> c20 = default, c21 = default, c22 = default, c23 = default;
        Vector512<float> c30 = default, c31 = default, c32 = default, c33 = default;
        Vector512<float> c40 = default, c41 = default, c42 = default, c43 = default;
        Vector512<float> c50 = default, c51 = default, c52 = default, c53 = default;
        nint r2 = rs * 2, r3 = rs * 3, r4 = rs * 4, r5 = rs * 5;
        for (int p = 0; p < kc; p++)
        {
            var b0 = Vector512.Load(b);
            var b1 = V > 1 ? Vector512.Load(b + 16) : default;
            var b2 = V > 2 ? Vector512.Load(b + 32) : default;
            var b3 = V > 3 ? Vector512.Load(b + 48) : default;
            Vector512<float> av;
            av = Vector512.Create(a[0]);
            c00 = Vector512.FusedMultiplyAdd(av, b0, c00);
            if (V > 1) c01 = Vector512.FusedMultiplyAdd(av, b1, c01);
            if (V > 2) c02 = Vector512.FusedMultiplyAdd(av, b2, c02);
            if (V > 3) c03 = Vector512.FusedMultiplyAdd(av, b3, c03);
            if (R > 1)
            {
                av = Vector512.Create(a[rs]);
                c10 = Vector512.FusedMultiplyAdd(av, b0, c10);
                if (V > 1) c11 = Vector512.FusedMultiplyAdd(av, b1, c11);
                if (V > 2) c12 = Vector512.FusedMultiplyAdd(av, b2, c12);
                if (V > 3) c13 = Vector512.FusedMultiplyAdd(av, b3, c13);
            }
            if (R > 2)
            {
                av = Vector512.Create(a[r2]);
                c20 = Vector512.FusedMultiplyAdd(av, b0, c20);
                if (V > 1) c21 = Vector512.FusedMultiplyAdd(av, b1, c21);
                if (V > 2) c22 = Vector512.FusedMultiplyAdd(av, b2, c22);
                if (V > 3) c23 = Vector512.FusedMultiplyAdd(av, b3, c23);
            }
            if (R > 3)
            {
                av = Vector512.Create(a[r3]);
                c30 = Vector512.FusedMultiplyAdd(av, b0, c30);
                if (V > 1) c31 = Vector512.FusedMultiplyAdd(av, b1, c31);
                if (V > 2) c32 = Vector512.FusedMultiplyAdd(av, b2, c32);
                if (V > 3) c33 = Vector512.FusedMultiplyAdd(av, b3, c33);
            }
            if (R > 4)
            {
                av = Vector512.Create(a[r4]);
                c40 = Vector512.FusedMultiplyAdd(av, b0, c40);
                if (V > 1) c41 = Vector512.FusedMultiplyAdd(av, b1, c41);
                if (V > 2) c42 = Vector512.FusedMultiplyAdd(av, b2, c42);
                if (V > 3) c43 = Vector512.FusedMultiplyAdd(av, b3, c43);
            }
            if (R > 5)
            {
                av = Vector512.Create(a[r5]);
                c50 = Vector512.FusedMultiplyAdd(av, b0, c50);
                if (V > 1) c51 = Vector512.FusedMultiplyAdd(av, b1, c51);
                if (V > 2) c52 = Vector512.FusedMultiplyAdd(av, b2, c52);
                if (V > 3) c53 = Vector512.FusedMultiplyAdd(av, b3, c53);
            }
            a += cs;
            b += bs;
        }

        var va = Vector512.Create(alpha);
        var vb = Vector512.Create(beta);
        var update = new GemmUpdate(alpha, beta);
        Store(c00, c, va, vb, update); if (V > 1) Store(c01, c + 16, va, vb, update); if (V > 2) Store(c02, c + 32, va, vb, update); if (V > 3) Store(c03, c + 48, va, vb, update);
        if (R == 1) return;
        c += ldc;
        Store(c10, c, va, vb, update); if (V > 1) Store(c11, c + 16, va, vb, update); if (V > 2) Store(c12, c + 32, va, vb, update); if (V > 3) Store(c13, c + 48, va, vb, update);
        if (R == 2) return;
        c += ldc;
        Store(c20, c, va, vb, update); if (V > 1) Store(c21, c + 16, va, vb, update); if (V > 2) Store(c22, c + 32, va, vb, update); if (V > 3) Store(c23, c + 48, va, vb, update);
        if (R == 3) return;
        c += ldc;
        Store(c30, c, va, vb, update); if (V > 1) Store(c31, c + 16, va, vb, update); if (V > 2) Store(c32, c + 32, va, vb, update); if (V > 3) Store(c33, c + 48, va, vb, update);
        if (R == 4) return;
        c += ldc;
        Store(c40, c, va, vb, update); if (V > 1) Store(c41, c + 16, va, vb, update); if (V > 2) Store(c42, c + 32, va, vb, update); if (V > 3) Store(c43, c + 48, va, vb, update);
        if (R == 5) return;
        c += ldc;
        Store(c50, c, va, vb, update); if (V > 1) Store(c51, c + 16, va, vb, update); if (V > 2) Store(c52, c + 32, va, vb, update); if (V > 3) Store(c53, c + 48, va, vb, update);
    }
}
