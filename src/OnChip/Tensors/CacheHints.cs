using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics.X86;

namespace OnChip.Tensors;

/// <summary>
/// Asks the cache for the line holding element <c>e</c> after <c>first</c>, ahead of its use (nothing without SSE).
/// Kernels that know what they will read next and where the hardware's own prefetching cannot guess it (scattered
/// blocks, the next chunk after other work) ask with these; a request never faults and never changes a result.
/// </summary>
internal static class CacheHints
{
    /// <summary>Into the first-level cache (for data used within a few hundred cycles).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static unsafe void ToL1<T>(ref readonly T first, nuint e)
    {
        if (Sse.IsSupported) Sse.Prefetch0(Unsafe.AsPointer(ref Unsafe.Add(ref Unsafe.AsRef(in first), e)));
    }

    /// <summary>Into the second-level cache (for data used after other work, or too much for the first level).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static unsafe void ToL2<T>(ref readonly T first, nuint e)
    {
        if (Sse.IsSupported) Sse.Prefetch1(Unsafe.AsPointer(ref Unsafe.Add(ref Unsafe.AsRef(in first), e)));
    }
}
