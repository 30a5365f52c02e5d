namespace OnChip.Tensors;

/// <summary>
/// The portable fallback micro-kernel (no usable SIMD). It follows exactly the arithmetic of the vector kernels:
/// one fused multiply-add chain per element over k, then alpha·acc (+ beta·C in one FMA), so it yields the same bits.
/// </summary>
internal static unsafe class GemmKernelScalar
{
    private const int Columns = 16;

    /// <summary>Same contract as <see cref="GemmKernel512.Run"/>.</summary>
    public static void Run(int rows, int vectors, int kc, float* a, nint rs, nint cs, float* b, float* c, nint ldc, float alpha, float beta)
    {
        nint bs = vectors * Columns;
        float* acc = stackalloc float[Columns];
        for (int r = 0; r < rows; r++)
        {
            for (int s = 0; s < vectors; s++)
            {
                new Span<float>(acc, Columns).Clear();
                float* ap = a + r * rs, bp = b + s * Columns;
                for (int p = 0; p < kc; p++, ap += cs, bp += bs)
                {
                    float av = *ap;
                    for (int j = 0; j < Columns; j++) acc[j] = MathF.FusedMultiplyAdd(av, bp[j], acc[j]);
                }
                float* cp = c + r * ldc + s * Columns;
                for (int j = 0; j < Columns; j++) cp[j] = GemmEpilogue.Apply(acc[j], cp[j], alpha, beta);
            }
        }
    }
}
