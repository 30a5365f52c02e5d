using OnChip.Learning;
using OnChip.Networks;
using OnChip.Tensors;

namespace OnChip.Analysis;

/// <summary>How the two trajectories of one tensor compare: normalised RMSE and the fraction of wrong signs.</summary>
internal sealed record GduMetric(double Rmse, double SignError);

/// <summary>
/// The per-step updates of one tensor (a parameter W_n/b_n, or a layer of neurons s_n) along the K steps:
/// EP's updates ΔEP(t) and −BPTT's gradient contributions, flattened, one array per step t = 0 … K−1.
/// </summary>
internal sealed class GduTensor(string name, bool isState, float[][] ep, float[][] bptt, float[][]? epSymmetric)
{
    public string Name { get; } = name;
    public bool IsState { get; } = isState;
    public float[][] Ep { get; } = ep;
    /// <summary>Minus the BPTT contribution of the matching step, so that it should coincide with <see cref="Ep"/>.</summary>
    public float[][] Bptt { get; } = bptt;
    public float[][]? EpSymmetric { get; } = epSymmetric;
    public GduMetric OneSided => GduCheck.Compare(Ep, Bptt);
    public GduMetric? Symmetric => EpSymmetric is null ? null : GduCheck.Compare(EpSymmetric, Bptt);
}

internal sealed record GduSettings(float Beta, int FreeSteps, int NudgedSteps, bool Symmetric);

/// <summary>
/// The check's tensors, and how far the free phase was from a fixed point: max |s^T − s^{T−1}| over neurons. The
/// theorem assumes a converged free phase; if it is not, the one-sided updates carry the residual drift divided by
/// β (which the symmetric scheme cancels).
/// </summary>
internal sealed record GduResult(IReadOnlyList<GduTensor> Tensors, double FreeResidual);

/// <summary>
/// The gradient-descending-updates check of Ernoult et al. 2019 on one mini-batch. After a free phase of T1 steps:
/// BPTT through its last K = T2 steps gives, for each step, the contribution to ∂L/∂θ and the adjoint ∂L/∂u of the
/// neurons' input; EP's nudged phase, run step by step from s^T, gives ΔEP_θ(t) = (1/β)(∂Φ^β/∂θ(s_{t+1}) − ∂Φ^β/∂θ(s_t))
/// and ΔEP_s(t) = (1/β)(s_{t+1} − s_t). The theorem: ΔEP(t) = −∇BPTT(T − t) as β → 0.
/// <para>
/// States are compared with ∂L/∂u (the gradient with respect to the neuron's input, u with s = σ(u)) rather than
/// ∂L/∂s: with σ applied outside ∂Φ/∂s, linearising the nudged dynamics gives exactly ΔEP_s(t) = −σ'(u)⊙∂L/∂s^{T−t}
/// = −∂L/∂u^{T−t−1}; the two coincide wherever σ' = 1 (e.g. the hard sigmoid's linear range). At t = 0 the EP
/// increment is taken against Φ^0 at s* (as in training), so the readout's loss gradient falls on the first step.
/// </para>
/// </summary>
internal static class GduCheck
{
    public static GduResult Run(LayeredNetwork network, BatchContext batch, GduSettings settings)
    {
        int k = settings.NudgedSteps, c = batch.Count;
        if (k > settings.FreeSteps) throw new ArgumentException($"t2 ({k}) must not exceed t1 ({settings.FreeSteps}): BPTT runs through the last t2 free steps");
        var bptt = new BackpropagationThroughTime(network, k);
        bptt.Forward(batch, settings.FreeSteps);
        bptt.Backward(batch);
        double residual = 0;
        for (int l = 1; l < network.LayerCount; l++)
        {
            var last = bptt.States[l].RowSpan(0, c);
            var before = bptt.States[l].RowSpan(c, c);
            for (int i = 0; i < last.Length; i++) residual = Math.Max(residual, Math.Abs(last[i] - before[i]));
        }

        var parameters = network.Parameters;
        var bpttParams = parameters.Select(p => new float[k][]).ToArray();
        for (int j = 1; j <= k; j++)
        {
            bptt.ComputeStepGradient(batch, j);
            for (int p = 0; p < parameters.Count; p++) bpttParams[p][j - 1] = Negated(parameters[p].Grad.Data);
        }
        var stateLayers = Enumerable.Range(1, network.LayerCount - 1).ToArray();
        // The loss is the batch mean; a neuron's update belongs to one example, so its gradient is scaled back by c.
        var bpttStates = stateLayers.Select(l => Enumerable.Range(1, k)
            .Select(j => Negated(bptt.DriveGradients[l]!.RowSpan(j * c, c).ToArray(), c)).ToArray()).ToArray();

        var (epParams, epStates) = NudgedUpdates(network, batch, settings.Beta, k);
        (float[][][] Params, float[][][] States)? symmetric = null;
        if (settings.Symmetric)
        {
            var (negParams, negStates) = NudgedUpdates(network, batch, -settings.Beta, k);
            symmetric = (Average(epParams, negParams), Average(epStates, negStates));
        }

        var result = new List<GduTensor>();
        for (int p = 0; p < parameters.Count; p++)
            result.Add(new GduTensor(parameters[p].Name, false, epParams[p], bpttParams[p], symmetric?.Params[p]));
        for (int i = 0; i < stateLayers.Length; i++)
            result.Add(new GduTensor($"s{stateLayers[i]}", true, epStates[i], bpttStates[i], symmetric?.States[i]));
        return new GduResult(result, residual);
    }

    /// <summary>One-sided EP updates, step by step, for nudging <paramref name="beta"/> (either sign) from s^T.</summary>
    private static (float[][][] Params, float[][][] States) NudgedUpdates(LayeredNetwork network, BatchContext batch, float beta, int k)
    {
        int c = batch.Count;
        var parameters = network.Parameters;
        var current = batch.Nudged;
        var previous = batch.Opposite;
        current.CopyRowsFrom(batch.Free, 0, c);
        var paramUpdates = parameters.Select(_ => new float[k][]).ToArray();
        var stateUpdates = Enumerable.Range(1, network.LayerCount - 1).Select(_ => new float[k][]).ToArray();
        for (int t = 0; t < k; t++)
        {
            previous.CopyRowsFrom(current, 0, c);
            batch.Relaxation.Relax(current, batch.Targets, beta, 1, c, batch.Pool);
            EnergyGradient.Compute(batch, current, beta, previous, t == 0 ? 0f : beta, beta);
            for (int p = 0; p < parameters.Count; p++) paramUpdates[p][t] = Negated(parameters[p].Grad.Data);
            for (int l = 1; l < network.LayerCount; l++)
            {
                var now = current.Layers[l].RowSpan(0, c);
                var before = previous.Layers[l].RowSpan(0, c);
                var update = new float[now.Length];
                for (int i = 0; i < update.Length; i++) update[i] = (now[i] - before[i]) / beta;
                stateUpdates[l - 1][t] = update;
            }
        }
        return (paramUpdates, stateUpdates);
    }

    private static float[] Negated(ReadOnlySpan<float> values, float scale = 1f)
    {
        var result = new float[values.Length];
        for (int i = 0; i < result.Length; i++) result[i] = -scale * values[i];
        return result;
    }

    private static float[][][] Average(float[][][] a, float[][][] b) =>
        a.Select((tensor, i) => tensor.Select((step, t) => step.Select((v, e) => 0.5f * (v + b[i][t][e])).ToArray()).ToArray()).ToArray();

    /// <summary>
    /// For each element e with trajectories f_e(t) (EP) and g_e(t) (−BPTT) over t = 0 … K−1:
    /// RMSE_e = √(mean_t (f−g)²) / max(√(mean_t f²), √(mean_t g²)), averaged over the elements where the
    /// denominator is not zero; sign error = fraction of those elements whose totals Σ_t f and Σ_t g have opposite signs.
    /// </summary>
    public static GduMetric Compare(float[][] ep, float[][] bptt)
    {
        int steps = ep.Length, elements = ep[0].Length;
        double rmseSum = 0;
        int counted = 0, wrongSigns = 0;
        for (int e = 0; e < elements; e++)
        {
            double diff = 0, f2 = 0, g2 = 0, fTotal = 0, gTotal = 0;
            for (int t = 0; t < steps; t++)
            {
                double f = ep[t][e], g = bptt[t][e];
                diff += (f - g) * (f - g);
                f2 += f * f;
                g2 += g * g;
                fTotal += f;
                gTotal += g;
            }
            double denominator = Math.Sqrt(Math.Max(f2, g2) / steps);
            if (denominator == 0) continue;
            rmseSum += Math.Sqrt(diff / steps) / denominator;
            counted++;
            if (fTotal * gTotal < 0) wrongSigns++;
        }
        return counted == 0 ? new GduMetric(0, 0) : new GduMetric(rmseSum / counted, (double)wrongSigns / counted);
    }
}
