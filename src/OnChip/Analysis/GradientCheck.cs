using System.Globalization;
using System.Text;
using System.Text.Json.Nodes;
using OnChip.Learning;
using OnChip.Networks;
using OnChip.Persistence;
using OnChip.Randomness;

namespace OnChip.Analysis;

/// <summary>How far one tensor of an estimate is from the exact gradient.</summary>
/// <param name="RelativeError">‖ĝ − g‖ / ‖g‖.</param>
/// <param name="Cosine">ĝ·g / (‖ĝ‖‖g‖) (0 when either vanishes).</param>
/// <param name="SignAgreement">The fraction of elements with a non-zero exact gradient whose estimate has its sign.</param>
internal sealed record GradientAgreement(string Tensor, double RelativeError, double Cosine, double SignAgreement, double ExactNorm);

/// <summary>One rule at one β: every tensor's agreement, and all tensors together ("all").</summary>
internal sealed record GradientCheckRow(string Rule, float Beta, IReadOnlyList<GradientAgreement> Tensors);

/// <summary>
/// The bias of a rule's gradient estimate on one mini-batch: the estimate (the rule's phases, the weights unchanged)
/// against the exact gradient of the loss at the free equilibrium, from recurrent backpropagation run to convergence
/// (itself tested against finite differences). For each β of a list, so that the bias-versus-β curve shows each
/// estimator's order: one-sided EP's error shrinks as β, centred EP's as β².
/// </summary>
internal static class GradientCheck
{
    public const string CsvFileName = "gradcheck.csv";
    public const string JsonFileName = "gradcheck.json";

    /// <summary>The exact ∂L/∂θ at the free equilibrium: RBP with <paramref name="freeSteps"/> free and <paramref name="adjointSteps"/> adjoint steps.</summary>
    public static double[][] ExactGradient(LayeredNetwork network, BatchContext batch, int freeSteps, int adjointSteps)
    {
        new RecurrentBackpropagation(network, new PhaseSettings(0f, freeSteps, adjointSteps)).ComputeGradients(batch);
        return Gradients(network);
    }

    /// <summary>max |s^(T+1) − s^T| of one more free step from the free state the last phases left (0 at a fixed point).</summary>
    public static double FreeResidual(BatchContext batch)
    {
        batch.Nudged.CopyRowsFrom(batch.Free, 0, batch.Count);
        batch.Relaxation.Relax(batch.Nudged, null, 0f, 1, batch.Count, batch.Pool);
        double most = 0;
        for (int l = 1; l < batch.Network.LayerCount; l++)
        {
            var a = batch.Free.Layers[l].RowSpan(0, batch.Count);
            var b = batch.Nudged.Layers[l].RowSpan(0, batch.Count);
            for (int i = 0; i < a.Length; i++) most = Math.Max(most, Math.Abs(a[i] - b[i]));
        }
        return most;
    }

    /// <summary>Runs <paramref name="rule"/> with <paramref name="phases"/> at each β and compares its estimate with <paramref name="exact"/>.</summary>
    public static IReadOnlyList<GradientCheckRow> Run(LayeredNetwork network, BatchContext batch, string rule, IReadOnlyList<float> betas,
        PhaseSettings phases, double[][] exact, ulong seed)
    {
        var rows = new List<GradientCheckRow>();
        foreach (float beta in betas)
        {
            var learning = LearningRules.Create(rule, network, phases with { Beta = beta }, Rng.ForStream(seed, "rule"));
            if (!learning.EstimatesGradient) throw new Configuration.ConfigException($"rule: {rule} moves the weights during its phases, so it has no gradient estimate to check");
            learning.ComputeGradients(batch);
            rows.Add(new GradientCheckRow(rule, beta, Compare(network, Gradients(network), exact)));
        }
        return rows;
    }

    /// <summary>The agreement of every tensor, then of all parameters together ("all").</summary>
    public static IReadOnlyList<GradientAgreement> Compare(LayeredNetwork network, double[][] estimate, double[][] exact)
    {
        var result = network.Parameters.Select((p, i) => Agreement(p.Name, estimate[i], exact[i])).ToList();
        result.Add(Agreement("all", estimate.SelectMany(g => g).ToArray(), exact.SelectMany(g => g).ToArray()));
        return result;
    }

    public static GradientAgreement Agreement(string tensor, double[] estimate, double[] exact)
    {
        double diff = 0, norm = 0, estimateNorm = 0, dot = 0;
        int signed = 0, agree = 0;
        for (int i = 0; i < exact.Length; i++)
        {
            double d = estimate[i] - exact[i];
            diff += d * d;
            norm += exact[i] * exact[i];
            estimateNorm += estimate[i] * estimate[i];
            dot += estimate[i] * exact[i];
            if (exact[i] == 0) continue;
            signed++;
            if (Math.Sign(estimate[i]) == Math.Sign(exact[i])) agree++;
        }
        double relative = norm > 0 ? Math.Sqrt(diff / norm) : double.NaN;
        double cosine = norm > 0 && estimateNorm > 0 ? dot / Math.Sqrt(norm * estimateNorm) : 0;
        return new GradientAgreement(tensor, relative, cosine, signed > 0 ? (double)agree / signed : double.NaN, Math.Sqrt(norm));
    }

    /// <summary>Every parameter's Grad as doubles.</summary>
    public static double[][] Gradients(LayeredNetwork network) =>
        network.Parameters.Select(p => p.Grad.Data.AsSpan(0, p.Length).ToArray().Select(v => (double)v).ToArray()).ToArray();

    /// <summary>gradcheck.csv: rule, beta, tensor, relative_error, cosine, sign_agreement, exact_norm (one row per tensor and β).</summary>
    public static string Csv(IEnumerable<GradientCheckRow> rows)
    {
        var sb = new StringBuilder("rule,beta,tensor,relative_error,cosine,sign_agreement,exact_norm\n");
        foreach (var row in rows)
            foreach (var t in row.Tensors)
                sb.Append(row.Rule).Append(',').Append(row.Beta.ToString("R", CultureInfo.InvariantCulture)).Append(',').Append(t.Tensor).Append(',')
                  .Append(Number(t.RelativeError)).Append(',').Append(Number(t.Cosine)).Append(',').Append(Number(t.SignAgreement)).Append(',')
                  .Append(Number(t.ExactNorm)).Append('\n');
        return sb.ToString();
    }

    /// <summary>gradcheck.json: the settings, and per β the metrics of every tensor.</summary>
    public static JsonObject Json(IEnumerable<GradientCheckRow> rows, JsonObject settings)
    {
        var results = new JsonArray();
        foreach (var row in rows)
        {
            var tensors = new JsonObject();
            foreach (var t in row.Tensors)
                tensors[t.Tensor] = new JsonObject
                {
                    ["relative_error"] = Json(t.RelativeError), ["cosine"] = Json(t.Cosine), ["sign_agreement"] = Json(t.SignAgreement), ["exact_norm"] = Json(t.ExactNorm),
                };
            results.Add(new JsonObject { ["rule"] = row.Rule, ["beta"] = row.Beta, ["tensors"] = tensors });
        }
        return new JsonObject { ["settings"] = settings, ["results"] = results };
    }

    public static void Write(string directory, IReadOnlyList<GradientCheckRow> rows, JsonObject settings)
    {
        AtomicFile.WriteAllText(Path.Combine(directory, CsvFileName), Csv(rows));
        AtomicFile.WriteAllText(Path.Combine(directory, JsonFileName), Json(rows, settings).ToJsonString(new() { WriteIndented = true }) + "\n");
    }

    private static string Number(double v) => double.IsNaN(v) ? "" : v.ToString("G9", CultureInfo.InvariantCulture);

    private static JsonNode? Json(double v) => double.IsNaN(v) ? null : JsonValue.Create(Math.Round(v, 9));
}
