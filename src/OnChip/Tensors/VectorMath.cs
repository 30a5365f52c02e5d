using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;

namespace OnChip.Tensors;

/// <summary>
/// Float ln and exp on Vector512 lanes (Cephes' single-precision algorithms, errors of a few ulp), for fused loops
/// where TensorPrimitives would need a pass per function (its float exp also widens to double).
/// </summary>
public static class VectorMath
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

    /// <summary>e^x (Cephes expf: x = n·ln 2 + r, |r| ≤ ½ ln 2, degree-5 polynomial); 0 below −87.3, clipped above 88.7.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector512<float> Exp(Vector512<float> x)
    {
        var tiny = Vector512.LessThan(x, Vector512.Create(-87.3f));
        x = Vector512.MinNative(Vector512.MaxNative(x, Vector512.Create(-87.3f)), Vector512.Create(88.7f));   // native: no NaN fix-ups
        var n = Vector512.Floor(Vector512.FusedMultiplyAdd(x, Vector512.Create(1.44269504088896341f), Vector512.Create(0.5f)));
        x = Vector512.FusedMultiplyAdd(n, Vector512.Create(-0.693359375f), x);
        x = Vector512.FusedMultiplyAdd(n, Vector512.Create(2.12194440e-4f), x);
        var z = x * x;
        var y = Vector512.Create(1.9875691500E-4f);
        y = Vector512.FusedMultiplyAdd(y, x, Vector512.Create(1.3981999507E-3f));
        y = Vector512.FusedMultiplyAdd(y, x, Vector512.Create(8.3334519073E-3f));
        y = Vector512.FusedMultiplyAdd(y, x, Vector512.Create(4.1665795894E-2f));
        y = Vector512.FusedMultiplyAdd(y, x, Vector512.Create(1.6666665459E-1f));
        y = Vector512.FusedMultiplyAdd(y, x, Vector512.Create(5.0000001201E-1f));
        y = Vector512.FusedMultiplyAdd(y, z, x) + Vector512<float>.One;
        var scale = Vector512.ShiftLeft(Vector512.ConvertToInt32(n) + Vector512.Create(127), 23).AsSingle();
        return Vector512.ConditionalSelect(tiny, Vector512<float>.Zero, y * scale);
    }
}
