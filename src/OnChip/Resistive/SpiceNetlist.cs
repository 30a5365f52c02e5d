using System.Globalization;
using System.Text;
using OnChip.Learning;
using OnChip.Networks;
using OnChip.Parallelism;

namespace OnChip.Resistive;

/// <summary>OnChip's free equilibrium of a resistive network for one example: node voltages per layer and the predicted class.</summary>
internal sealed record CircuitState(float[][] Voltages, int Predicted, int Sweeps, double Residual)
{
    /// <summary>The largest input voltage magnitude (the circuit's voltage scale).</summary>
    public double InputScale => Voltages[0].Select(v => Math.Abs((double)v)).DefaultIfEmpty(0).Max();
}

/// <summary>
/// A trained resistive network as a SPICE netlist for one input example: a voltage source per input node (±g·x),
/// one resistor per non-zero conductance (R = 1/g), a near-ideal diode to ground at each hidden node (anode at ground
/// for a node kept ≥ 0, at the node for one kept ≤ 0), and a current source per bias (b amperes into the node). Model
/// units are volts, siemens and amperes. The DC operating point (<c>.op</c>) is then the network's free equilibrium.
/// </summary>
internal static class SpiceNetlist
{
    /// <summary>
    /// The diode: Shockley with saturation current 1e-12 A and emission coefficient 0.001, so it conducts at about
    /// 0.7 mV where a silicon diode needs 0.7 V: the clamp of the model (the node held at exactly 0) within a millivolt.
    /// </summary>
    public const string DiodeModel = ".model DIDEAL D(IS=1e-12 N=0.001)";

    /// <summary>
    /// Every node gets 1e12 Ω to ground (ngspice's <c>rshunt</c>) so that a node whose conductances all learnt 0 (left
    /// without its bias source, as OnChip holds it at 0) still has a DC path; it moves the other nodes by less than a
    /// picoampere's worth.
    /// </summary>
    public const string Options = ".options rshunt=1e12";

    /// <summary>Relaxes the free phase of one example with the network's schedule until no node moves (or 100,000 sweeps).</summary>
    public static CircuitState Relax(LayeredNetwork network, ReadOnlySpan<float> features, WorkerPool pool)
    {
        var batch = new BatchContext(network, 1, pool) { Count = 1 };
        features.CopyTo(batch.Input.Row(0));
        batch.EncodeInput();
        batch.Relaxation.PrepareStaticDrive(batch.Free, 1, pool);
        batch.Free.ClearRows(0, 1);
        int layers = network.LayerCount;
        var previous = new float[layers][];
        for (int l = 1; l < layers; l++) previous[l] = new float[network.LayerSizes[l]];
        double scale = Math.Max(1e-30, batch.Free[0].Row(0).ToArray().Max(v => Math.Abs(v)));
        int sweeps = 0;
        double residual = double.PositiveInfinity;
        while (sweeps < 100_000 && residual > 1e-7 * scale)
        {
            for (int l = 1; l < layers; l++) batch.Free[l].Row(0).CopyTo(previous[l]);
            batch.Relaxation.Relax(batch.Free, null, 0f, 1, 1, pool);
            sweeps++;
            residual = 0;
            for (int l = 1; l < layers; l++)
            {
                var now = batch.Free[l].Row(0);
                for (int j = 0; j < now.Length; j++) residual = Math.Max(residual, Math.Abs(now[j] - previous[l][j]));
            }
        }
        batch.ScoreFreePhase();
        var voltages = Enumerable.Range(0, layers).Select(l => batch.Free[l].Row(0).ToArray()).ToArray();
        return new CircuitState(voltages, System.Numerics.Tensors.TensorPrimitives.IndexOfMax(batch.Scores.Row(0)), sweeps, residual);
    }

    /// <summary>The SPICE name of node <paramref name="index"/> of layer <paramref name="layer"/>: in…, h1_…, out….</summary>
    public static string NodeName(int layer, int index, int layers) =>
        layer == 0 ? $"in{index}" : layer == layers - 1 ? $"out{index}" : $"h{layer}_{index}";

    /// <summary>Writes the netlist of <paramref name="network"/> driven by the inputs of <paramref name="state"/>.</summary>
    public static void Write(TextWriter w, LayeredNetwork network, CircuitState state, string title)
    {
        var c = CultureInfo.InvariantCulture;
        int layers = network.LayerCount;
        int features = network.InputSize;
        w.WriteLine($"* {title.Replace('\n', ' ')}");
        w.WriteLine($"* OnChip deep resistive network {network.Spec.ArchiText} (input gain {ResistiveNetwork.InputGain(network).ToString(c)}); units: V, S (R = 1/g ohms), A");
        w.WriteLine($"* OnChip's free equilibrium predicts class {state.Predicted} (relaxed in {state.Sweeps} sweeps)");
        w.WriteLine(Options);
        w.WriteLine(DiodeModel);
        w.WriteLine("* inputs: every feature twice, +g*x (in0..) and -g*x (in" + features + "..)");
        var input = state.Voltages[0];
        for (int i = 0; i < input.Length; i++) w.WriteLine($"V{i} in{i} 0 DC {input[i].ToString("R", c)}");
        for (int n = 0; n + 1 < layers; n++)
        {
            var g = network.Parameter($"W{n}").Value;
            w.WriteLine($"* conductances W{n}: layer {n} to layer {n + 1}");
            var line = new StringBuilder();
            for (int j = 0; j < g.Rows; j++)
            {
                string upper = NodeName(n + 1, j, layers);
                var row = g.Row(j);
                for (int i = 0; i < row.Length; i++)
                {
                    if (!(row[i] > 0f)) continue;
                    line.Clear().Append('R').Append(n).Append('_').Append(j).Append('_').Append(i).Append(' ')
                        .Append(upper).Append(' ').Append(NodeName(n, i, layers)).Append(' ').Append((1.0 / row[i]).ToString("R", c));
                    w.WriteLine(line);
                }
            }
            var b = network.Parameter($"b{n + 1}").Value.Data;
            w.WriteLine($"* bias currents b{n + 1} into layer {n + 1} (none into a node with no conductance: OnChip holds such a node at 0)");
            for (int j = 0; j < b.Length; j++)
                if (b[j] != 0f && Connected(network, n + 1, j)) w.WriteLine($"I{n + 1}_{j} 0 {NodeName(n + 1, j, layers)} DC {b[j].ToString("R", c)}");
        }
        for (int l = 1; l < layers - 1; l++)
        {
            int size = network.LayerSizes[l];
            w.WriteLine($"* diodes of layer {l}: nodes 0..{size / 2 - 1} kept >= 0, {size / 2}..{size - 1} kept <= 0");
            for (int j = 0; j < size; j++)
            {
                string node = NodeName(l, j, layers);
                w.WriteLine(j < size / 2 ? $"D{l}_{j} 0 {node} DIDEAL" : $"D{l}_{j} {node} 0 DIDEAL");
            }
        }
        w.WriteLine(".op");
        w.WriteLine(".end");
    }

    /// <summary>Whether node <paramref name="j"/> of layer <paramref name="layer"/> has a non-zero conductance to a neighbouring layer.</summary>
    private static bool Connected(LayeredNetwork network, int layer, int j)
    {
        if (network.Parameter($"W{layer - 1}").Value.Row(j).IndexOfAnyExcept(0f) >= 0) return true;
        if (layer + 1 >= network.LayerCount) return false;
        var above = network.Parameter($"W{layer}").Value;
        for (int k = 0; k < above.Rows; k++)
            if (above[k, j] != 0f) return true;
        return false;
    }

    /// <summary>OnChip's voltage of every node (inputs included), by SPICE name.</summary>
    public static IEnumerable<(string Node, float Voltage)> Nodes(CircuitState state)
    {
        int layers = state.Voltages.Length;
        for (int l = 0; l < layers; l++)
            for (int j = 0; j < state.Voltages[l].Length; j++) yield return (NodeName(l, j, layers), state.Voltages[l][j]);
    }
}
