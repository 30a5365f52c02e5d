using OnChip.Networks;

namespace OnChip.Tests.Networks;

public class ActivationTests
{
    private static readonly float[] Inputs = Enumerable.Range(0, 41).Select(i => -2.05f + 0.1f * i).ToArray();

    [Theory]
    [InlineData("mysig")]
    [InlineData("sigmoid")]
    [InlineData("tanh")]
    [InlineData("hard-sigmoid")]
    [InlineData("my-hard-sig")]
    [InlineData("ctrd-hard-sig")]
    public void Derivative_matches_central_difference_and_values_stay_in_bounds(string name)
    {
        var act = Activation.Parse(name);
        var s = new float[Inputs.Length];
        var d = new float[Inputs.Length];
        act.Apply(Inputs, s);
        act.Derivative(Inputs, s, d);
        const float h = 1e-3f;
        var plus = Inputs.Select(x => x + h).ToArray();
        var minus = Inputs.Select(x => x - h).ToArray();
        var sp = new float[Inputs.Length];
        var sm = new float[Inputs.Length];
        act.Apply(plus, sp);
        act.Apply(minus, sm);
        for (int i = 0; i < Inputs.Length; i++)
        {
            Assert.InRange(s[i], act.Lower, act.Upper);
            double numeric = (sp[i] - sm[i]) / (2.0 * h);
            Assert.True(Math.Abs(numeric - d[i]) < 2e-3, $"{name} at {Inputs[i]}: σ' {d[i]} vs {numeric}");
        }
    }

    [Fact]
    public void Reference_formulas()
    {
        float[] u = [-1f, 0f, 0.25f, 0.5f, 1.5f, 3f];
        var s = new float[u.Length];
        Activation.Parse("mysig").Apply(u, s);
        for (int i = 0; i < u.Length; i++) Assert.Equal(1 / (1 + Math.Exp(-4 * (u[i] - 0.5))), s[i], 6);
        Activation.Parse("my-hard-sig").Apply(u, s);
        Assert.Equal([0f, 0f, 0.125f, 0.25f, 0.75f, 1f], s);
        Activation.Parse("ctrd-hard-sig").Apply(u, s);
        Assert.Equal([-0.5f, 0f, 0.25f, 0.5f, 0.5f, 0.5f], s);
    }

    [Fact]
    public void Unknown_name_lists_the_choices()
    {
        var e = Assert.Throws<ArgumentException>(() => Activation.Parse("relu"));
        Assert.Contains("mysig", e.Message);
    }
}
