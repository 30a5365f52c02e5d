using System.Numerics.Tensors;
using OnChip.Tensors;

namespace OnChip.Networks;

/// <summary>
/// An activation that extends to complex states as a holomorphic function, as holomorphic EP needs (Laborieux &amp;
/// Zenke 2022): s = σ(u) for u = u_re + i·u_im, written to the real and imaginary parts of s.
/// </summary>
internal interface IHolomorphicActivation
{
    /// <summary>(s_re, s_im) = σ(u_re + i·u_im) elementwise; the outputs may alias the inputs.</summary>
    void ApplyComplex(ReadOnlySpan<float> real, ReadOnlySpan<float> imaginary, Span<float> realOut, Span<float> imaginaryOut);
}

/// <summary>The complex logistic function and the scratch it needs (per thread, grown once).</summary>
internal static class ComplexSigmoid
{
    [ThreadStatic] private static float[]? _a, _b, _c, _d;

    /// <summary>(re, im) of 1/(1 + e^{−z}) for z = scale·u + shift (complex u, real scale and shift), written to the outputs.</summary>
    public static void Apply(ReadOnlySpan<float> real, ReadOnlySpan<float> imaginary, float scale, float shift, Span<float> realOut, Span<float> imaginaryOut)
    {
        int n = real.Length;
        if (_a is null || _a.Length < n) (_a, _b, _c, _d) = (new float[n], new float[n], new float[n], new float[n]);
        Span<float> e = _a.AsSpan(0, n), sin = _b.AsSpan(0, n), cos = _c!.AsSpan(0, n), zi = _d!.AsSpan(0, n);
        // e^{−z} = e^{−x}(cos y − i sin y); 1/(1 + e^{−z}) = (1 + e^{−x}cos y + i e^{−x} sin y) / |1 + e^{−z}|².
        Elementwise.ScaleShift(real, -scale, -shift, e);
        TensorPrimitives.Min(e, 80f, e);   // σ(−80) is already 0 in float: e^{80} stays finite
        TensorPrimitives.Exp(e, e);
        TensorPrimitives.Multiply(imaginary, scale, zi);
        TensorPrimitives.SinCos(zi, sin, cos);
        for (int i = 0; i < n; i++)
        {
            float dr = 1f + e[i] * cos[i], di = e[i] * sin[i];
            float m = 1f / (dr * dr + di * di);
            realOut[i] = dr * m;
            imaginaryOut[i] = di * m;
        }
    }
}

/// <summary>
/// The holomorphic hard sigmoid of Laborieux &amp; Zenke (their "my_holotanh", a = 1 as in their CIFAR-10 runs):
/// f(u) = ½u·σ(a·u) + (1 − ½u)·σ(a(u − 2)), a smooth clip of u/2 to [0, 1] that extends to complex u.
/// </summary>
internal sealed class HoloHardSigmoid : Activation, IHolomorphicActivation
{
    private const float A = 1f;
    [ThreadStatic] private static float[]? _scratch;

    public override string Name => "holo-hard-sig";
    public override float Lower => 0f;
    public override float Upper => 1f;

    public override void Apply(ReadOnlySpan<float> u, Span<float> s)
    {
        for (int i = 0; i < u.Length; i++)
        {
            float x = u[i];
            s[i] = 0.5f * x * Logistic(A * x) + (1f - 0.5f * x) * Logistic(A * (x - 2f));
        }
    }

    public override void Derivative(ReadOnlySpan<float> u, ReadOnlySpan<float> s, Span<float> d)
    {
        for (int i = 0; i < u.Length; i++)
        {
            float x = u[i], p = Logistic(A * x), q = Logistic(A * (x - 2f));
            d[i] = 0.5f * p + 0.5f * x * A * p * (1f - p) - 0.5f * q + (1f - 0.5f * x) * A * q * (1f - q);
        }
    }

    public void ApplyComplex(ReadOnlySpan<float> real, ReadOnlySpan<float> imaginary, Span<float> realOut, Span<float> imaginaryOut)
    {
        int n = real.Length;
        if (_scratch is null || _scratch.Length < 4 * n) _scratch = new float[4 * n];
        var pr = _scratch.AsSpan(0, n);
        var pi = _scratch.AsSpan(n, n);
        var qr = _scratch.AsSpan(2 * n, n);
        var qi = _scratch.AsSpan(3 * n, n);
        ComplexSigmoid.Apply(real, imaginary, A, 0f, pr, pi);
        ComplexSigmoid.Apply(real, imaginary, A, -2f * A, qr, qi);
        for (int i = 0; i < n; i++)
        {
            // ½z·p + (1 − ½z)·q with complex z, p, q.
            float hr = 0.5f * real[i], hi = 0.5f * imaginary[i];
            float re = hr * pr[i] - hi * pi[i] + (1f - hr) * qr[i] + hi * qi[i];
            float im = hr * pi[i] + hi * pr[i] + (1f - hr) * qi[i] - hi * qr[i];
            realOut[i] = re;
            imaginaryOut[i] = im;
        }
    }

    private static float Logistic(float z) => 1f / (1f + MathF.Exp(-Math.Clamp(z, -80f, 80f)));
}
