using System.Runtime.CompilerServices;

namespace OnChip.Tensors;

/// <summary>
/// The packed, cache-blocked GEMM (Goto/BLIS loop nest). For each block of NC columns and each k block, op(B) is
/// packed into L2-sized panels; then every 6-row slice of op(A) (read in place, or packed when A is transposed)
/// stays in L1 while the micro-kernel sweeps the panels. Element results depend only on k and the k blocking
/// (a function of k), never on m, the row offset, or which columns a call covers.
/// </summary>
internal static unsafe class GemmBlocked
{
    /// <summary>Rows of the register tile.</summary>
    public const int MR = 6;

    /// <summary>Columns of a full packed panel (four 16-float vectors).</summary>
    public const int NR = 64;

    /// <summary>Longest k block: a 6 x KC slice of A (24 KiB) stays in L1. Changing it changes result bits for k above it.</summary>
    public const int KCMax = 1024;

    // Packed B block budget, about half of a 1 MiB L2, so the block stays resident while A slices stream past it.
    private const int PackedBBytes = 512 * 1024;

    /// <summary>Number of k blocks; their sizes are balanced and depend only on k.</summary>
    public static int KBlocks(int k) => (k + KCMax - 1) / KCMax;

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void Run(GemmIsa isa, bool transA, bool transB, int m, int n, int k, float alpha,
        float* a, nint lda, float* b, nint ldb, float beta, float* c, nint ldc)
    {
        int blocks = KBlocks(k);
        int kcMax = (k + blocks - 1) / blocks;
        int ncMax = Math.Max(NR, PackedBBytes / (kcMax * sizeof(float)) / NR * NR);
        ncMax = Math.Min(ncMax, (n + 15) & ~15);

        float* packedB = GemmScratch.Get(kcMax * ncMax + MR * kcMax + GemmPacking.PackedASlack + MR * NR);
        float* packedA = packedB + (nint)kcMax * ncMax;
        float* tile = packedA + MR * kcMax + GemmPacking.PackedASlack;

        for (int jc = 0; jc < n; jc += ncMax)
        {
            int nc = Math.Min(ncMax, n - jc);
            for (int block = 0; block < blocks; block++)
            {
                int p0 = (int)((long)k * block / blocks);
                int kc = (int)((long)k * (block + 1) / blocks) - p0;
                float blockBeta = block == 0 ? beta : 1f;
                GemmPacking.PackB(isa, transB, b, ldb, p0, kc, jc, nc, packedB);

                for (int i0 = 0; i0 < m; i0 += MR)
                {
                    int rows = Math.Min(MR, m - i0);
                    float* aSlice;
                    nint rs, cs;
                    if (transA)
                    {
                        GemmPacking.PackTransposedA(a, lda, m, p0, kc, i0, rows, packedA);
                        aSlice = packedA;
                        rs = 1;
                        cs = MR;
                    }
                    else
                    {
                        aSlice = a + i0 * lda + p0;
                        rs = lda;
                        cs = 1;
                    }

                    float* cRow = c + i0 * ldc + jc;
                    for (int jj = 0; jj < nc; jj += NR)
                    {
                        int valid = Math.Min(NR, nc - jj);
                        int vectors = (valid + 15) >> 4;
                        float* panel = packedB + (nint)jj * kc;
                        if (valid == vectors * 16)
                        {
                            Kernel(isa, rows, vectors, kc, aSlice, rs, cs, panel, cRow + jj, ldc, alpha, blockBeta);
                        }
                        else
                        {
                            // Ragged right edge: compute the raw sums into a scratch tile, then apply the same epilogue per element.
                            Kernel(isa, rows, vectors, kc, aSlice, rs, cs, panel, tile, NR, 1f, 0f);
                            for (int r = 0; r < rows; r++)
                            {
                                float* cp = cRow + r * ldc + jj;
                                for (int j = 0; j < valid; j++) cp[j] = GemmEpilogue.Apply(tile[r * NR + j], cp[j], alpha, blockBeta);
                            }
                        }
                    }
                }
            }
        }
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void Kernel(GemmIsa isa, int rows, int vectors, int kc, float* a, nint rs, nint cs, float* b, float* c, nint ldc, float alpha, float beta)
    {
        switch (isa)
        {
            case GemmIsa.Vector512: GemmKernel512.Run(rows, vectors, kc, a, rs, cs, b, c, ldc, alpha, beta); break;
            case GemmIsa.Vector256: GemmKernel256.Run(rows, vectors, kc, a, rs, cs, b, c, ldc, alpha, beta); break;
            default: GemmKernelScalar.Run(rows, vectors, kc, a, rs, cs, b, c, ldc, alpha, beta); break;
        }
    }
}
