using OnChip.Parallelism;

namespace OnChip.Tensors;

/// <summary>Which algorithm computes a product; a function of (transA, transB, n, k) only, never of m.</summary>
internal enum GemmPath
{
    /// <summary>Packed, cache-blocked micro-kernel GEMM (<see cref="GemmBlocked"/>).</summary>
    Blocked,

    /// <summary>Unpacked dot products along contiguous k, for A·Bᵀ with few columns (<see cref="GemmDot"/>).</summary>
    Dot,
}

/// <summary>
/// Single-precision matrix multiply on row-major storage: C[m×n] = alpha·op(A)·op(B) + beta·C.
/// <para>
/// op(A) is m×k: A is stored m×k (lda ≥ k) when <c>transA</c> is false and k×m (lda ≥ m) when it is true.
/// op(B) is k×n: B is stored k×n (ldb ≥ n) when <c>transB</c> is false and n×k (ldb ≥ k) when it is true.
/// beta = 0 overwrites C without reading it (NaN there is ignored); alpha = 0 or k = 0 give C = beta·C without
/// reading A or B. C must not overlap A or B.
/// </para>
/// <para>
/// Determinism: every output element is computed by the same sequence of fused multiply-adds whatever m, the row
/// offset of the call, the column range a worker handles, the worker count, and the instruction set (AVX-512, AVX2
/// or scalar). A batch split by rows between threads, or the pool overload, therefore gives bitwise the same C as
/// one serial call. Bits may differ between different (transA, transB, n, k), which select the algorithm.
/// </para>
/// <para>
/// Algorithms: A·Bᵀ (transA false, transB true) with n ≤ 16 uses unpacked dot products along k (16-lane partial sums,
/// fixed reduction tree). Everything else uses the packed, cache-blocked 6×64 AVX-512 micro-kernel GEMM: op(B) is
/// packed (transposed in registers when transB), op(A) is read in place (packed per 6 rows when transA), and each
/// element is one FMA chain over k in ascending order, split into balanced blocks of at most 1024 (so k ≤ 1024 is
/// a single chain). AVX2 and scalar fallbacks run the same arithmetic when AVX-512 (or AVX2) is not accelerated.
/// Packing memory is per thread and reused, so steady-state calls do not allocate.
/// </para>
/// </summary>
internal static unsafe class Gemm
{
    /// <summary>A·Bᵀ products with at most this many columns use dot products instead of 64-column panels.</summary>
    internal const int DotMaxColumns = 16;

    // Below this many multiply-adds the pool overload runs inline: waking workers costs more than it saves.
    private const long ParallelMinWork = 1 << 18;

    /// <summary>C[m×n] = alpha·op(A)·op(B) + beta·C on the calling thread. See <see cref="Gemm"/> for layouts.</summary>
    public static void Multiply(bool transA, bool transB, int m, int n, int k, float alpha,
        ReadOnlySpan<float> a, int lda, ReadOnlySpan<float> b, int ldb, float beta, Span<float> c, int ldc)
    {
        Validate(transA, transB, m, n, k, a.Length, lda, b.Length, ldb, c.Length, ldc);
        fixed (float* pa = a, pb = b, pc = c)
        {
            Compute(ChoosePath(transA, transB, n, k), GemmIsaSelector.Current, transA, transB, m, n, k, alpha, pa, lda, pb, ldb, beta, pc, ldc);
        }
    }

    /// <summary>
    /// Same as the serial overload, split between the workers of <paramref name="pool"/> with bitwise the same result:
    /// by rows in general, by 16-column blocks when k ≥ 256 and C is wide (each worker then packs only its part of B)
    /// or when there are few rows; never by k. Small products (under 2^18 multiply-adds) run inline on the caller.
    /// The spans are pinned for the duration of the call, which returns only when every worker has finished.
    /// </summary>
    public static void Multiply(WorkerPool pool, bool transA, bool transB, int m, int n, int k, float alpha,
        ReadOnlySpan<float> a, int lda, ReadOnlySpan<float> b, int ldb, float beta, Span<float> c, int ldc)
    {
        ArgumentNullException.ThrowIfNull(pool);
        Validate(transA, transB, m, n, k, a.Length, lda, b.Length, ldb, c.Length, ldc);
        var path = ChoosePath(transA, transB, n, k);
        var isa = GemmIsaSelector.Current;
        fixed (float* pa = a, pb = b, pc = c)
        {
            if (pool.Workers == 1 || (long)m * n * k < ParallelMinWork || alpha == 0)
                Compute(path, isa, transA, transB, m, n, k, alpha, pa, lda, pb, ldb, beta, pc, ldc);
            else
                GemmJob.Run(pool, path, isa, transA, transB, m, n, k, alpha, pa, lda, pb, ldb, beta, pc, ldc);
        }
    }

    /// <summary>Serial overload on arrays: each operand starts at its offset (e.g. a row of a <see cref="Matrix"/>).</summary>
    public static void Multiply(bool transA, bool transB, int m, int n, int k, float alpha,
        float[] a, int aOffset, int lda, float[] b, int bOffset, int ldb, float beta, float[] c, int cOffset, int ldc)
        => Multiply(transA, transB, m, n, k, alpha, Slice(a, aOffset, nameof(a)), lda, Slice(b, bOffset, nameof(b)), ldb,
            beta, Slice(c, cOffset, nameof(c)), ldc);

    /// <summary>Pool overload on arrays: each operand starts at its offset (e.g. a row of a <see cref="Matrix"/>).</summary>
    public static void Multiply(WorkerPool pool, bool transA, bool transB, int m, int n, int k, float alpha,
        float[] a, int aOffset, int lda, float[] b, int bOffset, int ldb, float beta, float[] c, int cOffset, int ldc)
        => Multiply(pool, transA, transB, m, n, k, alpha, Slice(a, aOffset, nameof(a)), lda, Slice(b, bOffset, nameof(b)), ldb,
            beta, Slice(c, cOffset, nameof(c)), ldc);

    internal static GemmPath ChoosePath(bool transA, bool transB, int n, int k)
        => !transA && transB && n <= DotMaxColumns ? GemmPath.Dot : GemmPath.Blocked;

    /// <summary>The unchecked core; the pool job calls it on column or row sub-ranges with the caller's path and ISA.</summary>
    internal static void Compute(GemmPath path, GemmIsa isa, bool transA, bool transB, int m, int n, int k, float alpha,
        float* a, nint lda, float* b, nint ldb, float beta, float* c, nint ldc)
    {
        if (m == 0 || n == 0) return;
        if (k == 0 || alpha == 0)
        {
            Scale(m, n, beta, c, ldc);
            return;
        }
        if (path == GemmPath.Dot) GemmDot.Run(isa, m, n, k, alpha, a, lda, b, ldb, beta, c, ldc);
        else GemmBlocked.Run(isa, transA, transB, m, n, k, alpha, a, lda, b, ldb, beta, c, ldc);
    }

    private static void Scale(int m, int n, float beta, float* c, nint ldc)
    {
        if (beta == 1) return;
        for (int i = 0; i < m; i++)
        {
            var row = new Span<float>(c + i * ldc, n);
            if (beta == 0) row.Clear();
            else System.Numerics.Tensors.TensorPrimitives.Multiply(row, beta, row);
        }
    }

    private static Span<float> Slice(float[] array, int offset, string name)
    {
        ArgumentNullException.ThrowIfNull(array, name);
        if ((uint)offset > (uint)array.Length)
            throw new ArgumentOutOfRangeException(name, offset, $"offset {offset} is outside {name} (length {array.Length})");
        return array.AsSpan(offset);
    }

    private static void Validate(bool transA, bool transB, int m, int n, int k, int aLength, int lda, int bLength, int ldb, int cLength, int ldc)
    {
        if (m < 0) throw new ArgumentOutOfRangeException(nameof(m), m, "m must be non-negative");
        if (n < 0) throw new ArgumentOutOfRangeException(nameof(n), n, "n must be non-negative");
        if (k < 0) throw new ArgumentOutOfRangeException(nameof(k), k, "k must be non-negative");
        CheckOperand("a", "lda", transA ? k : m, transA ? m : k, aLength, lda, transA ? "transA is true, A is stored k×m" : "A is stored m×k");
        CheckOperand("b", "ldb", transB ? n : k, transB ? k : n, bLength, ldb, transB ? "transB is true, B is stored n×k" : "B is stored k×n");
        CheckOperand("c", "ldc", m, n, cLength, ldc, "C is m×n");
    }

    private static void CheckOperand(string name, string ldName, int rows, int cols, int length, int ld, string layout)
    {
        if (ld < cols || ld < 0)
            throw new ArgumentException($"{ldName} = {ld} is less than the {cols} columns of {name} ({layout}, {rows}×{cols})", ldName);
        long needed = rows == 0 || cols == 0 ? 0 : (long)(rows - 1) * ld + cols;
        if (length < needed)
            throw new ArgumentException($"{name} holds {length} floats but a {rows}×{cols} matrix with leading dimension {ld} needs {needed} ({layout})", name);
    }
}
