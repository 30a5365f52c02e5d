namespace OnChip.Tensors;

/// <summary>
/// The unpacked path for C = alpha·A·Bᵀ + beta·C with A (m x k) and B (n x k) both row-major, i.e. contiguous along k.
/// Used when n is too small for 64-column panels. Element (i, j) is computed in one fixed order, whatever the ISA,
/// tile or call range: 16 lane sums, lane l an FMA chain over p ≡ l (mod 16) in ascending p (lanes past k add 0·0);
/// then the tree (l + 8, then + 4, + 2, + 1); then the usual epilogue.
/// </summary>
internal static unsafe class GemmDot
{
    public static void Run(GemmIsa isa, int m, int n, int k, float alpha, float* a, nint lda, float* b, nint ldb, float beta, float* c, nint ldc)
    {
        int tile = isa == GemmIsa.Vector512 ? 4 : 2;
        for (int i0 = 0; i0 < m; i0 += tile)
        {
            int rows = Math.Min(tile, m - i0);
            for (int j0 = 0; j0 < n; j0 += tile)
            {
                int cols = Math.Min(tile, n - j0);
                float* ap = a + i0 * lda, bp = b + j0 * ldb, cp = c + i0 * ldc + j0;
                switch (isa)
                {
                    case GemmIsa.Vector512: GemmDot512.Tile(rows, cols, k, ap, lda, bp, ldb, cp, ldc, alpha, beta); break;
                    case GemmIsa.Vector256: GemmDot256.Tile(rows, cols, k, ap, lda, bp, ldb, cp, ldc, alpha, beta); break;
                    default: ScalarTile(rows, cols, k, ap, lda, bp, ldb, cp, ldc, alpha, beta); break;
                }
            }
        }
    }

    private static void ScalarTile(int rows, int cols, int k, float* a, nint lda, float* b, nint ldb, float* c, nint ldc, float alpha, float beta)
    {
        for (int r = 0; r < rows; r++)
        {
            for (int j = 0; j < cols; j++)
            {
                float* cp = c + r * ldc + j;
                *cp = GemmEpilogue.Apply(ScalarDot(k, a + r * lda, b + j * ldb), *cp, alpha, beta);
            }
        }
    }

    private static float ScalarDot(int k, float* a, float* b)
    {
        Span<float> lane = stackalloc float[16];
        lane.Clear();
        for (int p0 = 0; p0 < k; p0 += 16)
        {
            for (int l = 0; l < 16; l++)
            {
                int p = p0 + l;
                lane[l] = p < k ? MathF.FusedMultiplyAdd(a[p], b[p], lane[l]) : MathF.FusedMultiplyAdd(0f, 0f, lane[l]);
            }
        }
        Span<float> s8 = stackalloc float[8];
        for (int l = 0; l < 8; l++) s8[l] = lane[l] + lane[l + 8];
        float s0 = s8[0] + s8[4], s1 = s8[1] + s8[5], s2 = s8[2] + s8[6], s3 = s8[3] + s8[7];
        return (s0 + s2) + (s1 + s3);
    }
}
