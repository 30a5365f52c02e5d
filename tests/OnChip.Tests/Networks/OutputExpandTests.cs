using OnChip.Cli;
using OnChip.Networks;
using OnChip.Networks.Costs;
using OnChip.Tensors;

namespace OnChip.Tests.Networks;

/// <summary>--output-expand k: k output units per class, each trained towards its class's target, averaged for the score.</summary>
public class OutputExpandTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("onchip-expand-").FullName;
    public void Dispose() => Directory.Delete(_dir, recursive: true);

    [Fact]
    public void The_cost_spreads_each_target_over_its_units_and_averages_the_scores()
    {
        var cost = new SquaredError(1, 2, expand: 3);
        var s = new Matrix(1, 6);
        float[] outputs = [0.9f, 0.6f, 0.3f, 0.1f, 0.2f, 0.0f];
        outputs.CopyTo(s.Row(0));
        var y = new Matrix(1, 2);
        y[0, 0] = 1f;
        var states = new[] { new Matrix(1, 1), s };
        var scores = new Matrix(1, 2);
        cost.Scores(states, 0, 1, scores);
        Assert.Equal(0.6f, scores[0, 0], 6);
        Assert.Equal(0.1f, scores[0, 1], 6);
        // The reported loss is the prediction's: of the class scores.
        Assert.Equal(0.5 * (0.16 + 0.01), cost.Loss(scores, y, 0, 1), 6);
        var gradient = new Matrix(1, 6);
        cost.AddStateGradient(states, y, 1f, gradient, 0, 1);
        Assert.Equal(new[] { -0.1f, -0.4f, -0.7f, 0.1f, 0.2f, 0f }, gradient.Row(0).ToArray(), (a, b) => Math.Abs(a - b) < 1e-6f);
    }

    [Fact]
    public void A_network_with_expanded_outputs_has_k_units_per_class()
    {
        var network = HopfieldNetwork.Create(new NetworkSpec([8, 5, 3], "mysig", "mse", OutputExpand: 4));
        Assert.Equal([8, 5, 12], network.LayerSizes);
        Assert.Equal(3, network.ClassCount);
        Assert.Equal([12, 5], network.Parameter("W1").Shape);
        Assert.Throws<ArgumentException>(() => HopfieldNetwork.Create(new NetworkSpec([8, 5, 3], "mysig", "ce", OutputExpand: 2)));
    }

    /// <summary>Training, the clamped rules (the clamp spreads the target too), the model file and eval all take the expansion.</summary>
    [Fact]
    public void Training_and_eval_use_the_expanded_outputs()
    {
        string dir = Path.Combine(_dir, "run");
        var (output, error) = (new StringWriter(), new StringWriter());
        int code = Program.Run(["train", "--archi", "784-32-10", "--output-expand", "3", "--rule", "cpl-centered", "--epochs", "1", "--train-limit", "500",
            "--test-limit", "200", "--out", dir], output, error);
        Assert.True(code == 0, error.ToString());
        string trained = output.ToString().Split('\n').Single(l => l.StartsWith("test accuracy", StringComparison.Ordinal));
        var eval = new StringWriter();
        Assert.Equal(0, Program.Run(["eval", "--model", Path.Combine(dir, "model.onchip"), "--limit", "200"], eval, TextWriter.Null));
        string accuracy = trained.Split(' ')[2];
        Assert.Contains($"accuracy {accuracy}", eval.ToString());

        var err = new StringWriter();
        Assert.NotEqual(0, Program.Run(["train", "--output-expand", "2", "--loss", "ce", "--epochs", "1", "--out", Path.Combine(_dir, "bad")], TextWriter.Null, err));
        Assert.StartsWith("error: output-expand", err.ToString());
    }
}
