using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;

namespace OnChip.Tensors;

/// <summary>The instruction set a GEMM call runs its kernels with. All three give bitwise-identical results.</summary>
internal enum GemmIsa
{
    Scalar,
    Vector256,
    Vector512,
}

internal static class GemmIsaSelector
{
    /// <summary>The widest instruction set this machine accelerates.</summary>
    public static GemmIsa Best { get; } =
        Vector512.IsHardwareAccelerated && Avx512F.IsSupported ? GemmIsa.Vector512
        : Vector256.IsHardwareAccelerated && Avx2.IsSupported && Fma.IsSupported ? GemmIsa.Vector256
        : GemmIsa.Scalar;

    // Per thread so that a test forcing a fallback cannot change what concurrently running tests execute;
    // the parallel overload captures the caller's choice for its workers.
    [ThreadStatic] private static GemmIsa? t_forced;

    /// <summary>Test/benchmark hook: forces the kernels of GEMM calls made by this thread (null restores the default).</summary>
    public static GemmIsa? Forced
    {
        get => t_forced;
        set
        {
            if (value is { } isa && isa > Best) throw new NotSupportedException($"{isa} is not accelerated on this machine");
            t_forced = value;
        }
    }

    public static GemmIsa Current => t_forced ?? Best;
}
