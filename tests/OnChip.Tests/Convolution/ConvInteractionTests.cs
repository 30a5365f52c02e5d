using OnChip.Networks;
using OnChip.Networks.Convolution;
using OnChip.Parallelism;
using OnChip.Randomness;
using OnChip.Tensors;

namespace OnChip.Tests.Convolution;

/// <summary>The conv + pooling interaction against the loop-by-loop reference, and its adjoint identities.</summary>
public class ConvInteractionTests
{
    public static TheoryData<char, int, int, bool, int, int> Cases()
    {
        var data = new TheoryData<char, int, int, bool, int, int>();
        foreach (char pool in "mais")
            foreach (var (padding, stride) in new[] { (0, 1), (1, 1), (2, 1), (1, 2) })
                foreach (bool channelsLast in new[] { false, true })
                    data.Add(pool, padding, stride, channelsLast, 3, 3);
        data.Add('m', 0, 1, true, 5, 3);
        data.Add('a', 2, 1, false, 5, 3);
        // 16 and 32 channels (in and out): the vectorised col2im and max-pooling paths
        foreach (var (padding, stride) in new[] { (0, 1), (1, 1), (2, 2) })
        {
            data.Add('m', padding, stride, true, 3, 16);
            data.Add('i', padding, stride, true, 5, 32);
            data.Add('s', padding, stride, true, 3, 16);
        }
        data.Add('s', 1, 1, true, 3, 11);   // a channel count that leaves a short vector run
        return data;
    }

    private static ConvGeometry Geometry(char pool, int padding, int stride, bool channelsLast, int kernel, int channels = 3)
    {
        // Sizes chosen so that the convolution output divides into 2x2 pooling windows when there is pooling.
        int size = pool == 'i' ? 7 : (stride == 1 ? 8 + kernel - 1 - 2 * padding : 2 * (4 - 1) + kernel - 2 * padding);
        return new ConvGeometry(channels, size, size, channels == 3 ? 4 : channels, kernel, padding, stride, PoolKinds.Parse(pool), channelsLast, poolTemperature: 0.7f);
    }

    private sealed record Setup(ConvGeometry G, ConvInteraction Conv, Matrix[] States, int Rows);

    private static Setup Create(ConvGeometry g, int rows, ulong seed)
    {
        var kernel = new Parameter("W0", g.OutChannels, g.PatchSize, 0);
        var rng = new Rng(seed);
        rng.FillUniform(kernel.Value.Span, -0.5f, 0.5f);
        var states = new[] { new Matrix(rows, g.InSize), new Matrix(rows, g.OutSize) };
        rng.FillUniform(states[0].Span, -1f, 1f);
        rng.FillUniform(states[1].Span, -1f, 1f);
        return new Setup(g, new ConvInteraction(0, 1, kernel, g), states, rows);
    }

    private static double[] D(Span<float> values) => values.ToArray().Select(v => (double)v).ToArray();

    private static void AssertClose(double[] expected, Span<float> actual, string what)
    {
        Assert.Equal(expected.Length, actual.Length);
        double scale = Math.Max(1e-6, expected.Max(Math.Abs));
        for (int i = 0; i < expected.Length; i++)
            Assert.True(Math.Abs(expected[i] - actual[i]) <= 1e-5 * scale + 1e-6, $"{what}[{i}]: expected {expected[i]:G7}, got {actual[i]:G7}");
    }

    [Theory]
    [MemberData(nameof(Cases))]
    public void Drives_and_kernel_gradient_match_the_reference(char pool, int padding, int stride, bool channelsLast, int kernel, int channels)
    {
        var s = Create(Geometry(pool, padding, stride, channelsLast, kernel, channels), rows: 5, seed: 7);
        var g = s.G;
        var k = D(s.Conv.Kernel.Value.Span);
        using var pool2 = new WorkerPool(2);
        foreach (var workers in new[] { WorkerPool.Serial, pool2 })
        {
            var up = new Matrix(s.Rows, g.OutSize);
            s.Conv.AddDrive(1, s.States, up, 0, s.Rows, workers);
            var low = new Matrix(s.Rows, g.InSize);
            s.Conv.AddDrive(0, s.States, low, 0, s.Rows, workers);
            for (int r = 0; r < s.Rows; r++)
            {
                AssertClose(NaiveConv.Pool(g, NaiveConv.Conv(g, D(s.States[0].Row(r)), k)), up.Row(r), "upper drive");
                AssertClose(NaiveConv.LowerDrive(g, D(s.States[0].Row(r)), k, D(s.States[1].Row(r))), low.Row(r), "lower drive");
            }
            s.Conv.AccumulateGradient(s.States, null, 1f, s.Rows, workers, keep: 0f);
            var expected = new double[k.Length];
            for (int r = 0; r < s.Rows; r++)
            {
                var one = NaiveConv.KernelGradient(g, D(s.States[0].Row(r)), k, D(s.States[1].Row(r)));
                for (int i = 0; i < one.Length; i++) expected[i] += one[i];
            }
            AssertClose(expected, s.Conv.Kernel.Grad.Span, "kernel gradient");
        }
    }

    /// <summary>
    /// ⟨y, P(conv(x))⟩ = ⟨x, convᵀ(Pᵀ(y))⟩ = ⟨K, ∂Φ/∂K⟩: Φ is linear in y and in K and, with the max-pooling winners
    /// fixed, in x; so the upper drive, the lower drive (transpose) and the kernel gradient must all give Φ back.
    /// </summary>
    [Theory]
    [InlineData('m', 1, 1, 3)]
    [InlineData('a', 0, 1, 5)]
    [InlineData('i', 1, 2, 3)]
    [InlineData('m', 2, 1, 5)]
    public void Adjoint_identity_holds_on_random_tensors(char pool, int padding, int stride, int kernel)
    {
        var s = Create(Geometry(pool, padding, stride, true, kernel), rows: 4, seed: 11);
        var up = new Matrix(s.Rows, s.G.OutSize);
        var low = new Matrix(s.Rows, s.G.InSize);
        s.Conv.AddDrive(1, s.States, up, 0, s.Rows, WorkerPool.Serial);
        s.Conv.AddDrive(0, s.States, low, 0, s.Rows, WorkerPool.Serial);
        s.Conv.AccumulateGradient(s.States, null, 1f, s.Rows, WorkerPool.Serial, keep: 0f);
        double forward = Dot(s.States[1].Span, up.Span);
        double transpose = Dot(s.States[0].Span, low.Span);
        double kernelSide = Dot(s.Conv.Kernel.Value.Span, s.Conv.Kernel.Grad.Span);
        Assert.True(Math.Abs(forward) > 1e-2, "degenerate test tensors");
        Assert.True(Math.Abs(forward - transpose) < 1e-4 * Math.Abs(forward), $"⟨y, P(conv x)⟩ = {forward:G9} but ⟨x, convᵀ Pᵀ y⟩ = {transpose:G9}");
        Assert.True(Math.Abs(forward - kernelSide) < 1e-4 * Math.Abs(forward), $"⟨y, P(conv x)⟩ = {forward:G9} but ⟨K, ∂Φ/∂K⟩ = {kernelSide:G9}");
    }

    [Fact]
    public void Bad_shapes_are_rejected_with_a_clear_message()
    {
        var odd = Assert.Throws<ArgumentException>(() => new ConvGeometry(1, 28, 28, 8, 4, 0, 1, PoolKind.Max, false));
        Assert.Contains("does not divide into 2x2 pooling", odd.Message);
        var big = Assert.Throws<ArgumentException>(() => new ConvGeometry(1, 4, 4, 8, 7, 0, 1, PoolKind.None, false));
        Assert.Contains("does not fit", big.Message);
        var stride = Assert.Throws<ArgumentException>(() => new ConvGeometry(1, 28, 28, 8, 5, 0, 2, PoolKind.None, false));
        Assert.Contains("stride 2 does not divide", stride.Message);
        var g = new ConvGeometry(1, 28, 28, 32, 5, 0, 1, PoolKind.Max, false);
        Assert.Equal((24, 12, 12 * 12 * 32, 25), (g.ConvHeight, g.OutHeight, g.OutSize, g.PatchSize));
    }

    private static double Dot(Span<float> a, Span<float> b)
    {
        double sum = 0;
        for (int i = 0; i < a.Length; i++) sum += (double)a[i] * b[i];
        return sum;
    }
}
