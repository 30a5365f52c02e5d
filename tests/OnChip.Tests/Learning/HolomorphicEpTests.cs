using OnChip.Analysis;
using OnChip.Configuration;
using OnChip.Learning;
using OnChip.Networks;

namespace OnChip.Tests.Learning;

/// <summary>Holomorphic EP (science.md §9) against the exact gradient at the free equilibrium (recurrent backprop).</summary>
public class HolomorphicEpTests
{
    private const int Steps = 400;

    private static double[][] Estimate(LayeredNetwork network, BatchContext batch, string rule, float beta, int points = 4)
    {
        LearningRules.Create(rule, network, new PhaseSettings(beta, Steps, Steps, Points: points), new Randomness.Rng(0)).ComputeGradients(batch);
        return TestNetworks.Gradients(network);
    }

    /// <summary>With N = 2 the nudges are ±|β|: the same two relaxations and the same contrast as centred EP, bit for bit.</summary>
    [Fact]
    public void Two_points_are_centred_ep()
    {
        var (network, batch) = TestNetworks.Create([6, 5, 4, 3], "mysig", "mse", batchSize: 3, scale: 1f);
        var hep = Estimate(network, batch, "hep", 0.3f, points: 2);
        var centred = Estimate(network, batch, "ep-symmetric", 0.3f);
        Assert.Equal(centred, hep);
    }

    /// <summary>
    /// At a large nudge, |β| = 0.5, eight points on the circle give the gradient to 1e-3 (aliasing of order 8), where
    /// one-sided EP is off by more than 10% and centred EP by more than 1%; more points, smaller error. (The circle
    /// must stay inside the disc where the equilibrium is analytic in β: with the steeper mysig units of this network
    /// the complex sigmoid's poles come within reach at |β| = 0.5, and hEP then needs a smaller |β|.)
    /// </summary>
    [Fact]
    public void Eight_points_give_the_gradient_at_a_large_nudge()
    {
        var (network, batch) = TestNetworks.Create([8, 7, 6, 3], "sigmoid", "mse", batchSize: 4, scale: 1f);
        var exact = GradientCheck.ExactGradient(network, batch, Steps, Steps);
        Assert.True(GradientCheck.FreeResidual(batch) < 1e-6);
        double Error(string rule, int points) => TestNetworks.RelativeError(Estimate(network, batch, rule, 0.5f, points), exact);
        double hep8 = Error("hep", 8), hep4 = Error("hep", 4), hep6 = Error("hep", 6);
        double oneSided = Error("ep", 4), centred = Error("ep-symmetric", 4);
        string all = $"hEP N=4 {hep4:E2}, N=6 {hep6:E2}, N=8 {hep8:E2}; one-sided {oneSided:E2}, centred {centred:E2}";
        Assert.True(hep8 < 1e-3, all);
        Assert.True(oneSided > 0.1 && centred > 0.01, all);
        Assert.True(hep8 < hep6 && hep6 < hep4 && hep4 < centred, all);
    }

    /// <summary>An odd N has one real nudge (+|β|) and complex pairs; it converges too.</summary>
    [Fact]
    public void An_odd_number_of_points_works()
    {
        var (network, batch) = TestNetworks.Create([6, 5, 4, 3], "sigmoid", "mse", batchSize: 3, scale: 1f);
        var exact = GradientCheck.ExactGradient(network, batch, Steps, Steps);
        double error = TestNetworks.RelativeError(Estimate(network, batch, "hep", 0.3f, points: 7), exact);
        Assert.True(error < 1e-3, $"N = 7: {error:E2}");
    }

    /// <summary>The complex activations agree with the real ones on the real axis and are holomorphic: their
    /// derivative along the real axis equals their derivative along the imaginary axis (Cauchy–Riemann).</summary>
    [Theory]
    [InlineData("mysig")]
    [InlineData("sigmoid")]
    [InlineData("holo-hard-sig")]
    public void Complex_activations_extend_the_real_ones_holomorphically(string name)
    {
        var activation = Activation.Parse(name);
        var complex = (IHolomorphicActivation)activation;
        float[] re = [-1.5f, -0.3f, 0.2f, 0.5f, 0.9f, 1.7f, 2.4f], im = [0.1f, -0.2f, 0.05f, 0.3f, -0.15f, 0.2f, 0f];
        int n = re.Length;
        var real = new float[n];
        var (outRe, outIm) = (new float[n], new float[n]);
        activation.Apply(re, real);
        complex.ApplyComplex(re, new float[n], outRe, outIm);
        for (int i = 0; i < n; i++)
        {
            Assert.Equal(real[i], outRe[i], 5);
            Assert.Equal(0f, outIm[i], 6);
        }
        const float h = 1e-2f;
        (float Re, float Im) At(float x, float y)
        {
            var (a, b) = (new float[1], new float[1]);
            complex.ApplyComplex([x], [y], a, b);
            return (a[0], b[0]);
        }
        for (int i = 0; i < n; i++)
        {
            var (px, py) = (At(re[i] + h, im[i]), At(re[i] - h, im[i]));
            var (qx, qy) = (At(re[i], im[i] + h), At(re[i], im[i] - h));
            // f'(z) = ∂f/∂x = −i·∂f/∂y
            double dxRe = (px.Re - py.Re) / (2.0 * h), dxIm = (px.Im - py.Im) / (2.0 * h);
            double dyRe = (qx.Re - qy.Re) / (2.0 * h), dyIm = (qx.Im - qy.Im) / (2.0 * h);
            Assert.True(Math.Abs(dxRe - dyIm) < 2e-3 && Math.Abs(dxIm + dyRe) < 2e-3, $"{name} at {re[i]}+{im[i]}i: ∂x = {dxRe}+{dxIm}i, ∂y = {dyRe}+{dyIm}i");
        }
    }

    [Theory]
    [InlineData("hard-sigmoid", "mse", "holomorphic")]
    [InlineData("mysig", "ce", "--loss mse")]
    public void Energies_without_a_holomorphic_extension_are_refused(string activation, string loss, string expected)
    {
        var (network, _) = TestNetworks.Create([6, 5, 3], activation, loss, batchSize: 2, scale: 1f);
        var error = Assert.Throws<ConfigException>(() => LearningRules.Create("hep", network, new PhaseSettings(0.1f, 10, 10), new Randomness.Rng(0)));
        Assert.Contains(expected, error.Message);
    }

    [Fact]
    public void Resistive_networks_are_refused()
    {
        var (network, _) = OnChip.Tests.Resistive.ResistiveTestNetworks.Create([5, 6, 3], gain: 2f, batchSize: 2);
        var error = Assert.Throws<ConfigException>(() => LearningRules.Create("hep", network, new PhaseSettings(0.1f, 10, 10), new Randomness.Rng(0)));
        Assert.Contains("holomorphic", error.Message);
    }
}
