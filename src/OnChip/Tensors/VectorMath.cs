using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;

namespace OnChip.Tensors;

/// <summary>
/// Float ln and exp on Vector512 lanes (Cephes' single-precision algorithms, errors of a few ulp), for fused loops
/// where TensorPrimitives would need a pass per function (its float exp also widens to double).
/// </summary>
internal static class VectorMath
{
    /// <summary>Natural logarithm of positive normal floats (Cephes logf: mantissa in [√½, √2), degree-9 polynomial).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector512<float> Log(Vector512<float> x)
    {
        var bits = x.AsInt32();
        var exponent = Vector512.ShiftRightArithmetic(bits, 23) - Vector512.Create(127);
        var mantissa = ((bits & Vector512.Create(0x007FFFFF)) | Vector512.Create(0x3F800000)).AsSingle();   // [1, 2)
        var big = Vector512.GreaterThan(mantissa, Vector512.Create(1.41421356f));
        mantissa = Vector512.ConditionalSelect(big, mantissa * 0.5f, mantissa);
        var e = Vector512.ConvertToSingle(exponent - big.AsInt32());   // big is −1 where true
        var f = mantissa - Vector512<float>.One;
        var z = f * f;
        var p = Vector512.Create(7.0376836292E-2f);
        p = Vector512.FusedMultiplyAdd(p, f, Vector512.Create(-1.1514610310E-1f));
        p = Vector512.FusedMultiplyAdd(p, f, Vector512.Create(1.1676998740E-1f));
        p = Vector512.FusedMultiplyAdd(p, f, Vector512.Create(-1.2420140846E-1f));
        p = Vector512.FusedMultiplyAdd(p, f, Vector512.Create(1.4249322787E-1f));
        p = Vector512.FusedMultiplyAdd(p, f, Vector512.Create(-1.6668057665E-1f));
        p = Vector512.FusedMultiplyAdd(p, f, Vector512.Create(2.0000714765E-1f));
        p = Vector512.FusedMultiplyAdd(p, f, Vector512.Create(-2.4999993993E-1f));
        p = Vector512.FusedMultiplyAdd(p, f, Vector512.Create(3.3333331174E-1f));
        var y = p * f * z;
        y = Vector512.FusedMultiplyAdd(e, Vector512.Create(-2.12194440e-4f), y);
        y = Vector512.FusedMultiplyAdd(z, Vector512.Create(-0.5f), y);
        return Vector512.FusedMultiplyAdd(e, Vector512.Create(0.693359375f), f + y);
    }

    /// <summary>Below this t, <see cref="Log1p"/> takes the atanh series; the truncation error there is below 1e-8.</summary>
    public const float Log1pSeriesLimit = 0.5f;

    /// <summary>
    /// ln(1 + t) for t ≥ 0 to a few ulp relative, also for tiny t (where ln of 1 + t in float loses digits): below
    /// <see cref="Log1pSeriesLimit"/> it is 2·atanh(s) = 2s(1 + s²/3 + s⁴/5 + s⁶/7 + s⁸/9), s = t/(2 + t) ≤ ⅕ (next
    /// term under 1e-8 relative); above, <see cref="Log"/> of 1 + t, computed only when a lane needs it.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector512<float> Log1p(Vector512<float> t)
    {
        var s = t / (Vector512.Create(2f) + t);
        var z = s * s;
        var p = Vector512.FusedMultiplyAdd(Vector512.Create(1f / 9f), z, Vector512.Create(1f / 7f));
        p = Vector512.FusedMultiplyAdd(p, z, Vector512.Create(1f / 5f));
        p = Vector512.FusedMultiplyAdd(p, z, Vector512.Create(1f / 3f));
        var twoS = s + s;
        var series = Vector512.FusedMultiplyAdd(twoS * z, p, twoS);
        var limit = Vector512.Create(Log1pSeriesLimit);
        if (Vector512.LessThanAll(t, limit)) return series;
        return Vector512.ConditionalSelect(Vector512.LessThan(t, limit), series, Log(Vector512<float>.One + t));
    }

    /// <summary>
    /// e^x (Cephes expf: x = n·ln 2 + r, |r| ≤ ½ ln 2, degree-5 polynomial, then ·2^n); 0 below −87.3, clipped above
    /// 88.7. With AVX-512 the 2^n is one vscalefps (which also gives the underflow), without it the exponent bits.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector512<float> Exp(Vector512<float> x)
    {
        if (Avx512F.IsSupported)
        {
            x = Vector512.MinNative(x, Vector512.Create(88.7f));
            var tiny = Vector512.LessThan(x, Vector512.Create(-87.3f));
            var m = Vector512.Round(x * Vector512.Create(1.44269504088896341f));
            var p = ExpPolynomial(x, m);
            return Vector512.AndNot(Avx512F.Scale(p, m), tiny);
        }
        var low = Vector512.LessThan(x, Vector512.Create(-87.3f));
        x = Vector512.MinNative(Vector512.MaxNative(x, Vector512.Create(-87.3f)), Vector512.Create(88.7f));   // native: no NaN fix-ups
        var n = Vector512.Floor(Vector512.FusedMultiplyAdd(x, Vector512.Create(1.44269504088896341f), Vector512.Create(0.5f)));
        var y = ExpPolynomial(x, n);
        return Vector512.ConditionalSelect(low, Vector512<float>.Zero, y * PowerOfTwo(n));
    }

    /// <summary>
    /// 2^x (Cephes exp2f: n = round(x), r = x − n exactly, 2^r = 1 + r·P(r) with P of degree 5, then ·2^n). Cheaper than
    /// <see cref="Exp"/> where the caller can fold log₂e into its own coefficients. With AVX-512 the scaling is one
    /// vscalefps, which also gives the overflow (∞) and the gradual underflow (subnormals, then 0); without it, 0 below
    /// −126 and clipped above 127.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector512<float> Exp2(Vector512<float> x)
    {
        var n = Vector512.Round(x);
        var r = x - n;
        var p = Vector512.FusedMultiplyAdd(Vector512.Create(1.535336188319500E-4f), r, Vector512.Create(1.339887440266574E-3f));
        p = Vector512.FusedMultiplyAdd(p, r, Vector512.Create(9.618437357674640E-3f));
        p = Vector512.FusedMultiplyAdd(p, r, Vector512.Create(5.550332471162809E-2f));
        p = Vector512.FusedMultiplyAdd(p, r, Vector512.Create(2.402264791363012E-1f));
        p = Vector512.FusedMultiplyAdd(p, r, Vector512.Create(6.931472028550421E-1f));
        p = Vector512.FusedMultiplyAdd(p, r, Vector512<float>.One);
        if (Avx512F.IsSupported) return Avx512F.Scale(p, n);
        var tiny = Vector512.LessThan(n, Vector512.Create(-126f));
        var clipped = Vector512.MinNative(Vector512.MaxNative(n, Vector512.Create(-126f)), Vector512.Create(127f));
        return Vector512.AndNot(p * PowerOfTwo(clipped), tiny);
    }

    /// <summary>2^n for whole n in [−126, 127], from the exponent bits (where there is no vscalefps).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector512<float> PowerOfTwo(Vector512<float> n) =>
        Vector512.ShiftLeft(Vector512.ConvertToInt32(n) + Vector512.Create(127), 23).AsSingle();

    /// <summary>e^r for r = x − n·ln 2 (Cody–Waite: ln 2 in two parts), by Cephes' polynomial.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector512<float> ExpPolynomial(Vector512<float> x, Vector512<float> n)
    {
        x = Vector512.FusedMultiplyAdd(n, Vector512.Create(-0.693359375f), x);
        x = Vector512.FusedMultiplyAdd(n, Vector512.Create(2.12194440e-4f), x);
        var z = x * x;
        var y = Vector512.Create(1.9875691500E-4f);
        y = Vector512.FusedMultiplyAdd(y, x, Vector512.Create(1.3981999507E-3f));
        y = Vector512.FusedMultiplyAdd(y, x, Vector512.Create(8.3334519073E-3f));
        y = Vector512.FusedMultiplyAdd(y, x, Vector512.Create(4.1665795894E-2f));
        y = Vector512.FusedMultiplyAdd(y, x, Vector512.Create(1.6666665459E-1f));
        y = Vector512.FusedMultiplyAdd(y, x, Vector512.Create(5.0000001201E-1f));
        return Vector512.FusedMultiplyAdd(y, z, x) + Vector512<float>.One;
    }
}
