using System.Numerics;
using OnChip.Randomness;

namespace OnChip.Tests.Devices;

public class ChunkRandomTests
{
    /// <summary>The vectorised Box–Muller (polynomial ln, sin, cos) against the same formula in double on the same uniforms.</summary>
    [Theory]
    [InlineData(2048)]
    [InlineData(2017)]   // the last, partial vector at the end of the scratch
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

    /// <summary>Uniforms drawn a vector at a time in a caller's loop are FillUniform's, and the generator continues after them as after FillUniform.</summary>
    [Fact]
    public void Uniform_runs_draw_what_fill_uniform_draws()
    {
        var filled = new ChunkRandom();
        var run = new ChunkRandom();
        filled.Reseed(17);
        run.Reseed(17);
        var expected = new float[160];
        filled.FillUniform(expected);
        var state = run.BeginUniforms();
        for (int v = 0; v < 10; v++)
        {
            var u = state.Next();
            for (int i = 0; i < 16; i++) Assert.Equal(expected[16 * v + i], u[i]);
        }
        run.EndUniforms(state);
        var after = new float[16];
        var afterRun = new float[16];
        filled.FillUniform(after);
        run.FillUniform(afterRun);
        Assert.Equal(after, afterRun);
    }

    /// <summary>
    /// The generator against a scalar reference: lane j of state word w is SplitMix64's output 8w + j from the key, and
    /// one xoshiro256** step gives lane j's 64 bits, whose low and high halves (top 24 bits each) are uniforms 2j and 2j + 1.
    /// </summary>
    [Theory]
    [InlineData(0UL)]
    [InlineData(12345UL)]
    [InlineData(ulong.MaxValue)]
    public void Uniforms_follow_splitmix_seeding_and_a_xoshiro_step(ulong key)
    {
        var random = new ChunkRandom();
        random.Reseed(key);
        var u = new float[16];
        random.FillUniform(u);
        var words = new ulong[32];
        ulong x = key;
        for (int i = 0; i < 32; i++)
        {
            ulong z = x += 0x9E3779B97F4A7C15UL;
            z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9UL;
            z = (z ^ (z >> 27)) * 0x94D049BB133111EBUL;
            words[i] = z ^ (z >> 31);
        }
        for (int j = 0; j < 8; j++)
        {
            ulong s1 = words[8 + j];
            ulong result = BitOperations.RotateLeft(s1 * 5, 7) * 9;
            Assert.Equal((uint)result >> 8, (uint)(u[2 * j] * (1 << 24)));
            Assert.Equal((uint)(result >> 32) >> 8, (uint)(u[2 * j + 1] * (1 << 24)));
        }
    }
}
