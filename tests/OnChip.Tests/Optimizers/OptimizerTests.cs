using OnChip.Networks;
using OnChip.Optimizers;
using OnChip.Parallelism;

namespace OnChip.Tests.Optimizers;

/// <summary>Both optimizers against straightforward double-precision transcriptions of torch.optim's update rules.</summary>
public class OptimizerTests
{
    private static Parameter MakeParameter(int length, int seed)
    {
        var p = new Parameter("W0", 1, length, 0);
        var rng = new Randomness.Rng((ulong)seed);
        rng.FillUniform(p.Value.Span, -1f, 1f);
        return p;
    }

    private static void SetGradient(Parameter p, int step)
    {
        for (int i = 0; i < p.Length; i++) p.Grad.Data[i] = MathF.Sin(0.37f * i + step) * (i % 3 == 0 ? 1e-3f : 1f);
    }

    [Theory]
    [InlineData(0f, 0f)]
    [InlineData(0.9f, 1e-2f)]
    public void Sgd_matches_reference(float momentum, float wd)
    {
        const int n = 3001;  // several chunks and a ragged tail
        var p = MakeParameter(n, 1);
        var w = p.Value.Data.Select(v => (double)v).ToArray();
        var buf = new double[n];
        using var pool = new WorkerPool(2);
        var sgd = new Sgd([p], [0.1f], momentum, wd);
        for (int step = 1; step <= 5; step++)
        {
            SetGradient(p, step);
            for (int i = 0; i < n; i++)
            {
                double g = p.Grad.Data[i] + wd * w[i];
                buf[i] = momentum > 0 ? momentum * buf[i] + g : g;
                w[i] -= 0.1 * buf[i];
            }
            sgd.Step(pool);
            AssertClose(w, p.Value.Data);
        }
    }

    [Theory]
    [InlineData(0f)]
    [InlineData(1e-3f)]
    public void Adam_matches_reference(float wd)
    {
        const int n = 2500;
        var p = MakeParameter(n, 2);
        var w = p.Value.Data.Select(v => (double)v).ToArray();
        var m = new double[n];
        var v = new double[n];
        using var pool = new WorkerPool(2);
        var adam = new Adam([p], [5e-3f], wd);
        for (int step = 1; step <= 6; step++)
        {
            SetGradient(p, step);
            double c1 = 1 - Math.Pow(0.9, step), c2 = 1 - Math.Pow(0.999, step);
            for (int i = 0; i < n; i++)
            {
                double g = p.Grad.Data[i] + wd * w[i];
                m[i] = 0.9 * m[i] + 0.1 * g;
                v[i] = 0.999 * v[i] + 0.001 * g * g;
                w[i] -= 5e-3 / c1 * m[i] / (Math.Sqrt(v[i]) / Math.Sqrt(c2) + 1e-8);
            }
            adam.Step(pool);
            AssertClose(w, p.Value.Data);
        }
    }

    private static void AssertClose(double[] expected, float[] actual)
    {
        for (int i = 0; i < expected.Length; i++)
            Assert.True(Math.Abs(expected[i] - actual[i]) <= 1e-5 * Math.Max(1, Math.Abs(expected[i])), $"element {i}: {actual[i]} vs {expected[i]}");
    }

    [Fact]
    public void Per_group_learning_rates_apply_to_their_group()
    {
        var a = new Parameter("W0", 1, 4, 0);
        var b = new Parameter("W1", 1, 4, 1);
        a.Grad.Span.Fill(1f);
        b.Grad.Span.Fill(1f);
        new Sgd([a, b], [0.1f, 0.01f], 0f, 0f).Step(WorkerPool.Serial);
        Assert.All(a.Value.Data, x => Assert.Equal(-0.1f, x));
        Assert.All(b.Value.Data, x => Assert.Equal(-0.01f, x));
    }
}
