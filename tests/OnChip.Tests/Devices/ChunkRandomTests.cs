using OnChip.Randomness;

namespace OnChip.Tests.Devices;

public class ChunkRandomTests
{
    /// <summary>The vectorised Box–Muller (polynomial ln, sin, cos) against the same formula in double on the same uniforms.</summary>
    [Theory]
    [InlineData(2048)]
    [InlineData(1000)]
    [InlineData(37)]
    [InlineData(1)]
    public void Gaussians_match_box_muller_in_double_on_the_same_uniforms(int n)
    {
        var random = new ChunkRandom();
        random.Reseed(42);
        var z = new float[n];
        random.FillGaussian(z);
        int half = (n + 1) / 2;
        var u = new float[half];
        var v = new float[half];
        random.Reseed(42);
        random.FillUniform(u);
        random.FillUniform(v);
        for (int i = 0; i < n; i++)
        {
            int k = i < half ? i : i - half;
            double r = Math.Sqrt(-2 * Math.Log(1.0 - u[k])), theta = 2 * Math.PI * v[k];
            double expected = i < half ? r * Math.Cos(theta) : r * Math.Sin(theta);
            Assert.True(Math.Abs(z[i] - expected) < 2e-6 * Math.Max(1, Math.Abs(expected)), $"z[{i}] = {z[i]} vs {expected}");
        }
    }

    [Fact]
    public void Gaussians_have_unit_variance_and_no_bias()
    {
        var random = new ChunkRandom();
        double sum = 0, squares = 0, fourth = 0;
        const int chunks = 200, n = 2048;
        var z = new float[n];
        for (int c = 0; c < chunks; c++)
        {
            random.Reseed(ChunkRandom.Key(1, 2, (ulong)c));
            random.FillGaussian(z);
            foreach (float x in z)
            {
                sum += x;
                squares += x * x;
                fourth += (double)x * x * x * x;
            }
        }
        double count = chunks * n;
        Assert.InRange(sum / count, -0.005, 0.005);
        Assert.InRange(squares / count, 0.99, 1.01);
        Assert.InRange(fourth / count, 2.9, 3.1);
    }
}
