using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;

namespace OnChip.Tensors;

/// <summary>Fused elementwise kernels that <c>TensorPrimitives</c> lacks. Span-in, span-out; y may alias x.</summary>
internal static class Elementwise
{
    /// <summary>y = a·x + b.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void ScaleShift(ReadOnlySpan<float> x, float a, float b, Span<float> y)
    {
        if (y.Length < x.Length) throw new ArgumentException("destination is too short", nameof(y));
        ref float xs = ref MemoryMarshal.GetReference(x);
        ref float ys = ref MemoryMarshal.GetReference(y);
        int n = x.Length, i = 0;
        if (Vector512.IsHardwareAccelerated)
        {
            var va = Vector512.Create(a);
            var vb = Vector512.Create(b);
            for (; i <= n - Vector512<float>.Count; i += Vector512<float>.Count)
                Vector512.FusedMultiplyAdd(Vector512.LoadUnsafe(ref xs, (nuint)i), va, vb).StoreUnsafe(ref ys, (nuint)i);
        }
        else if (Vector256.IsHardwareAccelerated)
        {
            var va = Vector256.Create(a);
            var vb = Vector256.Create(b);
            for (; i <= n - Vector256<float>.Count; i += Vector256<float>.Count)
                Vector256.FusedMultiplyAdd(Vector256.LoadUnsafe(ref xs, (nuint)i), va, vb).StoreUnsafe(ref ys, (nuint)i);
        }
        for (; i < n; i++) Unsafe.Add(ref ys, i) = MathF.FusedMultiplyAdd(Unsafe.Add(ref xs, i), a, b);
    }

    /// <summary>
    /// Sets values with |x| &lt; <paramref name="threshold"/> to zero, in place. Saturated sigmoids produce subnormal
    /// floats (e.g. σ(−100) ≈ 4e-44), and every product with a subnormal operand runs many times slower on x86; a
    /// state of 1e-20 and a state of 0 are the same thing for the network.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void FlushTiny(Span<float> x, float threshold)
    {
        ref float xs = ref MemoryMarshal.GetReference(x);
        int n = x.Length, i = 0;
        if (Vector512.IsHardwareAccelerated)
        {
            var t = Vector512.Create(threshold);
            for (; i <= n - Vector512<float>.Count; i += Vector512<float>.Count)
            {
                var v = Vector512.LoadUnsafe(ref xs, (nuint)i);
                Vector512.ConditionalSelect(Vector512.GreaterThanOrEqual(Vector512.Abs(v), t), v, Vector512<float>.Zero).StoreUnsafe(ref xs, (nuint)i);
            }
        }
        for (; i < n; i++)
            if (MathF.Abs(Unsafe.Add(ref xs, i)) < threshold) Unsafe.Add(ref xs, i) = 0f;
    }
}
