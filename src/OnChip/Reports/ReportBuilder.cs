using System.Globalization;
using System.Text.Json.Nodes;
using OnChip.Persistence;

namespace OnChip.Reports;

/// <summary>What a report holds, for the command's summary line and for tests.</summary>
internal sealed record ReportSummary(IReadOnlyList<string> Runs, int Charts, int Images, long Bytes);

/// <summary>
/// Builds the HTML report of one or more run directories: a summary table (final metrics and settings), learning
/// curves of all runs overlaid, every other numeric per-epoch metric, and per run whatever else it holds (GDU
/// check, device response, conductance histograms, RBM filters).
/// </summary>
internal static class ReportBuilder
{
    /// <summary>metrics.jsonl keys with a fixed place in the report; any other numeric key gets its own chart.</summary>
    public static readonly IReadOnlySet<string> KnownMetrics = new HashSet<string>
    {
        "epoch", "train_acc", "test_acc", "train_loss", "test_loss", "epoch_seconds", "eval_seconds", "examples_per_second", "lr",
    };

    private static readonly CultureInfo Inv = CultureInfo.InvariantCulture;

    public static IReadOnlyList<ReportRun> ReadRuns(IReadOnlyList<string> directories, Action<string> warn)
    {
        if (directories.Count == 0) throw new UserFacingException("give at least one run directory");
        var runs = directories.Select(d => RunReader.Read(d, warn)).ToList();
        // Runs are named by their directory; equal names (a/run, b/run) get their parent's name too, then a number.
        foreach (var group in runs.GroupBy(r => r.Name).Where(g => g.Count() > 1))
            foreach (var run in group)
            {
                string parent = Path.GetFileName(Path.GetDirectoryName(Path.TrimEndingDirectorySeparator(Path.GetFullPath(run.Path))) ?? "");
                run.Name = parent.Length > 0 ? $"{parent}/{run.Name}" : run.Name;
            }
        var seen = new Dictionary<string, int>();
        foreach (var run in runs)
        {
            int n = seen[run.Name] = seen.GetValueOrDefault(run.Name) + 1;
            if (n > 1) run.Name = $"{run.Name} ({n})";
        }
        return runs;
    }

    /// <summary>Reads the runs and writes the report to <paramref name="outputPath"/> atomically.</summary>
    public static ReportSummary Write(string outputPath, IReadOnlyList<string> directories, Action<string> warn, string title = "OnChip report")
    {
        var runs = ReadRuns(directories, warn);
        var (html, summary) = Render(runs, title, DateTime.UtcNow);
        string? parent = Path.GetDirectoryName(Path.GetFullPath(outputPath));
        if (parent is not null && !Directory.Exists(parent)) throw new UserFacingException($"{outputPath}: the directory {parent} does not exist");
        AtomicFile.WriteAllText(outputPath, html);
        return summary with { Bytes = new FileInfo(outputPath).Length };
    }

    public static (string Html, ReportSummary Summary) Render(IReadOnlyList<ReportRun> runs, string title, DateTime generatedUtc)
    {
        var scripts = WebAssets.Scripts; // fails early, with its one-line message, in a build without the bundles
        var page = new ReportHtml();
        Summary(page, runs);
        LearningCurves(page, runs);
        GradientBias(page, runs);
        foreach (var run in runs) RunDetails(page, run);

        string subtitle = $"{runs.Count} run{(runs.Count == 1 ? "" : "s")}: {string.Join(", ", runs.Select(r => r.Name))} · generated {generatedUtc:yyyy-MM-dd HH:mm} UTC";
        string footer = $"Made by onchip report from {string.Join(", ", runs.Select(r => r.Path))}. Charts: Vega-Lite ({WebAssets.Versions}), inlined; the file works offline. " +
                        "Drag a chart to pan, scroll to zoom, double-click to reset, click a legend entry to highlight it (shift-click for several).";
        string html = page.Render(title, subtitle, footer, scripts);
        return (html, new ReportSummary(runs.Select(r => r.Name).ToArray(), page.ChartCount, page.ImageCount, html.Length));
    }

    // ---- summary tables ----------------------------------------------------------------------------------------

    private static void Summary(ReportHtml page, IReadOnlyList<ReportRun> runs)
    {
        page.Raw("<section id=\"summary\">").Heading(2, "Runs");
        var withEpochs = runs.Where(r => r.Epochs.Count > 0).ToArray();
        if (withEpochs.Length > 0)
        {
            bool Has(string key) => withEpochs.Any(r => r.Epochs.Any(e => e[key] is not null));
            var extras = ExtraKeys(runs);
            var columns = new List<(string Title, Func<ReportRun, string> Cell)>
            {
                ("epochs", r => r.Epochs.Count.ToString(Inv)),
            };
            if (Has("test_acc"))
            {
                columns.Add(("final test acc", r => Percent(Last(r, "test_acc"))));
                columns.Add(("best test acc (epoch)", r => r.Epochs.Where(e => e["test_acc"] is not null).MaxBy(e => e["test_acc"]) is { } best
                    ? $"{Percent(best["test_acc"])} ({best.Epoch})" : "—"));
            }
            if (Has("train_acc")) columns.Add(("final train acc", r => Percent(Last(r, "train_acc"))));
            if (Has("train_loss")) columns.Add(("final train loss", r => Number(Last(r, "train_loss"))));
            if (Has("test_loss")) columns.Add(("final test loss", r => Number(Last(r, "test_loss"))));
            if (Has("epoch_seconds"))
            {
                columns.Add(("s / epoch (mean)", r => Seconds(Mean(r, "epoch_seconds"))));
                columns.Add(("training s (total)", r => Seconds(r.Epochs.Any(e => e["epoch_seconds"] is not null) ? r.Epochs.Sum(e => e["epoch_seconds"] ?? 0) : null)));
            }
            foreach (var key in extras) columns.Add(($"final {key}", r => Number(Last(r, key))));
            page.Heading(3, "Final metrics")
                .Table(["run", .. columns.Select(c => c.Title)],
                    withEpochs.Select(r => ((IReadOnlyList<string>)[r.Name, .. columns.Select(c => c.Cell(r))], false)));
        }

        var described = runs.Where(r => r.Model is not null).ToArray();
        if (described.Length > 0)
            page.Heading(3, "Model (model.onchip)").Table(["run", "model"], described.Select(r => ((IReadOnlyList<string>)[r.Name, r.Model!], false)));

        var configured = runs.Where(r => r.Config.Count > 0).ToArray();
        if (configured.Length > 0)
        {
            var keys = configured.SelectMany(r => r.Config.Select(c => c.Key)).Distinct().Where(k => k != "out").ToArray();
            string Value(ReportRun r, string key) => r.Config.FirstOrDefault(c => c.Key == key).Value ?? "—";
            page.Heading(3, "Settings (config.yaml)");
            if (configured.Length > 1) page.Paragraph("Highlighted rows differ between runs.", "note");
            page.Table(["setting", .. configured.Select(r => r.Name)],
                keys.Select(k => ((IReadOnlyList<string>)[k, .. configured.Select(r => Value(r, k))],
                    configured.Length > 1 && configured.Select(r => Value(r, k)).Distinct().Count() > 1)), "settings");
        }
        page.Raw("</section>");
    }

    // ---- per-epoch charts --------------------------------------------------------------------------------------

    private static void LearningCurves(ReportHtml page, IReadOnlyList<ReportRun> runs)
    {
        if (runs.All(r => r.Epochs.Count == 0)) return;
        page.Raw("<section id=\"curves\">").Heading(2, "Learning curves").Raw("<div class=\"grid\">");
        EpochChart(page, runs, "Accuracy", "accuracy", [("train_acc", "train"), ("test_acc", "test")], ".1%");
        EpochChart(page, runs, "Loss (mean per example)", "loss", [("train_loss", "train"), ("test_loss", "test")], ".4~g");
        EpochChart(page, runs, "Training time per epoch", "seconds", [("epoch_seconds", "training")], ".3~g", dash: false);
        bool lrVaries = runs.Any(r => r.Epochs.Select(e => e["lr"]).Where(v => v is not null).Distinct().Count() > 1);
        if (lrVaries) EpochChart(page, runs, "Learning rate (first layer)", "learning rate", [("lr", "lr")], ".3~g", dash: false);
        page.Raw("</div>");
        var extras = ExtraKeys(runs);
        if (extras.Count > 0)
        {
            page.Heading(3, "Other per-epoch metrics").Raw("<div class=\"grid\">");
            foreach (var key in extras) EpochChart(page, runs, key, key, [(key, key)], ".4~g", dash: false);
            page.Raw("</div>");
        }
        page.Raw("</section>");
    }

    /// <summary>Numeric metrics.jsonl keys beyond the known ones, in order of first appearance.</summary>
    public static IReadOnlyList<string> ExtraKeys(IReadOnlyList<ReportRun> runs) =>
        runs.SelectMany(r => r.MetricKeys).Where(k => !KnownMetrics.Contains(k)).Distinct().ToArray();

    private static void EpochChart(ReportHtml page, IReadOnlyList<ReportRun> runs, string title, string yTitle,
        (string Key, string Series)[] series, string format, bool dash = true)
    {
        var rows = new JsonArray();
        foreach (var run in runs)
            foreach (var epoch in run.Epochs)
                foreach (var (key, name) in series)
                    if (epoch[key] is double v)
                        rows.Add(new JsonObject { ["run"] = run.Name, ["epoch"] = epoch.Epoch, ["series"] = name, ["value"] = v });
        if (rows.Count > 0) page.Chart(ChartSpecs.EpochLines(title, yTitle, rows, format, dash && series.Length > 1));
    }

    // ---- gradient checks ---------------------------------------------------------------------------------------

    /// <summary>Every run's gradcheck.csv in one log–log chart of the bias against β (all parameters together), then per run the table.</summary>
    private static void GradientBias(ReportHtml page, IReadOnlyList<ReportRun> runs)
    {
        var checkedRuns = runs.Where(r => r.Gradcheck.Count > 0).ToArray();
        if (checkedRuns.Length == 0) return;
        var rows = new JsonArray();
        foreach (var run in checkedRuns)
            foreach (var p in run.Gradcheck.Where(p => p.Tensor == "all" && p.RelativeError > 0))
                rows.Add(new JsonObject { ["curve"] = $"{run.Name} / {p.Rule}", ["beta"] = p.Beta, ["error"] = p.RelativeError, ["cosine"] = p.Cosine });
        page.Raw("<section id=\"gradient-bias\">").Heading(2, "Gradient bias against β (gradcheck)");
        page.Paragraph("Relative error ‖ĝ − g‖/‖g‖ of each rule's estimate against the exact gradient at the free equilibrium, all parameters together, " +
                       "on log–log axes: a slope of 1 is a bias of first order in β, 2 of second order.", "note");
        if (rows.Count > 0) page.Chart(ChartSpecs.BiasCurves("relative error of the gradient estimate against |β|", rows));
        foreach (var run in checkedRuns)
        {
            page.Heading(3, $"{run.Name}: gradcheck.csv");
            page.Table(["rule", "β", "tensor", "relative error", "cosine", "sign agreement"], run.Gradcheck.Select(p =>
                ((IReadOnlyList<string>)[p.Rule, p.Beta.ToString("G4", Inv), p.Tensor, Number(p.RelativeError), Number(p.Cosine), Percent(p.SignAgreement)], p.Tensor == "all")));
        }
        page.Raw("</section>");
    }

    // ---- per-run files -----------------------------------------------------------------------------------------

    private static void RunDetails(ReportHtml page, ReportRun run)
    {
        bool any = run.Gdu.Count > 0 || run.GduMetrics is not null || run.DeviceResponse.Count > 0 || run.Conductances.Count > 0 || run.Filters is not null;
        if (!any) return;
        page.Raw("<section class=\"run\">").Heading(2, run.Name);
        if (run.Gdu.Count > 0 || run.GduMetrics is not null) Gdu(page, run);
        if (run.DeviceResponse.Count > 0)
        {
            var rows = new JsonArray(run.DeviceResponse.Select(p => (JsonNode)new JsonObject { ["device"] = p.Device, ["pulse"] = p.Pulse, ["conductance"] = p.Conductance }).ToArray());
            int devices = run.DeviceResponse.Select(p => p.Device).Distinct().Count();
            page.Heading(3, "Device response (device_response.csv)")
                .Chart(ChartSpecs.DeviceResponse($"{run.Name}: conductance vs pulse ({devices} device{(devices == 1 ? "" : "s")})", rows, devices));
        }
        if (run.Conductances.Count > 0)
        {
            var rows = new JsonArray();
            foreach (var h in run.Conductances)
                for (int i = 0; i < h.Counts.Length; i++)
                    rows.Add(new JsonObject { ["tensor"] = h.Tensor, ["start"] = h.Edges[i], ["end"] = h.Edges[i + 1], ["count"] = h.Counts[i] });
            page.Heading(3, "Conductances (conductances.csv)")
                .Table(["tensor", "values", "min", "max"], run.Conductances.Select(h => ((IReadOnlyList<string>)[h.Tensor, h.Count.ToString(Inv), Number(h.Min), Number(h.Max)], false)))
                .Chart(ChartSpecs.HistogramFacets($"{run.Name}: conductance histograms", rows, run.Conductances.Select(h => h.Tensor).ToArray()));
        }
        if (run.Filters is { } filters) Filters(page, run, filters);
        page.Raw("</section>");
    }

    private static void Gdu(ReportHtml page, ReportRun run)
    {
        page.Heading(3, "GDU check: EP updates against −BPTT gradients");
        if (run.GduSettings is { } settings)
        {
            var pairs = settings.Where(p => p.Value is JsonValue).ToArray();
            page.Table([.. pairs.Select(p => p.Key)], [((IReadOnlyList<string>)[.. pairs.Select(p => JsonText(p.Value))], false)], "settings-row");
        }
        if (run.GduMetrics is { } metrics)
        {
            bool symmetric = metrics.Any(p => p.Value?["symmetric"] is JsonObject);
            string[] header = symmetric ? ["tensor", "RMSE", "sign error", "RMSE (symmetric)", "sign error (symmetric)"] : ["tensor", "RMSE", "sign error"];
            page.Table(header, metrics.Select(p =>
            {
                var cells = new List<string> { p.Key, Number(Double(p.Value?["rmse"])), Percent(Double(p.Value?["sign_error"])) };
                if (symmetric) cells.AddRange([Number(Double(p.Value?["symmetric"]?["rmse"])), Percent(Double(p.Value?["symmetric"]?["sign_error"]))]);
                return ((IReadOnlyList<string>)cells, false);
            }));
        }
        if (run.Gdu.Count > 0)
        {
            bool symmetric = run.Gdu.Any(p => p.EpSymmetric is not null);
            string[] methods = symmetric ? ["EP", "−BPTT", "EP symmetric"] : ["EP", "−BPTT"];
            var rows = new JsonArray();
            foreach (var p in run.Gdu)
            {
                rows.Add(new JsonObject { ["tensor"] = p.Tensor, ["step"] = p.Step, ["method"] = methods[0], ["value"] = p.Ep });
                rows.Add(new JsonObject { ["tensor"] = p.Tensor, ["step"] = p.Step, ["method"] = methods[1], ["value"] = p.Bptt });
                if (p.EpSymmetric is double s) rows.Add(new JsonObject { ["tensor"] = p.Tensor, ["step"] = p.Step, ["method"] = methods[2], ["value"] = s });
            }
            page.Paragraph("Norm of the cumulative update Σ over steps 1…t, per tensor (gdu.csv, series norm). The GDU property holds when the curves coincide.", "note")
                .Chart(ChartSpecs.GduFacets($"{run.Name}: cumulative EP update vs −BPTT gradient", rows, run.Gdu.Select(p => p.Tensor).Distinct().ToArray(), methods));
        }
    }

    private static void Filters(ReportHtml page, ReportRun run, FilterSet filters)
    {
        page.Heading(3, $"Filters ({Path.GetFileName(filters.Source)}, {filters.Width}×{filters.Height})");
        page.Paragraph(filters.Total > filters.Filters.Count
            ? $"The first {filters.Filters.Count} of {filters.Total} filters, each scaled from its minimum (black) to its maximum (white)."
            : $"{filters.Total} filters, each scaled from its minimum (black) to its maximum (white).", "note");
        page.Raw("<div class=\"filters\">");
        int scale = Math.Max(1, 56 / Math.Max(filters.Width, filters.Height));
        for (int i = 0; i < filters.Filters.Count; i++)
            page.Image(PngEncoder.GrayscaleDataUri(filters.Width, filters.Height, ToPixels(filters.Filters[i])),
                filters.Width * scale, filters.Height * scale, $"filter {i}");
        page.Raw("</div>");
    }

    /// <summary>Maps a filter's values linearly from [min, max] to [0, 255] (a constant filter is mid-gray).</summary>
    public static byte[] ToPixels(float[] values)
    {
        float min = float.PositiveInfinity, max = float.NegativeInfinity;
        foreach (float v in values)
            if (float.IsFinite(v)) { min = Math.Min(min, v); max = Math.Max(max, v); }
        var pixels = new byte[values.Length];
        for (int i = 0; i < values.Length; i++)
            pixels[i] = !float.IsFinite(values[i]) || !(max > min) ? (byte)128 : (byte)Math.Round(255.0 * (values[i] - min) / (max - min));
        return pixels;
    }

    // ---- formatting --------------------------------------------------------------------------------------------

    private static double? Last(ReportRun run, string key) => run.Epochs.LastOrDefault(e => e[key] is not null)?[key];

    private static double? Mean(ReportRun run, string key)
    {
        var values = run.Epochs.Select(e => e[key]).OfType<double>().ToArray();
        return values.Length == 0 ? null : values.Average();
    }

    private static double? Double(JsonNode? node) => node is JsonValue v && v.TryGetValue(out double d) ? d : null;

    private static string JsonText(JsonNode? node) => node switch
    {
        null => "—",
        JsonValue v when v.TryGetValue(out string? s) => s,
        JsonValue v when v.TryGetValue(out double d) => Number(d),
        _ => node.ToJsonString(),
    };

    private static string Percent(double? v) => v is double d ? (100 * d).ToString("F2", Inv) + "%" : "—";
    private static string Seconds(double? v) => v is double d ? d.ToString("F2", Inv) : "—";
    private static string Number(double? v) => v is double d ? d.ToString("G4", Inv) : "—";
}
