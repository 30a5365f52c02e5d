using OnChip.Parallelism;

namespace OnChip.Tensors;

/// <summary>
/// One GEMM split between a pool's workers, by blocks of 16 columns or of rows (never k). The kernel path and ISA
/// are chosen once for the whole call, and element results do not depend on the ranges, so the split keeps every bit.
/// One instance per calling thread is reused; the operand pointers are only valid during <see cref="WorkerPool.Run"/>.
/// </summary>
internal sealed unsafe class GemmJob : IParallelJob
{
    // Measured on the 2-core Zen 5 VM: row splits won clearly at k ≤ 128, column splits at k = 784 (B packed once).
    private const int ColumnSplitMinK = 256;

    [ThreadStatic] private static GemmJob? t_job;

    private GemmPath _path;
    private GemmIsa _isa;
    private bool _transA, _transB, _splitColumns;
    private int _m, _n, _k, _rowUnit;
    private float _alpha, _beta;
    private float* _a, _b, _c;
    private nint _lda, _ldb, _ldc;

    public static void Run(WorkerPool pool, GemmPath path, GemmIsa isa, bool transA, bool transB, int m, int n, int k,
        float alpha, float* a, nint lda, float* b, nint ldb, float beta, float* c, nint ldc)
    {
        var job = t_job ??= new GemmJob();
        job._path = path;
        job._isa = isa;
        (job._transA, job._transB, job._m, job._n, job._k) = (transA, transB, m, n, k);
        (job._alpha, job._lda, job._ldb, job._beta, job._ldc) = (alpha, lda, ldb, beta, ldc);
        job._a = a;
        job._b = b;
        job._c = c;
        // Rows by default: each worker then writes one contiguous block of C (interleaved column blocks make the two
        // cores fight over C's cache lines, which dominates when k is small). Columns when k is large enough that
        // packing B twice would cost more, or when there are too few rows to share, and C is wide enough to split.
        job._splitColumns = path == GemmPath.Blocked && n >= 2 * GemmBlocked.NR * pool.Workers
            && (k >= ColumnSplitMinK || m < 4 * GemmBlocked.MR * pool.Workers);
        job._rowUnit = path == GemmPath.Blocked ? GemmBlocked.MR : 4;
        try
        {
            pool.Run(job);
        }
        finally
        {
            job._a = job._b = job._c = null;
        }
    }

    public void Execute(int worker, int workers)
    {
        if (_splitColumns)
        {
            var (start, end) = WorkerPool.Share((_n + 15) / 16, worker, workers);
            int j0 = start * 16, j1 = Math.Min(_n, end * 16);
            if (j1 <= j0) return;
            float* b = _transB ? _b + j0 * _ldb : _b + j0;
            Gemm.Compute(_path, _isa, _transA, _transB, _m, j1 - j0, _k, _alpha, _a, _lda, b, _ldb, _beta, _c + j0, _ldc);
        }
        else
        {
            var (start, end) = WorkerPool.Share((_m + _rowUnit - 1) / _rowUnit, worker, workers);
            int i0 = start * _rowUnit, i1 = Math.Min(_m, end * _rowUnit);
            if (i1 <= i0) return;
            float* a = _transA ? _a + i0 : _a + i0 * _lda;
            Gemm.Compute(_path, _isa, _transA, _transB, i1 - i0, _n, _k, _alpha, a, _lda, _b, _ldb, _beta, _c + i0 * _ldc, _ldc);
        }
    }
}
