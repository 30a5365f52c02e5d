using System.Globalization;
using System.Text;
using System.Text.Json.Nodes;
using OnChip.Persistence;

namespace OnChip.Analysis;

/// <summary>Writes the GDU check's files: gdu.csv (cumulative curves) and gdu.json (metrics per tensor).</summary>
internal static class GduReport
{
    public const string CsvFileName = "gdu.csv";
    public const string JsonFileName = "gdu.json";
    private const int SampledElements = 3;

    /// <summary>
    /// One row per tensor, series and step t = 1 … K with the cumulative sums Σ_{τ&lt;t} of EP's updates and of −BPTT's
    /// gradients (and of the symmetric EP updates when checked). Series: "norm" (Euclidean norm of the cumulative
    /// tensor) and a few elements (those with the largest total BPTT gradient), named by index.
    /// </summary>
    public static string Csv(IReadOnlyList<GduTensor> tensors, IReadOnlyDictionary<string, int[]> shapes)
    {
        bool symmetric = tensors.Any(t => t.EpSymmetric is not null);
        var sb = new StringBuilder(symmetric ? "tensor,series,step,ep,bptt,ep_symmetric\n" : "tensor,series,step,ep,bptt\n");
        foreach (var t in tensors)
        {
            int steps = t.Ep.Length, elements = t.Ep[0].Length;
            var ep = Cumulative(t.Ep);
            var bptt = Cumulative(t.Bptt);
            var sym = t.EpSymmetric is null ? null : Cumulative(t.EpSymmetric);
            var picks = Enumerable.Range(0, elements).OrderByDescending(e => Math.Abs(bptt[steps - 1][e])).Take(SampledElements).ToArray();
            for (int s = 0; s < steps; s++)
                Row(sb, t.Name, "norm", s + 1, Norm(ep[s]), Norm(bptt[s]), sym is null ? null : Norm(sym[s]));
            foreach (int e in picks)
                for (int s = 0; s < steps; s++)
                    Row(sb, t.Name, $"element[{Index(e, shapes[t.Name])}]", s + 1, ep[s][e], bptt[s][e], sym?[s][e]);
        }
        return sb.ToString();
    }

    /// <summary>{"W0": {"rmse": …, "sign_error": …, "symmetric": {"rmse": …, "sign_error": …}}, …}</summary>
    public static JsonObject Json(IReadOnlyList<GduTensor> tensors)
    {
        var root = new JsonObject();
        foreach (var t in tensors)
        {
            var entry = Metric(t.OneSided);
            if (t.Symmetric is { } s) entry["symmetric"] = Metric(s);
            root[t.Name] = entry;
        }
        return root;
    }

    public static void Write(string directory, IReadOnlyList<GduTensor> tensors, IReadOnlyDictionary<string, int[]> shapes)
    {
        AtomicFile.WriteAllText(Path.Combine(directory, CsvFileName), Csv(tensors, shapes));
        AtomicFile.WriteAllText(Path.Combine(directory, JsonFileName), Json(tensors).ToJsonString(new() { WriteIndented = true }) + "\n");
    }

    private static JsonObject Metric(GduMetric m) => new() { ["rmse"] = Math.Round(m.Rmse, 8), ["sign_error"] = Math.Round(m.SignError, 8) };

    private static double[][] Cumulative(float[][] steps)
    {
        var result = new double[steps.Length][];
        for (int s = 0; s < steps.Length; s++)
        {
            result[s] = new double[steps[s].Length];
            for (int e = 0; e < steps[s].Length; e++) result[s][e] = (s > 0 ? result[s - 1][e] : 0) + steps[s][e];
        }
        return result;
    }

    private static double Norm(double[] v) => Math.Sqrt(v.Sum(x => x * x));

    private static string Index(int flat, int[] shape) => shape.Length == 2 ? $"{flat / shape[1]};{flat % shape[1]}" : flat.ToString(CultureInfo.InvariantCulture);

    private static void Row(StringBuilder sb, string tensor, string series, int step, double ep, double bptt, double? sym)
    {
        sb.Append(tensor).Append(',').Append(series).Append(',').Append(step).Append(',')
          .Append(ep.ToString("G9", CultureInfo.InvariantCulture)).Append(',').Append(bptt.ToString("G9", CultureInfo.InvariantCulture));
        if (sym is { } v) sb.Append(',').Append(v.ToString("G9", CultureInfo.InvariantCulture));
        sb.Append('\n');
    }
}
