using System.Runtime.CompilerServices;

namespace OnChip.Tensors;

/// <summary>The scalar form of the final update, bit-identical to the vector kernels' Store.</summary>
internal static class GemmEpilogue
{
    /// <summary>beta == 0: alpha·acc (C is not read, so NaN in C is ignored); otherwise alpha·acc + beta·C rounded once by FMA.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static float Apply(float acc, float c, float alpha, float beta)
        => beta == 0 ? alpha * acc : MathF.FusedMultiplyAdd(alpha, acc, beta * c);
}

/// <summary>
/// Which bit-identical shortcut of <see cref="GemmEpilogue.Apply"/> the vector kernels take: multiplying by 1 is exact,
/// so alpha = 1 skips alpha·acc and beta = 1 skips beta·C.
/// </summary>
internal readonly struct GemmUpdate(float alpha, float beta)
{
    public bool ReadsC { get; } = beta != 0;
    public bool ScalesAcc { get; } = alpha != 1;
    public bool ScalesC { get; } = beta != 1;
}
