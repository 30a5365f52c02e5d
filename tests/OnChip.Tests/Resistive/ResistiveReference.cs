using OnChip.Learning;
using OnChip.Networks;

namespace OnChip.Tests.Resistive;

/// <summary>
/// An independent, naive double-precision transcription of a deep resistive network (science.md §7): energy
/// E = ½ Σ g (v_i − v_j)² − Σ b·v (+ β·½‖o − y‖² when nudged), node updates v_j = clip((Σ g v + b [+ βy]) / (Σ g [+ β])),
/// hidden nodes [0, ∞) for the first half and (−∞, 0] for the second, linear outputs, input ±gain·x. No code shared
/// with the library's kernels; used as the reference for energies, equilibria and finite differences.
/// </summary>
internal sealed class ResistiveReference
{
    private readonly LayeredNetwork _network;
    private readonly double[][] _inputs, _targets;
    private readonly int[] _sizes;
    private readonly int _top;

    public ResistiveReference(LayeredNetwork network, BatchContext batch, float gain)
    {
        _network = network;
        _sizes = network.LayerSizes;
        _top = _sizes.Length - 1;
        _inputs = Enumerable.Range(0, batch.Count).Select(r =>
        {
            var x = batch.Input.Row(r).ToArray();
            return x.Select(v => gain * (double)v).Concat(x.Select(v => -gain * (double)v)).ToArray();
        }).ToArray();
        _targets = Enumerable.Range(0, batch.Count).Select(r => batch.Targets.Row(r).ToArray().Select(v => (double)v).ToArray()).ToArray();
    }

    public int Count => _inputs.Length;

    /// <summary>The parameters as doubles, optionally with one element perturbed.</summary>
    public sealed class Parameters
    {
        public double[][,] G = [];
        public double[][] B = [];
    }

    public Parameters Current((string Name, int Index, double Delta)? perturb = null)
    {
        var p = new Parameters { G = new double[_top][,], B = new double[_top + 1][] };
        for (int n = 0; n < _top; n++)
        {
            var w = _network.Parameter($"W{n}").Value;
            p.G[n] = new double[w.Rows, w.Cols];
            for (int i = 0; i < w.Rows; i++)
                for (int j = 0; j < w.Cols; j++) p.G[n][i, j] = w[i, j];
            p.B[n + 1] = _network.Parameter($"b{n + 1}").Value.Data.Select(v => (double)v).ToArray();
        }
        if (perturb is { } d)
        {
            int n = int.Parse(d.Name[1..]);
            if (d.Name[0] == 'W') p.G[n][d.Index / p.G[n].GetLength(1), d.Index % p.G[n].GetLength(1)] += d.Delta;
            else p.B[n][d.Index] += d.Delta;
        }
        return p;
    }

    public double[][] Zero(int example)
    {
        var v = new double[_sizes.Length][];
        v[0] = _inputs[example];
        for (int l = 1; l < v.Length; l++) v[l] = new double[_sizes[l]];
        return v;
    }

    /// <summary>The state of example <paramref name="r"/> as the library holds it.</summary>
    public double[][] FromLibrary(NetworkState state, int r)
    {
        var v = Zero(r);
        for (int l = 1; l < v.Length; l++) v[l] = state[l].Row(r).ToArray().Select(x => (double)x).ToArray();
        return v;
    }

    /// <summary>∂(E + β·C)/∂v_j of node j of layer l.</summary>
    public double Gradient(Parameters p, double[][] v, int l, int j, double beta, int example)
    {
        double g = -p.B[l][j];
        for (int i = 0; i < _sizes[l - 1]; i++) g += p.G[l - 1][j, i] * (v[l][j] - v[l - 1][i]);
        if (l < _top)
            for (int k = 0; k < _sizes[l + 1]; k++) g += p.G[l][k, j] * (v[l][j] - v[l + 1][k]);
        if (l == _top) g += beta * (v[l][j] - _targets[example][j]);
        return g;
    }

    public (double Lower, double Upper) Bounds(int l, int j) =>
        l == _top ? (double.NegativeInfinity, double.PositiveInfinity) : j < _sizes[l] / 2 ? (0, double.PositiveInfinity) : (double.NegativeInfinity, 0);

    public double Energy(Parameters p, double[][] v, double beta, int example)
    {
        double e = 0;
        for (int n = 0; n < _top; n++)
            for (int j = 0; j < _sizes[n + 1]; j++)
            {
                for (int i = 0; i < _sizes[n]; i++)
                {
                    double d = v[n + 1][j] - v[n][i];
                    e += 0.5 * p.G[n][j, i] * d * d;
                }
                e -= p.B[n + 1][j] * v[n + 1][j];
            }
        return e + beta * Cost(v, example);
    }

    public double Cost(double[][] v, int example) => 0.5 * v[_top].Zip(_targets[example], (o, y) => (o - y) * (o - y)).Sum();

    /// <summary>Node j of layer l set to the exact minimiser of its energy given its neighbours.</summary>
    private double Settle(Parameters p, double[][] v, int l, int j, double beta, int example)
    {
        var (lo, hi) = Bounds(l, j);
        return Math.Clamp(Unclipped(p, v, l, j, beta, example), lo, hi);
    }

    /// <summary>The minimiser of node j's energy given its neighbours before its diode clips it.</summary>
    public double Unclipped(Parameters p, double[][] v, int l, int j, double beta, int example)
    {
        double num = p.B[l][j], den = 0;
        for (int i = 0; i < _sizes[l - 1]; i++) { num += p.G[l - 1][j, i] * v[l - 1][i]; den += p.G[l - 1][j, i]; }
        if (l < _top)
            for (int k = 0; k < _sizes[l + 1]; k++) { num += p.G[l][k, j] * v[l + 1][k]; den += p.G[l][k, j]; }
        if (l == _top && beta != 0) { num += beta * _targets[example][j]; den += beta; }
        return den > 0 ? num / den : 0;
    }

    /// <summary>One sweep: sync from the previous state; otherwise in place, layer groups in the schedule's order.</summary>
    public void Sweep(Parameters p, double[][] v, string schedule, double beta, int example)
    {
        if (schedule == "sync")
        {
            var next = new double[v.Length][];
            for (int l = 1; l < v.Length; l++) next[l] = Enumerable.Range(0, _sizes[l]).Select(j => Settle(p, v, l, j, beta, example)).ToArray();
            for (int l = 1; l < v.Length; l++) v[l] = next[l];
            return;
        }
        foreach (int l in Order(schedule))
        {
            var next = Enumerable.Range(0, _sizes[l]).Select(j => Settle(p, v, l, j, beta, example)).ToArray();
            v[l] = next;
        }
    }

    private IEnumerable<int> Order(string schedule) => schedule switch
    {
        "forward" => Enumerable.Range(1, _top),
        "backward" => Enumerable.Range(1, _top).Reverse(),
        "async" => Enumerable.Range(1, _top).Where(l => l % 2 == 1).Concat(Enumerable.Range(1, _top).Where(l => l % 2 == 0)),
        _ => throw new ArgumentException(schedule),
    };

    /// <summary>
    /// Mean cost after <paramref name="steps"/> sweeps from 0, with the perturbation applied in the last
    /// <paramref name="perturbedSteps"/> sweeps only (what truncated backprop differentiates).
    /// </summary>
    public double UnrolledLoss(int steps, int perturbedSteps, string schedule, (string Name, int Index, double Delta)? perturb)
    {
        var plain = Current();
        var perturbed = Current(perturb);
        double total = 0;
        for (int r = 0; r < Count; r++)
        {
            var v = Zero(r);
            for (int t = 0; t < steps; t++) Sweep(t >= steps - perturbedSteps ? perturbed : plain, v, schedule, 0, r);
            total += Cost(v, r);
        }
        return total / Count;
    }

    /// <summary>Mean cost at the free equilibrium (many forward sweeps from 0).</summary>
    public double EquilibriumLoss((string Name, int Index, double Delta)? perturb, int sweeps = 400)
    {
        var p = Current(perturb);
        double total = 0;
        for (int r = 0; r < Count; r++)
        {
            var v = Zero(r);
            for (int t = 0; t < sweeps; t++) Sweep(p, v, "forward", 0, r);
            total += Cost(v, r);
        }
        return total / Count;
    }

    /// <summary>The output of example <paramref name="example"/> at the free equilibrium (many forward sweeps from 0).</summary>
    public double[] FreeOutput(int example, int sweeps = 400)
    {
        var p = Current();
        var v = Zero(example);
        for (int t = 0; t < sweeps; t++) Sweep(p, v, "forward", 0, example);
        return v[_top];
    }

    /// <summary>The smallest distance of a hidden node's unclipped minimiser from its diode's threshold (0), over the free equilibria of all examples.</summary>
    public double HiddenMargin(int sweeps = 400)
    {
        var p = Current();
        double margin = double.PositiveInfinity;
        for (int r = 0; r < Count; r++)
        {
            var v = Zero(r);
            for (int t = 0; t < sweeps; t++) Sweep(p, v, "forward", 0, r);
            for (int l = 1; l < _top; l++)
                for (int j = 0; j < _sizes[l]; j++) margin = Math.Min(margin, Math.Abs(Unclipped(p, v, l, j, 0, r)));
        }
        return margin;
    }

    /// <summary>
    /// Mean over the examples of Ψ(θ, o) = min over the hidden nodes of E with the output held at o (a voltage source on
    /// each output node), o = o⁰ + δ·(y − o⁰) for the given base outputs o⁰: the energy coupled learning contrasts.
    /// </summary>
    public double ClampedEnergy((string Name, int Index, double Delta)? perturb, double[][] baseOutputs, double delta, int sweeps = 200)
    {
        var p = Current(perturb);
        double total = 0;
        for (int r = 0; r < Count; r++)
        {
            var v = Zero(r);
            v[_top] = baseOutputs[r].Select((o, j) => o + delta * (_targets[r][j] - o)).ToArray();
            for (int t = 0; t < sweeps; t++)
                for (int l = 1; l < _top; l++) v[l] = Enumerable.Range(0, _sizes[l]).Select(j => Settle(p, v, l, j, 0, r)).ToArray();
            total += Energy(p, v, 0, r);
        }
        return total / Count;
    }

    public double[][] FiniteDifference(Func<(string, int, double), double> loss, double epsilon = 1e-6) =>
        _network.Parameters.Select(p => Enumerable.Range(0, p.Length).Select(i =>
            (loss((p.Name, i, epsilon)) - loss((p.Name, i, -epsilon))) / (2 * epsilon)).ToArray()).ToArray();
}
