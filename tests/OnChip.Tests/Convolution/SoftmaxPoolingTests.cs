using OnChip.Analysis;
using OnChip.Learning;
using OnChip.Networks;
using OnChip.Networks.Convolution;
using OnChip.Parallelism;
using OnChip.Randomness;
using OnChip.Tensors;

namespace OnChip.Tests.Convolution;

/// <summary>
/// Softmax pooling (Laborieux &amp; Zenke 2022): P = Σ z·e^{z/T} / Σ e^{z/T} over each 2×2 window. Its values against
/// a plain loop, its derivatives (and the conv term's drives, gradient and their linearisations) against finite
/// differences, its complex extension against the Cauchy–Riemann equations, its limits in T, and holomorphic EP on a
/// softmax-pooled conv net.
/// </summary>
public class SoftmaxPoolingTests
{
    /// <summary>A pooling-only geometry: z is 4×4×<paramref name="channels"/>, pooled 2×2×channels (5 channels leave a short vector run).</summary>
    private static ConvGeometry PoolOnly(int channels = 5, float temperature = 1f) =>
        new(1, 4, 4, channels, 1, 0, 1, PoolKind.Softmax, true, temperature);

    private static float[] Random(int n, ulong seed, float low = -2f, float high = 2f)
    {
        var values = new float[n];
        new Rng(seed).FillUniform(values, low, high);
        return values;
    }

    /// <summary>P per window from the definition, in double, with no shift (values small enough for e^{z/T}).</summary>
    private static double[] Plain(ConvGeometry g, float[] z)
    {
        var result = new double[g.OutSize];
        int c = g.OutChannels;
        for (int oy = 0; oy < g.OutHeight; oy++)
            for (int ox = 0; ox < g.OutWidth; ox++)
                for (int ch = 0; ch < c; ch++)
                {
                    double num = 0, den = 0;
                    for (int dy = 0; dy < 2; dy++)
                        for (int dx = 0; dx < 2; dx++)
                        {
                            double v = z[((2 * oy + dy) * g.ConvWidth + 2 * ox + dx) * c + ch];
                            num += v * Math.Exp(v / g.PoolTemperature);
                            den += Math.Exp(v / g.PoolTemperature);
                        }
                    result[(oy * g.OutWidth + ox) * c + ch] = num / den;
                }
        return result;
    }

    [Theory]
    [InlineData(5, 1f)]
    [InlineData(16, 0.5f)]
    [InlineData(3, 10f)]
    public void Values_match_a_plain_loop(int channels, float temperature)
    {
        var g = PoolOnly(channels, temperature);
        var z = Random(g.ConvSize, 3);
        var output = Random(g.OutSize, 4);
        var before = (float[])output.Clone();
        Pooling.SoftmaxSelect(g, z, output);
        var plain = Plain(g, z);
        for (int i = 0; i < g.OutSize; i++) Assert.Equal(before[i] + plain[i], output[i], 1e-5);
    }

    /// <summary>The shift by the window's largest z/T keeps large values finite (e^{80} overflows a float).</summary>
    [Fact]
    public void Large_values_stay_finite()
    {
        var g = PoolOnly(2, 0.5f);
        var z = Random(g.ConvSize, 5, 40f, 80f);
        var output = new float[g.OutSize];
        Pooling.SoftmaxSelect(g, z, output);
        var shifted = z.Select(v => v - 60f).ToArray();
        var reference = Plain(g, shifted);
        for (int i = 0; i < g.OutSize; i++) Assert.Equal(reference[i] + 60.0, output[i], 1e-3);
    }

    /// <summary>J(z)ᵀu against central differences of u·P(z), one z at a time.</summary>
    [Fact]
    public void Transpose_is_the_derivative()
    {
        var g = PoolOnly(5, 0.7f);
        var z = Random(g.ConvSize, 6);
        var u = Random(g.OutSize, 7);
        var dz = new float[g.ConvSize];
        Pooling.SoftmaxTranspose(g, z, u, default, dz);
        double Phi(float[] at)
        {
            var p = new float[g.OutSize];
            Pooling.SoftmaxSelect(g, at, p);
            return p.Select((v, i) => (double)v * u[i]).Sum();
        }
        const float h = 1e-2f;
        for (int k = 0; k < g.ConvSize; k++)
        {
            var (plus, minus) = ((float[])z.Clone(), (float[])z.Clone());
            plus[k] += h;
            minus[k] -= h;
            Assert.Equal((Phi(plus) - Phi(minus)) / (2 * h), dz[k], 2e-3);
        }
    }

    /// <summary>As T → 0 the pooling tends to the window's maximum (|P − max| ≤ T/e), as T → ∞ to its mean.</summary>
    [Fact]
    public void Temperature_interpolates_between_max_and_average_pooling()
    {
        var z = Random(PoolOnly().ConvSize, 8);
        double Gap(float temperature, PoolKind other)
        {
            var g = PoolOnly(5, temperature);
            var soft = new float[g.OutSize];
            Pooling.SoftmaxSelect(g, z, soft);
            var o = new ConvGeometry(1, 4, 4, 5, 1, 0, 1, other, true);
            var winners = new int[o.OutSize];
            Pooling.ChooseWinners(o, z, winners);
            var reference = new float[o.OutSize];
            Pooling.Select(o, z, winners, reference);
            return soft.Select((v, i) => Math.Abs(v - reference[i])).Max();
        }
        Assert.True(Gap(1e-3f, PoolKind.Max) <= 1e-3, $"T = 1e-3: {Gap(1e-3f, PoolKind.Max)} from max pooling");
        Assert.True(Gap(1e-2f, PoolKind.Max) < Gap(0.1f, PoolKind.Max) && Gap(0.1f, PoolKind.Max) < Gap(1f, PoolKind.Max));
        Assert.True(Gap(1e4f, PoolKind.Average) < 1e-3, $"T = 1e4: {Gap(1e4f, PoolKind.Average)} from average pooling");
        Assert.True(Gap(100f, PoolKind.Average) < Gap(10f, PoolKind.Average) && Gap(10f, PoolKind.Average) < Gap(1f, PoolKind.Average));
    }

    /// <summary>On the real axis the complex pooling is the real one (values and Jᵀu), with no imaginary part.</summary>
    [Fact]
    public void Complex_pooling_extends_the_real_one()
    {
        var g = PoolOnly(5, 0.8f);
        var z = Random(g.ConvSize, 9);
        var u = Random(g.OutSize, 10);
        var (real, dz) = (new float[g.OutSize], new float[g.ConvSize]);
        Pooling.SoftmaxSelect(g, z, real);
        Pooling.SoftmaxTranspose(g, z, u, default, dz);
        var (outRe, outIm, dzRe, dzIm) = (new float[g.OutSize], new float[g.OutSize], new float[g.ConvSize], new float[g.ConvSize]);
        Pooling.SoftmaxComplex(g, z, new float[g.ConvSize], u, new float[g.OutSize], outRe, outIm, dzRe, dzIm);
        for (int i = 0; i < g.OutSize; i++)
        {
            Assert.Equal(real[i], outRe[i], 1e-5);
            Assert.Equal(0f, outIm[i], 1e-6);
        }
        for (int i = 0; i < g.ConvSize; i++)
        {
            Assert.Equal(dz[i], dzRe[i], 1e-5);
            Assert.Equal(0f, dzIm[i], 1e-6);
        }
    }

    /// <summary>
    /// Holomorphic: at a complex z, the derivative of P along the real axis of each z_k equals its derivative along the
    /// imaginary axis divided by i (Cauchy–Riemann), and both equal the slope q_k the pooling returns (Jᵀu with u = 1).
    /// </summary>
    [Fact]
    public void Complex_pooling_is_holomorphic()
    {
        var g = PoolOnly(5, 0.8f);
        var zr = Random(g.ConvSize, 11);
        var zi = Random(g.ConvSize, 12, -0.4f, 0.4f);
        var ones = Enumerable.Repeat(1f, g.OutSize).ToArray();
        var (qr, qi) = (new float[g.ConvSize], new float[g.ConvSize]);
        Pooling.SoftmaxComplex(g, zr, zi, ones, new float[g.OutSize], default, default, qr, qi);
        (float[] Re, float[] Im) At(float[] re, float[] im)
        {
            var (a, b) = (new float[g.OutSize], new float[g.OutSize]);
            Pooling.SoftmaxComplex(g, re, im, default, default, a, b, default, default);
            return (a, b);
        }
        const float h = 1e-2f;
        int c = g.OutChannels;
        for (int k = 0; k < g.ConvSize; k++)
        {
            int position = k / c, y = position / g.ConvWidth, x = position % g.ConvWidth;
            int o = ((y / 2) * g.OutWidth + x / 2) * c + k % c;   // the pooled output this z feeds
            var (xPlus, xMinus, yPlus, yMinus) = ((float[])zr.Clone(), (float[])zr.Clone(), (float[])zi.Clone(), (float[])zi.Clone());
            xPlus[k] += h;
            xMinus[k] -= h;
            yPlus[k] += h;
            yMinus[k] -= h;
            var (px, mx) = (At(xPlus, zi), At(xMinus, zi));
            var (py, my) = (At(zr, yPlus), At(zr, yMinus));
            double dxRe = (px.Re[o] - mx.Re[o]) / (2.0 * h), dxIm = (px.Im[o] - mx.Im[o]) / (2.0 * h);
            double dyRe = (py.Re[o] - my.Re[o]) / (2.0 * h), dyIm = (py.Im[o] - my.Im[o]) / (2.0 * h);
            string where = $"z[{k}] = {zr[k]}+{zi[k]}i: ∂x = {dxRe}+{dxIm}i, ∂y = {dyRe}+{dyIm}i, q = {qr[k]}+{qi[k]}i";
            // f'(z) = ∂f/∂x = −i·∂f/∂y
            Assert.True(Math.Abs(dxRe - dyIm) < 2e-3 && Math.Abs(dxIm + dyRe) < 2e-3, where);
            Assert.True(Math.Abs(dxRe - qr[k]) < 2e-3 && Math.Abs(dxIm - qi[k]) < 2e-3, where);
        }
    }

    private sealed record Term(ConvGeometry G, ConvInteraction Conv, Matrix[] States, int Rows);

    /// <summary>A softmax-pooled term between two hidden layers (1 → 2; layer 0 is a clamped input it does not touch).</summary>
    private static Term Create(int channels, int rows, ulong seed, float temperature = 0.7f)
    {
        var g = new ConvGeometry(channels, 6, 6, 4, 3, 1, 1, PoolKind.Softmax, true, temperature);
        var kernel = new Parameter("W1", g.OutChannels, g.PatchSize, 1);
        var rng = new Rng(seed);
        rng.FillUniform(kernel.Value.Span, -0.5f, 0.5f);
        var states = new[] { new Matrix(rows, 1), new Matrix(rows, g.InSize), new Matrix(rows, g.OutSize) };
        rng.FillUniform(states[1].Span, -1f, 1f);
        rng.FillUniform(states[2].Span, -1f, 1f);
        return new Term(g, new ConvInteraction(1, 2, kernel, g), states, rows);
    }

    private static Matrix RandomLike(Matrix m, ulong seed)
    {
        var result = new Matrix(m.Rows, m.Cols);
        new Rng(seed).FillUniform(result.Span, -1f, 1f);
        return result;
    }

    private static Matrix[] Shifted(Matrix[] states, Matrix?[] direction, float h)
    {
        var result = states.Select(m => new Matrix(m.Rows, m.Cols)).ToArray();
        for (int l = 0; l < states.Length; l++)
        {
            states[l].Span.CopyTo(result[l].Span);
            if (direction[l] is { } d) System.Numerics.Tensors.TensorPrimitives.MultiplyAdd(d.Span, h, result[l].Span, result[l].Span);
        }
        return result;
    }

    private static float[] Drive(Term t, int layer, Matrix[] states)
    {
        var drive = new Matrix(t.Rows, states[layer].Cols);
        t.Conv.AddDrive(layer, states, drive, 0, t.Rows, WorkerPool.Serial);
        return drive.Span.ToArray();
    }

    private static float[] Gradient(Term t, Matrix[] states)
    {
        t.Conv.AccumulateGradient(states, null, 1f, t.Rows, WorkerPool.Serial, keep: 0f);
        return t.Conv.Kernel.Grad.Span.ToArray();
    }

    private static void AssertClose(float[] expected, float[] actual, double tolerance, string what)
    {
        double scale = Math.Max(1e-3, expected.Max(v => Math.Abs(v)));
        for (int i = 0; i < expected.Length; i++)
            Assert.True(Math.Abs(expected[i] - actual[i]) <= tolerance * scale, $"{what}[{i}]: expected {expected[i]:G6}, got {actual[i]:G6}");
    }

    /// <summary>Φ = Σ s_up·P(conv(s_low)): the lower drive and the kernel gradient are its derivatives (central differences along random directions).</summary>
    [Theory]
    [InlineData(3)]
    [InlineData(16)]
    public void Drives_and_gradient_are_derivatives_of_the_energy(int channels)
    {
        var t = Create(channels, rows: 2, seed: 13);
        double Phi(Matrix[] states) => Dot(states[2].Span, Drive(t, 2, states));
        const float h = 1e-2f;
        var d = RandomLike(t.States[1], 14);
        Matrix?[] along = [null, d, null];
        double numeric = (Phi(Shifted(t.States, along, h)) - Phi(Shifted(t.States, along, -h))) / (2 * h);
        double analytic = Dot(d.Span, Drive(t, 1, t.States));
        Assert.True(Math.Abs(numeric - analytic) < 2e-3 * Math.Abs(analytic), $"lower drive: finite difference {numeric:G6}, drive {analytic:G6}");

        var grad = Gradient(t, t.States);
        var e = Random(grad.Length, 15, -1f, 1f);
        var k = t.Conv.Kernel.Value.Span;
        var saved = k.ToArray();
        for (int i = 0; i < e.Length; i++) k[i] = saved[i] + h * e[i];
        double plus = Phi(t.States);
        for (int i = 0; i < e.Length; i++) k[i] = saved[i] - h * e[i];
        double minus = Phi(t.States);
        saved.CopyTo(k);
        double kernelSide = Dot(e, grad);
        Assert.True(Math.Abs((plus - minus) / (2 * h) - kernelSide) < 2e-3 * Math.Abs(kernelSide), $"kernel: finite difference {(plus - minus) / (2 * h):G6}, gradient {kernelSide:G6}");
    }

    /// <summary>The linearisations backprop uses (drives and kernel gradient along a direction of both layers) against central differences.</summary>
    [Fact]
    public void Linearisations_match_finite_differences()
    {
        var t = Create(5, rows: 3, seed: 16);
        const float h = 1e-2f;
        Matrix?[] direction = [null, RandomLike(t.States[1], 17), RandomLike(t.States[2], 18)];
        var (plus, minus) = (Shifted(t.States, direction, h), Shifted(t.States, direction, -h));
        foreach (int layer in new[] { 1, 2 })
        {
            var numeric = Drive(t, layer, plus).Zip(Drive(t, layer, minus), (a, b) => (a - b) / (2 * h)).ToArray();
            var target = new Matrix(t.Rows, t.States[layer].Cols);
            t.Conv.AddDriveDirectional(layer, t.States, direction, target, 0, t.Rows, WorkerPool.Serial);
            AssertClose(numeric, target.Span.ToArray(), 3e-3, $"drive on layer {layer}");
        }
        var numericGrad = Gradient(t, plus).Zip(Gradient(t, minus), (a, b) => (a - b) / (2 * h)).ToArray();
        t.Conv.AccumulateGradientDirectional(t.States, direction, 1f, 0, t.Rows, WorkerPool.Serial, keep: 0f);
        AssertClose(numericGrad, t.Conv.Kernel.Grad.Span.ToArray(), 3e-3, "kernel gradient");
    }

    /// <summary>
    /// At a complex state the term's drives are the complex derivatives of the complex Φ (the same along a real and an
    /// imaginary perturbation of the lower layer, up to i), and its complex kernel gradient that of Φ in K.
    /// </summary>
    [Fact]
    public void Complex_drives_and_gradient_are_holomorphic_derivatives()
    {
        var t = Create(5, rows: 2, seed: 19);
        var im = new[] { new Matrix(t.Rows, 1), RandomLike(t.States[1], 20), RandomLike(t.States[2], 21) };
        foreach (var m in im.Skip(1)) System.Numerics.Tensors.TensorPrimitives.Multiply(m.Span, 0.3f, m.Span);
        (double Re, double Im) Phi(Matrix[] re, Matrix[] imag)
        {
            var (pr, pi) = (new[] { new Matrix(t.Rows, 1), new Matrix(t.Rows, t.G.InSize), new Matrix(t.Rows, t.G.OutSize) },
                            new[] { new Matrix(t.Rows, 1), new Matrix(t.Rows, t.G.InSize), new Matrix(t.Rows, t.G.OutSize) });
            t.Conv.AddDrivesComplex([2], re, imag, pr, pi, 0, t.Rows);
            return (Dot(re[2].Span, pr[2].Span.ToArray()) - Dot(imag[2].Span, pi[2].Span.ToArray()),
                    Dot(re[2].Span, pi[2].Span.ToArray()) + Dot(imag[2].Span, pr[2].Span.ToArray()));
        }
        var (driveRe, driveIm) = (new[] { new Matrix(t.Rows, 1), new Matrix(t.Rows, t.G.InSize), new Matrix(t.Rows, t.G.OutSize) },
                                  new[] { new Matrix(t.Rows, 1), new Matrix(t.Rows, t.G.InSize), new Matrix(t.Rows, t.G.OutSize) });
        t.Conv.AddDrivesComplex([1, 2], t.States, im, driveRe, driveIm, 0, t.Rows);
        const float h = 1e-2f;
        var d = RandomLike(t.States[1], 22);
        Matrix?[] along = [null, d, null];
        // Σ drive·d, complex
        double gRe = Dot(d.Span, driveRe[1].Span.ToArray()), gIm = Dot(d.Span, driveIm[1].Span.ToArray());
        var (xp, xm) = (Phi(Shifted(t.States, along, h), im), Phi(Shifted(t.States, along, -h), im));
        var (yp, ym) = (Phi(t.States, Shifted(im, along, h)), Phi(t.States, Shifted(im, along, -h)));
        double dxRe = (xp.Re - xm.Re) / (2 * h), dxIm = (xp.Im - xm.Im) / (2 * h);
        double dyRe = (yp.Re - ym.Re) / (2 * h), dyIm = (yp.Im - ym.Im) / (2 * h);
        double scale = Math.Abs(gRe) + Math.Abs(gIm);
        string all = $"drive·d = {gRe:G6}+{gIm:G6}i, ∂x = {dxRe:G6}+{dxIm:G6}i, ∂y = {dyRe:G6}+{dyIm:G6}i";
        Assert.True(Math.Abs(dxRe - gRe) < 3e-3 * scale && Math.Abs(dxIm - gIm) < 3e-3 * scale, all);
        Assert.True(Math.Abs(dyIm - gRe) < 3e-3 * scale && Math.Abs(dyRe + gIm) < 3e-3 * scale, all);

        // kernel: coefRe·Re G + coefIm·Im G against the complex difference of Φ along a random kernel direction
        var e = Random(t.Conv.Kernel.Value.Span.Length, 23, -1f, 1f);
        var k = t.Conv.Kernel.Value.Span;
        var saved = k.ToArray();
        for (int i = 0; i < e.Length; i++) k[i] = saved[i] + h * e[i];
        var kp = Phi(t.States, im);
        for (int i = 0; i < e.Length; i++) k[i] = saved[i] - h * e[i];
        var km = Phi(t.States, im);
        saved.CopyTo(k);
        t.Conv.AccumulateGradientComplex(t.States, im, 1f, 0f, t.Rows, WorkerPool.Serial, keep: 0f);
        double re = Dot(e, t.Conv.Kernel.Grad.Span.ToArray());
        t.Conv.AccumulateGradientComplex(t.States, im, 0f, 1f, t.Rows, WorkerPool.Serial, keep: 0f);
        double imag = Dot(e, t.Conv.Kernel.Grad.Span.ToArray());
        double fdRe = (kp.Re - km.Re) / (2 * h), fdIm = (kp.Im - km.Im) / (2 * h);
        string kernel = $"G·e = {re:G6}+{imag:G6}i, finite difference {fdRe:G6}+{fdIm:G6}i";
        Assert.True(Math.Abs(fdRe - re) < 3e-3 * (Math.Abs(re) + Math.Abs(imag)) && Math.Abs(fdIm - imag) < 3e-3 * (Math.Abs(re) + Math.Abs(imag)), kernel);
    }

    private static double Dot(ReadOnlySpan<float> a, float[] b)
    {
        double sum = 0;
        for (int i = 0; i < a.Length; i++) sum += (double)a[i] * b[i];
        return sum;
    }

    /// <summary>With N = 2 holomorphic EP is centred EP, bit for bit, on a softmax-pooled conv net too.</summary>
    [Fact]
    public void Two_points_are_centred_ep_on_a_softmax_pooled_conv_net()
    {
        double[][] Estimate(string rule, int points)
        {
            var (network, batch) = ConvLearningTests.Tiny("ss", "mse", "mysig", batchSize: 3, seed: 3, scale: 1f);
            LearningRules.Create(rule, network, new PhaseSettings(0.3f, 60, 30, Points: points), new Rng(0)).ComputeGradients(batch);
            return TestNetworks.Gradients(network);
        }
        Assert.Equal(Estimate("ep-symmetric", 2), Estimate("hep", 2));
    }

    /// <summary>
    /// hEP's error against the exact gradient (recurrent backprop, through the softmax pooling's second derivative)
    /// falls with the number of points at a large nudge, below centred EP's.
    /// </summary>
    [Fact]
    public void Holomorphic_ep_converges_with_points_on_a_softmax_pooled_conv_net()
    {
        var (network, batch) = ConvLearningTests.Tiny("ss", "mse", "sigmoid", batchSize: 3, seed: 3, scale: 1f);
        const int steps = 300;
        var exact = GradientCheck.ExactGradient(network, batch, steps, steps);
        Assert.True(GradientCheck.FreeResidual(batch) < 1e-5);
        double Error(string rule, int points)
        {
            LearningRules.Create(rule, network, new PhaseSettings(0.5f, steps, steps, Points: points), new Rng(0)).ComputeGradients(batch);
            return TestNetworks.RelativeError(TestNetworks.Gradients(network), exact);
        }
        double centred = Error("ep-symmetric", 2), hep4 = Error("hep", 4), hep6 = Error("hep", 6);
        string all = $"centred {centred:E2}, hEP N=4 {hep4:E2}, N=6 {hep6:E2}";
        Assert.True(hep6 < hep4 && hep4 < centred, all);
        Assert.True(hep6 < 1e-2, all);
    }
}
