using System.Runtime.Intrinsics;

namespace OnChip.Tensors;

/// <summary>
/// Copies operand blocks into the layouts the micro-kernels stream. Packing only moves data, so which routine
/// packs (AVX-512 or AVX2 transposes, scalar loops) never changes any result bit.
/// </summary>
internal static unsafe class GemmPacking
{
    /// <summary>
    /// Packs rows [p0, p0 + kc) x columns [j0, j0 + nc) of op(B) into panels of <see cref="GemmBlocked.NR"/> columns
    /// (the last one rounded up to 16 and zero-padded). Panel starting at column jj lives at dst + jj·kc with
    /// element (p, j) at [p·width + j], so a kernel reads each k step as 1..4 contiguous vectors.
    /// </summary>
    public static void PackB(GemmIsa isa, bool transB, float* b, nint ldb, int p0, int kc, int j0, int nc, float* dst)
    {
        for (int jj = 0; jj < nc; jj += GemmBlocked.NR)
        {
            int valid = Math.Min(GemmBlocked.NR, nc - jj);
            int width = (valid + 15) & ~15;
            float* panel = dst + (nint)jj * kc;
            if (!transB)
            {
                PackRows(b + (nint)p0 * ldb + j0 + jj, ldb, kc, valid, width, panel);
                continue;
            }
            float* rows = b + (nint)(j0 + jj) * ldb + p0;
            switch (isa)
            {
                case GemmIsa.Vector512: GemmTranspose512.Pack(rows, ldb, kc, valid, width, panel); break;
                case GemmIsa.Vector256: GemmTranspose256.Pack(rows, ldb, kc, valid, width, panel); break;
                default: PackTransposedScalar(rows, ldb, kc, valid, width, panel); break;
            }
        }
    }

    /// <summary>
    /// Packs rows [i0, i0 + rows) of op(A) = Aᵀ (A stored k x m, <paramref name="m"/> columns) for k steps
    /// [p0, p0 + kc): element (r, p) at dst[p·MR + r], contiguous per k step. Rows past <paramref name="rows"/> hold
    /// garbage that kernels for fewer rows never read; dst needs <see cref="PackedASlack"/> floats past kc·MR.
    /// </summary>
    public static void PackTransposedA(float* a, nint lda, int m, int p0, int kc, int i0, int rows, float* dst)
    {
        float* src = a + (nint)p0 * lda + i0;
        if (i0 + 8 <= m && Vector256.IsHardwareAccelerated)
        {
            // One 8-float load and store per k step (the 2 extra floats are overwritten by the next step or land in
            // the slack); the load stays inside the stored row because i0 + 8 ≤ m.
            for (int p = 0; p < kc; p++, src += lda, dst += GemmBlocked.MR) Vector256.Store(Vector256.Load(src), dst);
            return;
        }
        for (int p = 0; p < kc; p++, src += lda, dst += GemmBlocked.MR)
        {
            for (int r = 0; r < rows; r++) dst[r] = src[r];
        }
    }

    /// <summary>Floats past the end of a packed A slice that <see cref="PackTransposedA"/> may write.</summary>
    public const int PackedASlack = 8;

    // B stored k x n: each k step of the panel is a contiguous slice of one B row.
    private static void PackRows(float* src, nint ldb, int kc, int valid, int width, float* dst)
    {
        for (int p = 0; p < kc; p++, src += ldb, dst += width)
        {
            new ReadOnlySpan<float>(src, valid).CopyTo(new Span<float>(dst, valid));
            for (int j = valid; j < width; j++) dst[j] = 0;
        }
    }

    // B stored n x k: panel column j is B row j, so the panel is a transpose; scalar reference version.
    private static void PackTransposedScalar(float* src, nint ldb, int kc, int valid, int width, float* dst)
    {
        for (int p = 0; p < kc; p++, dst += width)
        {
            int j = 0;
            for (; j < valid; j++) dst[j] = src[j * ldb + p];
            for (; j < width; j++) dst[j] = 0;
        }
    }
}
