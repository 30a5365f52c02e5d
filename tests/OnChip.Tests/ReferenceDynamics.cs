using OnChip.Learning;
using OnChip.Networks;

namespace OnChip.Tests;

/// <summary>
/// An independent, naive double-precision transcription of the layered dynamics s ← σ(∂Φ/∂s) and the loss, used
/// as the reference for finite differences (no GEMM, no shared code with the library's kernels).
/// </summary>
internal sealed class ReferenceDynamics
{
    private readonly LayeredNetwork _network;
    private readonly double[][] _x, _y;

    public ReferenceDynamics(LayeredNetwork network, BatchContext batch)
    {
        _network = network;
        _x = Enumerable.Range(0, batch.Count).Select(r => batch.Input.Row(r).ToArray().Select(v => (double)v).ToArray()).ToArray();
        _y = Enumerable.Range(0, batch.Count).Select(r => batch.Targets.Row(r).ToArray().Select(v => (double)v).ToArray()).ToArray();
    }

    private static double Activate(string name, double u) => name switch
    {
        "mysig" => 1 / (1 + Math.Exp(-4 * (u - 0.5))),
        "sigmoid" => 1 / (1 + Math.Exp(-u)),
        "tanh" => Math.Tanh(u),
        "hard-sigmoid" => Math.Clamp(u, 0, 1),
        _ => throw new ArgumentException(name),
    };

    private double[,] W(int n) => ToDouble(_network.Parameter($"W{n}"));
    private double[] B(int n) => _network.Parameter($"b{n}").Value.Data.Select(v => (double)v).ToArray();

    private static double[,] ToDouble(Parameter p)
    {
        var m = new double[p.Value.Rows, p.Value.Cols];
        for (int i = 0; i < p.Value.Rows; i++)
            for (int j = 0; j < p.Value.Cols; j++) m[i, j] = p.Value[i, j];
        return m;
    }

    /// <summary>
    /// Mean loss after <paramref name="steps"/> free steps from s = 0. <paramref name="perturb"/> (parameter name,
    /// element, δ) is applied only during the last <paramref name="perturbedSteps"/> steps (and the readout).
    /// </summary>
    public double Loss(int steps, int perturbedSteps, (string Name, int Index, double Delta)? perturb = null, string schedule = "sync")
    {
        int layers = _network.LayerCount;
        var sizes = _network.LayerSizes;
        string act = _network.Spec.Activation;
        double total = 0;
        for (int r = 0; r < _x.Length; r++)
        {
            var s = new double[layers][];
            s[0] = _x[r];
            for (int l = 1; l < layers; l++) s[l] = new double[sizes[l]];
            for (int t = 0; t < steps; t++)
            {
                bool perturbed = t >= steps - perturbedSteps;
                // Synchronous: every layer from the previous step. Otherwise phase by phase, in place: a phase's
                // layers do not touch each other, so updating them one after another is the same.
                var next = new double[layers][];
                next[0] = s[0];
                if (schedule != "sync") next = s;
                foreach (int l in Order(schedule, layers - 1))
                {
                    var b = Get($"b{l}", perturbed ? perturb : null, B(l));
                    var lower = Get($"W{l - 1}", perturbed ? perturb : null, W(l - 1));
                    next[l] = new double[sizes[l]];
                    for (int i = 0; i < sizes[l]; i++)
                    {
                        double u = b[i];
                        for (int j = 0; j < sizes[l - 1]; j++) u += lower[i, j] * s[l - 1][j];
                        if (l + 1 < layers)
                        {
                            var upper = Get($"W{l}", perturbed ? perturb : null, W(l));
                            for (int k = 0; k < sizes[l + 1]; k++) u += upper[k, i] * s[l + 1][k];
                        }
                        next[l][i] = Activate(act, u);
                    }
                }
                s = next;
            }
            total += LossOf(s, _y[r], perturb);
        }
        return total / _x.Length;
    }

    /// <summary>The layers in the order one step updates them.</summary>
    private static IEnumerable<int> Order(string schedule, int top) => schedule switch
    {
        "sync" or "forward" => Enumerable.Range(1, top),
        "backward" => Enumerable.Range(1, top).Reverse(),
        "async" => Enumerable.Range(1, top).Where(l => l % 2 == 1).Concat(Enumerable.Range(1, top).Where(l => l % 2 == 0)),
        _ => throw new ArgumentException(schedule),
    };

    private double LossOf(double[][] s, double[] y, (string Name, int Index, double Delta)? perturb)
    {
        if (_network.Spec.Loss == "mse") return 0.5 * s[^1].Zip(y, (a, b) => (a - b) * (a - b)).Sum();
        int top = _network.LayerCount - 1;
        var w = Get($"W{top}", perturb, W(top));
        var b = Get($"b{top + 1}", perturb, B(top + 1));
        var logits = new double[b.Length];
        for (int i = 0; i < b.Length; i++)
        {
            logits[i] = b[i];
            for (int j = 0; j < s[top].Length; j++) logits[i] += w[i, j] * s[top][j];
        }
        double max = logits.Max();
        double log = Math.Log(logits.Sum(z => Math.Exp(z - max))) + max;
        return -Enumerable.Range(0, y.Length).Sum(i => y[i] * (logits[i] - log));
    }

    private static double[] Get(string name, (string Name, int Index, double Delta)? perturb, double[] value)
    {
        if (perturb is { } p && p.Name == name) value[p.Index] += p.Delta;
        return value;
    }

    private static double[,] Get(string name, (string Name, int Index, double Delta)? perturb, double[,] value)
    {
        if (perturb is { } p && p.Name == name) value[p.Index / value.GetLength(1), p.Index % value.GetLength(1)] += p.Delta;
        return value;
    }

    /// <summary>Central finite difference of <see cref="Loss"/> for every parameter element.</summary>
    public double[][] Gradient(int steps, int perturbedSteps, double epsilon = 1e-6, string schedule = "sync") =>
        _network.Parameters.Select(p => Enumerable.Range(0, p.Length).Select(i =>
            (Loss(steps, perturbedSteps, (p.Name, i, epsilon), schedule) - Loss(steps, perturbedSteps, (p.Name, i, -epsilon), schedule)) / (2 * epsilon)).ToArray()).ToArray();
}
