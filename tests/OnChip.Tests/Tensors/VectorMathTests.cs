using System.Runtime.Intrinsics;
using OnChip.Tensors;

namespace OnChip.Tests.Tensors;

public class VectorMathTests
{
    [Fact]
    public void Log_and_exp_are_accurate_to_a_few_ulp()
    {
        var rng = new OnChip.Randomness.Rng(1);
        var lane = new float[16];
        for (int trial = 0; trial < 2000; trial++)
        {
            for (int i = 0; i < 16; i++) lane[i] = MathF.Pow(10f, (float)(rng.NextDouble() * 60 - 30));   // 1e-30 … 1e30
            lane[0] = 1f;
            lane[1] = 1f - 5.96e-8f;
            var log = VectorMath.Log(Vector512.Create(lane));
            for (int i = 0; i < 16; i++)
            {
                double expected = Math.Log(lane[i]);
                Assert.True(Math.Abs(log[i] - expected) <= 4e-7 * Math.Max(1, Math.Abs(expected)), $"ln {lane[i]}: {log[i]} vs {expected}");
            }
            for (int i = 0; i < 16; i++) lane[i] = (float)(rng.NextDouble() * 170 - 86);
            lane[0] = 0f;
            lane[1] = -100f;
            var exp = VectorMath.Exp(Vector512.Create(lane));
            for (int i = 0; i < 16; i++)
            {
                double expected = lane[i] < -87.3f ? 0 : Math.Exp(lane[i]);
                Assert.True(Math.Abs(exp[i] - expected) <= 4e-7 * expected, $"exp {lane[i]}: {exp[i]} vs {expected}");
            }
        }
    }

    [Fact]
    public void Log1p_keeps_its_relative_accuracy_for_tiny_arguments_and_on_both_sides_of_the_series_limit()
    {
        var rng = new OnChip.Randomness.Rng(2);
        var lane = new float[16];
        for (int trial = 0; trial < 2000; trial++)
        {
            for (int i = 0; i < 16; i++) lane[i] = MathF.Pow(10f, (float)(rng.NextDouble() * 40 - 35));   // 1e-35 … 1e5
            lane[0] = 0f;
            lane[1] = VectorMath.Log1pSeriesLimit;
            lane[2] = MathF.BitDecrement(VectorMath.Log1pSeriesLimit);
            lane[3] = (float)rng.NextDouble();   // the series' range and just above it
            var log1p = VectorMath.Log1p(Vector512.Create(lane));
            for (int i = 0; i < 16; i++)
            {
                double t = lane[i], expected = t < 1e-4 ? t * (1 - t / 2 + t * t / 3) : Math.Log(1 + t);
                Assert.True(Math.Abs(log1p[i] - expected) <= 4e-7 * expected, $"ln(1 + {t}): {log1p[i]} vs {expected}");
            }
        }
        // All lanes in the series' range take the branch that skips ln.
        var small = VectorMath.Log1p(Vector512.Create(0.25f));
        Assert.Equal(Math.Log(1.25), small[0], 6);
    }

    [Fact]
    public void Exp2_is_accurate_to_a_few_ulp_and_exact_at_integers()
    {
        var rng = new OnChip.Randomness.Rng(3);
        var lane = new float[16];
        for (int trial = 0; trial < 2000; trial++)
        {
            for (int i = 0; i < 16; i++) lane[i] = (float)(rng.NextDouble() * 250 - 125);
            lane[0] = 0f;
            lane[1] = -200f;
            lane[2] = -3f;
            lane[3] = 0.5f;
            var exp2 = VectorMath.Exp2(Vector512.Create(lane));
            for (int i = 0; i < 16; i++)
            {
                double expected = Math.Pow(2, lane[i]);
                if (lane[i] < -126f) Assert.InRange(exp2[i], 0f, 1.2e-38f);   // subnormal or 0
                else Assert.True(Math.Abs(exp2[i] - expected) <= 3e-7 * expected, $"2^{lane[i]}: {exp2[i]} vs {expected}");
            }
            Assert.Equal(1f, exp2[0]);
            Assert.Equal(0.125f, exp2[2]);
        }
    }
}
