using System.Globalization;
using System.Text.Json.Nodes;
using OnChip.Analysis;
using OnChip.Cli;
using OnChip.Learning;

namespace OnChip.Tests.Analysis;

/// <summary>
/// The bias of every estimator against the exact gradient (recurrent backprop at the free equilibrium, which the RBP
/// tests check against finite differences; BPTT through the same steps must equal it).
/// </summary>
public class GradientCheckTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("onchip-gradcheck-").FullName;
    public void Dispose() => Directory.Delete(_dir, recursive: true);

    private static (int Code, string Out, string Err) Run(params string[] args)
    {
        var output = new StringWriter();
        var error = new StringWriter();
        return (Program.Run(args, output, error), output.ToString(), error.ToString());
    }

    private static double AllError(GradientCheckRow row) => row.Tensors.Single(t => t.Tensor == "all").RelativeError;

    /// <summary>One-sided (P and N) EP's bias halves with β; centred EP's quarters; truncated BPTT through enough steps has none.</summary>
    [Fact]
    public void Each_estimator_has_the_order_of_its_bias()
    {
        var (network, batch) = TestNetworks.Create([8, 7, 6, 3], "sigmoid", "mse", batchSize: 4, scale: 1f);
        var exact = GradientCheck.ExactGradient(network, batch, 400, 400);
        Assert.True(GradientCheck.FreeResidual(batch) < 1e-6);
        float[] betas = [0.2f, 0.1f, 0.05f];
        double[] Errors(string rule) => GradientCheck.Run(network, batch, rule, betas, new PhaseSettings(0f, 400, 400), exact, seed: 0).Select(AllError).ToArray();
        var positive = Errors("ep");
        var negative = Errors("ep-negative");
        var centred = Errors("ep-symmetric");
        string all = $"P {string.Join(" → ", positive.Select(e => e.ToString("E2")))}; N {string.Join(" → ", negative.Select(e => e.ToString("E2")))}; " +
                     $"C {string.Join(" → ", centred.Select(e => e.ToString("E2")))}";
        for (int k = 1; k < betas.Length; k++)
        {
            Assert.True(positive[k - 1] / positive[k] is > 1.7 and < 2.3, all);
            Assert.True(negative[k - 1] / negative[k] is > 1.7 and < 2.3, all);
            Assert.True(centred[k - 1] / centred[k] is > 3.4 and < 4.6, all);
        }
        Assert.True(centred[^1] < positive[^1] / 10, all);
        var bptt = GradientCheck.Run(network, batch, "bptt", [0.1f], new PhaseSettings(0f, 400, 400), exact, seed: 0).Single();
        Assert.True(AllError(bptt) < 1e-4, $"BPTT through 400 steps against RBP: {AllError(bptt):E2}");
        Assert.True(bptt.Tensors.All(t => t.Cosine > 0.9999 && t.SignAgreement > 0.99));
    }

    /// <summary>
    /// Holomorphic EP on a tiny conv net with softmax pooling (the holomorphic pooling of Laborieux &amp; Zenke), through
    /// the command: at |β| = 0.5 its bias falls by more than 10× from N = 2 (centred EP) to 4 and again to 6.
    /// </summary>
    [Fact]
    public void The_command_shows_hep_bias_shrinking_with_points_on_a_softmax_pooled_conv_net()
    {
        double Error(int points)
        {
            string dir = Path.Combine(_dir, $"hep{points}");
            var (code, output, error) = Run("gradcheck", "--model", "conv", "--channels", "2-4", "--kernels", "5-5", "--pools", "ss", "--fc", "10",
                "--loss", "mse", "--act", "sigmoid", "--rule", "hep", "--points", points.ToString(CultureInfo.InvariantCulture), "--beta", "0.5",
                "--t1", "200", "--t2", "200", "--batch", "4", "--out", dir);
            Assert.True(code == 0, error);
            Assert.Contains("784-288-64-10", output);   // 2×12×12 and 4×4×4 after the pools
            Assert.DoesNotContain("warning", output);
            var rows = File.ReadAllLines(Path.Combine(dir, GradientCheck.CsvFileName)).Skip(1).Select(l => l.Split(','));
            return double.Parse(rows.Single(r => r[2] == "all")[3], CultureInfo.InvariantCulture);
        }
        double two = Error(2), four = Error(4), six = Error(6);
        string all = $"N = 2 {two:E2}, N = 4 {four:E2}, N = 6 {six:E2}";
        Assert.True(four < two / 10 && six < four / 10, all);
        Assert.True(six < 1e-3, all);
    }

    [Fact]
    public void Agreement_measures_error_cosine_and_signs()
    {
        var a = GradientCheck.Agreement("t", [1, -2, 0, 4], [1, 2, 0, 2]);
        Assert.Equal(Math.Sqrt((0 + 16 + 0 + 4) / 9.0), a.RelativeError, 12);
        Assert.Equal((1 - 4 + 0 + 8) / (Math.Sqrt(21) * 3), a.Cosine, 12);
        Assert.Equal(2 / 3.0, a.SignAgreement, 12);   // the zero exact element does not count
        Assert.Equal(3, a.ExactNorm, 12);
    }

    [Fact]
    public void The_command_writes_the_bias_versus_beta_table()
    {
        string dir = Path.Combine(_dir, "run");
        var (code, output, error) = Run("gradcheck", "--archi", "784-12-10", "--rule", "ep-symmetric", "--beta", "0.2,0.1", "--t1", "150", "--t2", "150",
            "--batch", "5", "--out", dir);
        Assert.True(code == 0, error);
        Assert.Contains("exact gradient: recurrent backprop", output);
        Assert.DoesNotContain("warning", output);
        var lines = File.ReadAllLines(Path.Combine(dir, GradientCheck.CsvFileName));
        Assert.Equal("rule,beta,tensor,relative_error,cosine,sign_agreement,exact_norm", lines[0]);
        Assert.Equal(2 * 5, lines.Length - 1);   // W0, b1, W1, b2 and all, for each β
        var rows = lines.Skip(1).Select(l => l.Split(',')).ToArray();
        double Error(string beta) => double.Parse(rows.Single(r => r[1] == beta && r[2] == "all")[3], CultureInfo.InvariantCulture);
        Assert.InRange(Error("0.2") / Error("0.1"), 3.0, 5.0);
        var json = JsonNode.Parse(File.ReadAllText(Path.Combine(dir, GradientCheck.JsonFileName)))!;
        Assert.Equal("ep-symmetric", (string?)json["settings"]!["rule"]);
        Assert.Equal(2, json["results"]!.AsArray().Count);
        Assert.NotNull(json["results"]![0]!["tensors"]!["W0"]!["cosine"]);
    }

    [Theory]
    [InlineData("--rule", "cep", "moves the weights")]
    [InlineData("--rule", "bp", "bp")]
    [InlineData("--beta", "0.1,-0.2", "beta")]
    [InlineData("--model", "/nonexistent/model.onchip", "neither a model file")]
    [InlineData("--exact-steps", "0", "exact-steps")]
    public void Bad_settings_give_one_error_line(string option, string value, string expected)
    {
        var (code, _, error) = Run("gradcheck", "--archi", "784-8-10", "--t1", "20", "--t2", "20", "--batch", "2", option, value, "--out", Path.Combine(_dir, "bad"));
        Assert.NotEqual(0, code);
        Assert.StartsWith("error:", error);
        Assert.Contains(expected, error);
        Assert.DoesNotContain("   at ", error);
    }
}
