using OnChip.Learning;
using OnChip.Networks;
using OnChip.Networks.Convolution;
using OnChip.Networks.Interactions;

namespace OnChip.Tests.Convolution;

/// <summary>
/// The free dynamics s ← σ(∂Φ/∂s) of a conv net and its loss, in double precision with the loop-by-loop
/// convolution of <see cref="NaiveConv"/> (only the list of couplings is taken from the network): the reference
/// for finite differences of the loss after T steps.
/// </summary>
internal sealed class ReferenceConvDynamics(LayeredNetwork network, BatchContext batch)
{
    private readonly double[][] _x = Rows(batch.Input, batch.Count);
    private readonly double[][] _y = Rows(batch.Targets, batch.Count);

    private static double[][] Rows(OnChip.Tensors.Matrix m, int count) =>
        Enumerable.Range(0, count).Select(r => m.Row(r).ToArray().Select(v => (double)v).ToArray()).ToArray();

    private static double Activate(string name, double u) => name switch
    {
        "mysig" => 1 / (1 + Math.Exp(-4 * (u - 0.5))),
        "sigmoid" => 1 / (1 + Math.Exp(-u)),
        "tanh" => Math.Tanh(u),
        _ => throw new ArgumentException(name),
    };

    /// <summary>Mean loss after <paramref name="steps"/> free steps from s = 0 with parameter element (name, index) moved by δ.</summary>
    public double Loss(int steps, (string Name, int Index, double Delta)? perturb = null)
    {
        var theta = network.Parameters.ToDictionary(p => p.Name, p => p.Value.Data.Select(v => (double)v).ToArray());
        if (perturb is { } q) theta[q.Name][q.Index] += q.Delta;
        int layers = network.LayerCount;
        double total = 0;
        for (int r = 0; r < _x.Length; r++)
        {
            var s = new double[layers][];
            s[0] = _x[r];
            for (int l = 1; l < layers; l++) s[l] = new double[network.LayerSizes[l]];
            for (int t = 0; t < steps; t++)
            {
                var next = new double[layers][];
                next[0] = s[0];
                for (int l = 1; l < layers; l++)
                {
                    var u = new double[network.LayerSizes[l]];
                    foreach (var term in network.InteractionsOf(l)) AddDrive(term, l, s, theta, u);
                    next[l] = u.Select(v => Activate(network.Spec.Activation, v)).ToArray();
                }
                s = next;
            }
            total += LossOf(s, _y[r], theta);
        }
        return total / _x.Length;
    }

    private static void AddDrive(Interaction term, int layer, double[][] s, Dictionary<string, double[]> theta, double[] u)
    {
        double[] add;
        switch (term)
        {
            case ConvInteraction c when layer == c.Upper:
                add = NaiveConv.Pool(c.Geometry, NaiveConv.Conv(c.Geometry, s[c.Lower], theta[c.Kernel.Name]));
                break;
            case ConvInteraction c:
                add = NaiveConv.LowerDrive(c.Geometry, s[c.Lower], theta[c.Kernel.Name], s[c.Upper]);
                break;
            case ChannelBiasInteraction b:
                var bias = theta[b.Bias.Name];
                add = Enumerable.Range(0, u.Length).Select(i => bias[i % bias.Length]).ToArray();
                break;
            case BiasInteraction b:
                add = theta[b.Bias.Name];
                break;
            case DenseInteraction d:
                var w = theta[d.Weight.Name];
                add = new double[u.Length];
                for (int i = 0; i < d.UpperSize; i++)
                    for (int j = 0; j < d.LowerSize; j++)
                        if (layer == d.Upper) add[i] += w[i * d.LowerSize + j] * s[d.Lower][j];
                        else add[j] += w[i * d.LowerSize + j] * s[d.Upper][i];
                break;
            default:
                throw new ArgumentException(term.GetType().Name);
        }
        for (int i = 0; i < u.Length; i++) u[i] += add[i];
    }

    private double LossOf(double[][] s, double[] y, Dictionary<string, double[]> theta)
    {
        if (network.Spec.Loss == "mse") return 0.5 * s[^1].Zip(y, (a, b) => (a - b) * (a - b)).Sum();
        int top = network.LayerCount - 1;
        var w = theta[$"W{top}"];
        var b = theta[$"b{top + 1}"];
        var logits = new double[b.Length];
        for (int i = 0; i < b.Length; i++)
        {
            logits[i] = b[i];
            for (int j = 0; j < s[top].Length; j++) logits[i] += w[i * s[top].Length + j] * s[top][j];
        }
        double max = logits.Max();
        double log = Math.Log(logits.Sum(z => Math.Exp(z - max))) + max;
        return -Enumerable.Range(0, y.Length).Sum(i => y[i] * (logits[i] - log));
    }

    /// <summary>Central finite difference of <see cref="Loss"/> for every parameter element.</summary>
    public double[][] Gradient(int steps, double epsilon = 1e-6) =>
        network.Parameters.Select(p => Enumerable.Range(0, p.Length).Select(i =>
            (Loss(steps, (p.Name, i, epsilon)) - Loss(steps, (p.Name, i, -epsilon))) / (2 * epsilon)).ToArray()).ToArray();
}
