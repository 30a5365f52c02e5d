using System.Numerics.Tensors;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;

namespace OnChip.Rbm;

/// <summary>Vectorised row kernels of RBM sampling and free energies. Span-in, span-out; results depend on the row only.</summary>
internal static class RbmKernels
{
    /// <summary>y = 1 where u &lt; p, else 0: a Bernoulli(p) sample from uniforms u in [0, 1). y may alias p or u.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void Bernoulli(ReadOnlySpan<float> p, ReadOnlySpan<float> u, Span<float> y)
    {
        int n = p.Length;
        if (u.Length < n || y.Length < n) throw new ArgumentException("uniforms and destination must be as long as the probabilities");
        ref float ps = ref MemoryMarshal.GetReference(p);
        ref float us = ref MemoryMarshal.GetReference(u);
        ref float ys = ref MemoryMarshal.GetReference(y);
        int i = 0;
        if (Vector512.IsHardwareAccelerated)
        {
            var one = Vector512.Create(1f);
            for (; i <= n - Vector512<float>.Count; i += Vector512<float>.Count)
                (Vector512.LessThan(Vector512.LoadUnsafe(ref us, (nuint)i), Vector512.LoadUnsafe(ref ps, (nuint)i)) & one).StoreUnsafe(ref ys, (nuint)i);
        }
        else if (Vector256.IsHardwareAccelerated)
        {
            var one = Vector256.Create(1f);
            for (; i <= n - Vector256<float>.Count; i += Vector256<float>.Count)
                (Vector256.LessThan(Vector256.LoadUnsafe(ref us, (nuint)i), Vector256.LoadUnsafe(ref ps, (nuint)i)) & one).StoreUnsafe(ref ys, (nuint)i);
        }
        for (; i < n; i++) Unsafe.Add(ref ys, i) = Unsafe.Add(ref us, i) < Unsafe.Add(ref ps, i) ? 1f : 0f;
    }

    /// <summary>y = 1 where x &gt; 0.5, else 0.</summary>
    public static void Threshold(ReadOnlySpan<float> x, Span<float> y)
    {
        if (y.Length < x.Length) throw new ArgumentException("destination is too short", nameof(y));
        for (int i = 0; i < x.Length; i++) y[i] = x[i] > 0.5f ? 1f : 0f;
    }

    /// <summary>y = sigmoid(x + bias).</summary>
    public static void SigmoidWithBias(ReadOnlySpan<float> x, ReadOnlySpan<float> bias, Span<float> y)
    {
        TensorPrimitives.Add(x, bias, y);
        TensorPrimitives.Sigmoid(y, y);
    }

    /// <summary>softplus(x) = ln(1 + eˣ), computed as max(x, 0) + ln(1 + e^{−|x|}) (no overflow).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static float Softplus(float x) => MathF.Max(x, 0f) + MathF.Log(1f + MathF.Exp(-MathF.Abs(x)));

    /// <summary>Σ_j softplus(x_j + y_j + z_j) over the common length of the three rows (z may be empty: then Σ softplus(x_j + y_j)).</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static float SoftplusSum(ReadOnlySpan<float> x, ReadOnlySpan<float> y, ReadOnlySpan<float> z)
    {
        int n = x.Length;
        bool hasZ = !z.IsEmpty;
        if (y.Length < n || (hasZ && z.Length < n)) throw new ArgumentException("rows must be as long as x");
        ref float xs = ref MemoryMarshal.GetReference(x);
        ref float ys = ref MemoryMarshal.GetReference(y);
        ref float zs = ref hasZ ? ref MemoryMarshal.GetReference(z) : ref xs;
        int i = 0;
        float sum = 0f;
        if (Vector512.IsHardwareAccelerated && n >= Vector512<float>.Count)
        {
            var acc = Vector512<float>.Zero;
            var one = Vector512.Create(1f);
            for (; i <= n - Vector512<float>.Count; i += Vector512<float>.Count)
            {
                var v = Vector512.LoadUnsafe(ref xs, (nuint)i) + Vector512.LoadUnsafe(ref ys, (nuint)i);
                if (hasZ) v += Vector512.LoadUnsafe(ref zs, (nuint)i);
                acc += Vector512.Max(v, Vector512<float>.Zero) + Vector512.Log(one + Vector512.Exp(-Vector512.Abs(v)));
            }
            sum = Vector512.Sum(acc);
        }
        else if (Vector256.IsHardwareAccelerated && n >= Vector256<float>.Count)
        {
            var acc = Vector256<float>.Zero;
            var one = Vector256.Create(1f);
            for (; i <= n - Vector256<float>.Count; i += Vector256<float>.Count)
            {
                var v = Vector256.LoadUnsafe(ref xs, (nuint)i) + Vector256.LoadUnsafe(ref ys, (nuint)i);
                if (hasZ) v += Vector256.LoadUnsafe(ref zs, (nuint)i);
                acc += Vector256.Max(v, Vector256<float>.Zero) + Vector256.Log(one + Vector256.Exp(-Vector256.Abs(v)));
            }
            sum = Vector256.Sum(acc);
        }
        // The tail (all of a short row) in double: cheap, and exact to float rounding for small machines.
        double tail = 0;
        for (; i < n; i++)
        {
            double v = (double)Unsafe.Add(ref xs, i) + Unsafe.Add(ref ys, i);
            if (hasZ) v += Unsafe.Add(ref zs, i);
            tail += Math.Max(v, 0) + Math.Log(1 + Math.Exp(-Math.Abs(v)));
        }
        return (float)(sum + tail);
    }

    /// <summary>
    /// Turns <paramref name="logits"/> into softmax probabilities in place and returns the index drawn with uniform
    /// <paramref name="u"/> in [0, 1) (inverse CDF; the last index takes any rounding remainder).
    /// </summary>
    public static int SoftmaxSample(Span<float> logits, float u)
    {
        TensorPrimitives.SoftMax(logits, logits);
        float cumulative = 0f;
        for (int c = 0; c < logits.Length - 1; c++)
        {
            cumulative += logits[c];
            if (u < cumulative) return c;
        }
        return logits.Length - 1;
    }

    /// <summary>log Σ exp(s_c) computed stably.</summary>
    public static double LogSumExp(ReadOnlySpan<float> scores)
    {
        float max = TensorPrimitives.Max(scores);
        double sum = 0;
        foreach (float s in scores) sum += Math.Exp(s - max);
        return max + Math.Log(sum);
    }
}
