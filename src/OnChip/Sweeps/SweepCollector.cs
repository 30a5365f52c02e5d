using System.Globalization;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using OnChip.Persistence;
using OnChip.Reports;
using OnChip.Training;

namespace OnChip.Sweeps;

/// <summary>One run's final metrics, as collected.</summary>
internal sealed record RunSummary(RunState State, IReadOnlyList<EpochRow> Epochs)
{
    /// <summary>The value at the last recorded epoch (null when absent).</summary>
    public double? Final(string key) => Epochs.Count == 0 ? null : Epochs.MaxBy(e => e.Epoch)![key];

    public double? BestTestAccuracy => Epochs.Select(e => e["test_acc"]).OfType<double>().DefaultIfEmpty(double.NaN).Max() is double v && !double.IsNaN(v) ? v : null;

    /// <summary>The value of a summary column: "best_test_acc" or a metrics.jsonl key at the last epoch.</summary>
    public double? Metric(string column) => column == SweepCollector.BestTestAcc ? BestTestAccuracy : Final(column);
}

/// <summary>What <see cref="SweepCollector.Collect"/> wrote.</summary>
internal sealed record CollectResult(
    string SummaryPath, string ByConfigPath, string? ReportPath, string? RunsReportPath,
    IReadOnlyList<RunSummary> Runs, IReadOnlyList<string> MetricColumns)
{
    public int Count(RunStatus status) => Runs.Count(r => r.State.Status == status);
}

/// <summary>
/// <c>onchip sweep collect DIR</c>: the final metrics of every run of a sweep in DIR/summary.csv, their mean and
/// standard deviation over seeds per configuration in DIR/summary_by_config.csv, and an HTML report comparing the
/// configurations (DIR/report.html). A run with missing, partial or unreadable metrics is reported as a warning and
/// by its status column; it never stops the collection.
/// </summary>
internal static class SweepCollector
{
    public const string SummaryFile = "summary.csv";
    public const string ByConfigFile = "summary_by_config.csv";
    public const string ReportFile = "report.html";
    public const string RunsReportFile = "runs-report.html";
    public const string BestTestAcc = "best_test_acc";

    /// <summary>The metrics every run has, first in the summaries.</summary>
    public static readonly IReadOnlyList<string> MainMetrics = ["train_acc", "test_acc", "train_loss", "test_loss"];

    /// <summary>Timing and schedule columns: in the CSV files, left out of the report's comparisons.</summary>
    private static readonly HashSet<string> Housekeeping = ["epoch_seconds", "eval_seconds", "examples_per_second", "lr"];

    private static readonly CultureInfo Inv = CultureInfo.InvariantCulture;

    /// <summary>A metric at the last line of a run's metrics.jsonl, read quietly (null when unavailable).</summary>
    public static double? FinalMetric(string runDirectory, string key)
    {
        try
        {
            string path = Path.Combine(runDirectory, RunDirectory.MetricsFileName);
            if (!File.Exists(path)) return null;
            string? last = File.ReadLines(path).LastOrDefault(l => !string.IsNullOrWhiteSpace(l));
            if (last is null) return null;
            using var doc = JsonDocument.Parse(last);
            return doc.RootElement.TryGetProperty(key, out var v) && v.ValueKind == JsonValueKind.Number ? v.GetDouble() : null;
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or JsonException) { return null; }
    }

    public static IReadOnlyList<RunSummary> Read(SweepDirectory sweep, Action<string> warn)
    {
        var summaries = new List<RunSummary>();
        foreach (var run in sweep.Plan.Runs)
        {
            var state = sweep.State(run);
            string display = sweep.DisplayPath(run);
            string metrics = Path.Combine(state.Path, RunDirectory.MetricsFileName);
            IReadOnlyList<EpochRow> rows = [];
            if (File.Exists(metrics))
            {
                // Unreadable lines are reported by the reader and left out.
                rows = RunReader.ReadMetrics(metrics, w => warn($"run {run.Id}: {w}")).Rows
                    .GroupBy(r => r.Epoch).Select(g => g.Last()).Where(r => r.Epoch >= 1 && r.Epoch <= state.EpochsDone).OrderBy(r => r.Epoch).ToArray();
            }
            switch (state.Status)
            {
                case RunStatus.Partial:
                    warn($"run {run.Id} ({display}): partial, {state.EpochsDone} of {run.Epochs} epoch(s); run the sweep again to resume it");
                    break;
                case RunStatus.Failed:
                    string? why = SweepDirectory.LastError(state.Path);
                    warn($"run {run.Id} ({display}): failed (exit code {state.ExitCode}){(why is null ? "" : $": {why}")}; " +
                         $"{state.EpochsDone} of {run.Epochs} epoch(s) recorded; see {Path.Combine(display, SweepDirectory.StderrFile)}");
                    break;
                case RunStatus.Missing:
                    warn($"run {run.Id} ({display}): missing, " + (!Directory.Exists(state.Path) ? "no run directory"
                        : !File.Exists(metrics) ? "no metrics.jsonl (not run yet?)" : "no complete epoch in metrics.jsonl"));
                    break;
            }
            summaries.Add(new RunSummary(state, rows));
        }
        return summaries;
    }

    /// <summary>summary.csv's metric columns: the main four, best_test_acc, then every other numeric key in order of first appearance.</summary>
    public static IReadOnlyList<string> MetricColumns(IReadOnlyList<RunSummary> runs)
    {
        var extra = runs.SelectMany(r => r.Epochs.SelectMany(e => e.Values.Keys)).Distinct()
            .Where(k => k != "epoch" && !MainMetrics.Contains(k)).ToArray();
        return [.. MainMetrics, BestTestAcc, .. extra];
    }

    /// <summary>
    /// A metric's CSV header: its name, or <c>final_NAME</c> when a swept key has the same name (<c>lr</c> is both a
    /// setting and the learning rate logged at each epoch).
    /// </summary>
    public static string Header(string column, IReadOnlyList<string> swept) => swept.Contains(column) ? "final_" + column : column;

    public static CollectResult Collect(string directory, Action<string> warn, bool report = true, bool runsReport = false)
    {
        var sweep = SweepDirectory.Open(directory);
        var runs = Read(sweep, warn);
        var columns = MetricColumns(runs);
        var swept = sweep.Plan.SweptKeys;

        string summary = Path.Combine(sweep.FullPath, SummaryFile);
        AtomicFile.WriteAllText(summary, SummaryCsv(runs, swept, columns));
        string byConfig = Path.Combine(sweep.FullPath, ByConfigFile);
        AtomicFile.WriteAllText(byConfig, ByConfigCsv(runs, swept, columns));

        string? reportPath = null, runsReportPath = null;
        if (report)
        {
            if (!WebAssets.Available)
            {
                warn($"{ReportFile} not written: this build of OnChip has no embedded chart scripts (npm was not available when it was built)");
            }
            else
            {
                reportPath = Path.Combine(sweep.FullPath, ReportFile);
                AtomicFile.WriteAllText(reportPath, Report(sweep, runs, columns, DateTime.UtcNow));
                if (runsReport)
                {
                    var withEpochs = runs.Where(r => r.Epochs.Count > 0).Select(r => r.State.Path).ToArray();
                    if (withEpochs.Length == 0) warn($"{RunsReportFile} not written: no run has metrics yet");
                    else
                    {
                        runsReportPath = Path.Combine(sweep.FullPath, RunsReportFile);
                        ReportBuilder.Write(runsReportPath, withEpochs, w => warn(w), $"Sweep {sweep.Path}: every run");
                    }
                }
            }
        }
        return new CollectResult(summary, byConfig, reportPath, runsReportPath, runs, columns);
    }

    // ---- CSV ---------------------------------------------------------------------------------------------

    public static string SummaryCsv(IReadOnlyList<RunSummary> runs, IReadOnlyList<string> swept, IReadOnlyList<string> columns)
    {
        var csv = new StringBuilder();
        Row(csv, ["number", "directory", "configuration", "status", .. swept, "epochs_done", "epochs", .. columns.Select(c => Header(c, swept))]);
        foreach (var r in runs)
        {
            var run = r.State.Run;
            Row(csv, [
                run.Number.ToString(Inv), run.Directory, run.Configuration.ToString(Inv), r.State.StatusName,
                .. swept.Select(k => run.Swept.FirstOrDefault(s => s.Key == k).Value ?? ""),
                r.State.EpochsDone.ToString(Inv), run.Epochs.ToString(Inv),
                .. columns.Select(c => Number(r.Metric(c))),
            ]);
        }
        return csv.ToString();
    }

    /// <summary>
    /// One row per configuration (the swept values except the seed): <c>runs</c> (all its runs), <c>n</c> (its complete
    /// runs, over which the statistics are taken), then <c>M_mean</c> and <c>M_std</c> (sample standard deviation,
    /// n − 1; empty below two values) of every metric column.
    /// </summary>
    public static string ByConfigCsv(IReadOnlyList<RunSummary> runs, IReadOnlyList<string> swept, IReadOnlyList<string> columns)
    {
        var keys = swept.Where(k => k != "seed").ToArray();
        var csv = new StringBuilder();
        Row(csv, ["configuration", .. keys, "runs", "n", .. columns.SelectMany(c => new[] { Header(c, swept) + "_mean", Header(c, swept) + "_std" })]);
        foreach (var group in runs.GroupBy(r => r.State.Run.Configuration).OrderBy(g => g.Key))
        {
            var first = group.First().State.Run;
            var complete = group.Where(r => r.State.Status == RunStatus.Complete).ToArray();
            var cells = new List<string> { group.Key.ToString(Inv) };
            cells.AddRange(keys.Select(k => first.Swept.FirstOrDefault(s => s.Key == k).Value ?? ""));
            cells.Add(group.Count().ToString(Inv));
            cells.Add(complete.Length.ToString(Inv));
            foreach (var c in columns)
            {
                var (mean, std) = Stats(complete.Select(r => r.Metric(c)).OfType<double>().ToArray());
                cells.Add(Statistic(mean));
                cells.Add(Statistic(std));
            }
            Row(csv, cells);
        }
        return csv.ToString();
    }

    /// <summary>Mean and sample standard deviation (null below one and two values).</summary>
    public static (double? Mean, double? Std) Stats(IReadOnlyList<double> values)
    {
        if (values.Count == 0) return (null, null);
        double mean = values.Average();
        if (values.Count < 2) return (mean, null);
        double ss = values.Sum(v => (v - mean) * (v - mean));
        return (mean, Math.Sqrt(ss / (values.Count - 1)));
    }

    private static string Number(double? v) => v is double d ? d.ToString("R", Inv) : "";

    /// <summary>Means and deviations to 8 significant digits (no binary noise such as 0.16499999999999998).</summary>
    private static string Statistic(double? v) => v is double d ? d.ToString("G8", Inv) : "";

    private static void Row(StringBuilder csv, IEnumerable<string> cells)
    {
        csv.Append(string.Join(",", cells.Select(c =>
            c.IndexOfAny([',', '"', '\n', '\r']) >= 0 ? "\"" + c.Replace("\"", "\"\"") + "\"" : c)));
        csv.Append('\n');
    }

    // ---- HTML report ---------------------------------------------------------------------------------------

    /// <summary>
    /// The sweep's page: the configurations compared (mean ± std over seeds of the final metrics), the final test
    /// accuracy and every device metric per configuration (each seed a point, mean and ±1 std), the mean learning
    /// curves per configuration, and every run with its status.
    /// </summary>
    public static string Report(SweepDirectory sweep, IReadOnlyList<RunSummary> runs, IReadOnlyList<string> columns, DateTime generatedUtc)
    {
        var scripts = WebAssets.Scripts;
        var page = new ReportHtml();
        var plan = sweep.Plan;
        var keys = plan.SweptKeys.Where(k => k != "seed").ToArray();
        var compared = columns.Where(c => !Housekeeping.Contains(c)).ToArray();
        var groups = runs.GroupBy(r => r.State.Run.Configuration).OrderBy(g => g.Key).ToArray();
        string Label(IGrouping<int, RunSummary> g) => $"{g.Key}: {g.First().State.Run.Label(withSeed: false)}";

        page.Raw("<section id=\"configurations\">").Heading(2, "Configurations");
        page.Paragraph($"Final metrics, mean ± standard deviation over the complete runs (n) of each configuration; seeds {string.Join(", ", plan.Seeds)}. " +
                       "The highlighted row has the best mean test accuracy.", "note");
        double? bestMean = groups.Select(g => Stats(Complete(g).Select(r => r.Metric("test_acc")).OfType<double>().ToArray()).Mean).Max();
        page.Table(["configuration", .. keys, "n / runs", .. compared.Select(Title)], groups.Select(g =>
        {
            var first = g.First().State.Run;
            var complete = Complete(g);
            var mean = Stats(complete.Select(r => r.Metric("test_acc")).OfType<double>().ToArray()).Mean;
            IReadOnlyList<string> cells =
            [
                g.Key.ToString(Inv), .. keys.Select(k => first.Swept.FirstOrDefault(s => s.Key == k).Value ?? ""),
                $"{complete.Length} / {g.Count()}",
                .. compared.Select(c => MeanStd(complete.Select(r => r.Metric(c)).OfType<double>().ToArray(), IsAccuracy(c))),
            ];
            return (cells, mean is not null && mean == bestMean && groups.Length > 1);
        }));

        // Test accuracy, then the hardware costs (energy and pulses first), at most 6 charts.
        string[] first = ["test_acc", "energy_j", "pulses"];
        var charted = first.Where(compared.Contains)
            .Concat(compared.Where(c => !first.Contains(c) && !MainMetrics.Contains(c) && c != BestTestAcc)).Take(6).ToArray();
        page.Raw("<div class=\"grid\">");
        foreach (var column in charted)
        {
            var rows = new JsonArray();
            foreach (var g in groups)
                foreach (var r in Complete(g))
                    if (r.Metric(column) is double v)
                        rows.Add(new JsonObject { ["configuration"] = Label(g), ["run"] = r.State.Run.Id, ["seed"] = r.State.Run.Setting("seed"), ["value"] = v });
            if (rows.Count > 0)
                page.Chart(ByConfiguration($"Final {Title(column)} by configuration (points: seeds; black: mean ± 1 std)", Title(column), rows,
                    IsAccuracy(column) ? ".1%" : ".4~g", groups.Length));
        }
        page.Raw("</div></section>");

        // Mean learning curves per configuration.
        var curves = new JsonArray();
        foreach (var g in groups)
        {
            var withEpochs = g.Where(r => r.Epochs.Count > 0).ToArray();
            foreach (int epoch in withEpochs.SelectMany(r => r.Epochs.Select(e => e.Epoch)).Distinct().Order())
                foreach (var (key, series) in new[] { ("train_acc", "train"), ("test_acc", "test") })
                {
                    var values = withEpochs.Select(r => r.Epochs.FirstOrDefault(e => e.Epoch == epoch)?[key]).OfType<double>().ToArray();
                    if (values.Length > 0)
                        curves.Add(new JsonObject { ["run"] = Label(g), ["epoch"] = epoch, ["series"] = series, ["value"] = values.Average() });
                }
        }
        if (curves.Count > 0)
        {
            page.Raw("<section id=\"curves\">").Heading(2, "Learning curves")
                .Paragraph("Accuracy per epoch, mean over the runs of each configuration that reached the epoch (train dashed, test solid).", "note")
                .Chart(ChartSpecs.EpochLines("Accuracy (mean over seeds)", "accuracy", curves, ".1%"))
                .Raw("</section>");
        }

        page.Raw("<section id=\"runs\">").Heading(2, "Runs");
        page.Table(["run", "status", .. plan.SweptKeys, "epochs", "final test acc", "best test acc"], runs.Select(r =>
        {
            var run = r.State.Run;
            IReadOnlyList<string> cells =
            [
                run.Id, r.State.StatusName, .. plan.SweptKeys.Select(k => run.Swept.FirstOrDefault(s => s.Key == k).Value ?? ""),
                $"{r.State.EpochsDone} / {run.Epochs}", Percent(r.Final("test_acc")), Percent(r.BestTestAccuracy),
            ];
            return (cells, r.State.Status != RunStatus.Complete);
        }));
        page.Raw("</section>");

        int complete = runs.Count(r => r.State.Status == RunStatus.Complete);
        string subtitle = $"{runs.Count} runs ({plan.Configurations} configurations × {plan.Seeds.Count} seed{(plan.Seeds.Count == 1 ? "" : "s")}): " +
                          $"{complete} complete, {runs.Count(r => r.State.Status == RunStatus.Partial)} partial, {runs.Count(r => r.State.Status == RunStatus.Failed)} failed, " +
                          $"{runs.Count(r => r.State.Status == RunStatus.Missing)} missing · generated {generatedUtc:yyyy-MM-dd HH:mm} UTC";
        string footer = $"Made by onchip sweep collect from {sweep.FullPath} (spec {plan.Spec}); summary.csv and summary_by_config.csv hold the numbers. " +
                        $"Charts: Vega-Lite ({WebAssets.Versions}), inlined; the file works offline.";
        return page.Render($"Sweep {Path.GetFileName(Path.TrimEndingDirectorySeparator(sweep.FullPath))}", subtitle, footer, scripts);
    }

    private static RunSummary[] Complete(IEnumerable<RunSummary> runs) => runs.Where(r => r.State.Status == RunStatus.Complete).ToArray();

    private static bool IsAccuracy(string column) => column.EndsWith("_acc", StringComparison.Ordinal);

    private static string Title(string column) => column switch
    {
        "train_acc" => "train acc",
        "test_acc" => "test acc",
        "train_loss" => "train loss",
        "test_loss" => "test loss",
        BestTestAcc => "best test acc",
        _ => column,
    };

    private static string Percent(double? v) => v is double d ? (100 * d).ToString("F2", Inv) + "%" : "—";

    private static string MeanStd(IReadOnlyList<double> values, bool percent)
    {
        var (mean, std) = Stats(values);
        string F(double v) => percent ? (100 * v).ToString("F2", Inv) + "%" : v.ToString("G4", Inv);
        return mean is not double m ? "—" : std is double s ? $"{F(m)} ± {F(s)}" : F(m);
    }

    /// <summary>
    /// Each run a point, the mean of each configuration a black dot and, where it has two values or more, a ±1 std
    /// bar. Rows: {configuration, run, seed, value}. Means and deviations are computed here (the bar layer only gets
    /// configurations with a deviation: Vega-Lite's own stdev of one value is an infinite extent).
    /// </summary>
    private static JsonObject ByConfiguration(string title, string yTitle, JsonArray rows, string format, int configurations)
    {
        var labels = rows.Select(r => (string)r!["configuration"]!).Distinct().ToArray();
        var means = new JsonArray();
        var bars = new JsonArray();
        foreach (var label in labels)
        {
            var values = rows.Where(r => (string)r!["configuration"]! == label).Select(r => (double)r!["value"]!).ToArray();
            var (mean, std) = Stats(values);
            means.Add(new JsonObject { ["configuration"] = label, ["mean"] = mean, ["n"] = values.Length });
            if (std is double sd) bars.Add(new JsonObject { ["configuration"] = label, ["low"] = mean - sd, ["high"] = mean + sd, ["std"] = sd });
        }
        var x = new JsonObject
        {
            ["field"] = "configuration", ["type"] = "nominal", ["title"] = "configuration",
            ["scale"] = new JsonObject { ["domain"] = new JsonArray(labels.Select(l => (JsonNode)JsonValue.Create(l)!).ToArray()) },
            ["axis"] = new JsonObject { ["labelAngle"] = -30, ["labelLimit"] = 280 },
        };
        JsonObject Y(string field) => new()
        {
            ["field"] = field, ["type"] = "quantitative", ["title"] = yTitle,
            ["scale"] = new JsonObject { ["zero"] = false }, ["axis"] = new JsonObject { ["format"] = format },
        };
        var layers = new JsonArray
        {
            new JsonObject
            {
                ["data"] = new JsonObject { ["values"] = rows },
                ["mark"] = new JsonObject { ["type"] = "point", ["opacity"] = 0.6 },
                ["encoding"] = new JsonObject
                {
                    ["y"] = Y("value"),
                    ["tooltip"] = new JsonArray(
                        new JsonObject { ["field"] = "configuration", ["type"] = "nominal" },
                        new JsonObject { ["field"] = "run", ["type"] = "nominal" },
                        new JsonObject { ["field"] = "seed", ["type"] = "nominal" },
                        new JsonObject { ["field"] = "value", ["type"] = "quantitative", ["format"] = format }),
                },
            },
        };
        if (bars.Count > 0)
            layers.Add(new JsonObject
            {
                ["data"] = new JsonObject { ["values"] = bars },
                ["mark"] = new JsonObject { ["type"] = "errorbar", ["ticks"] = true, ["color"] = "black" },
                ["encoding"] = new JsonObject
                {
                    ["y"] = Y("low"),
                    ["y2"] = new JsonObject { ["field"] = "high" },
                    ["tooltip"] = new JsonArray(
                        new JsonObject { ["field"] = "configuration", ["type"] = "nominal" },
                        new JsonObject { ["field"] = "std", ["type"] = "quantitative", ["title"] = "std", ["format"] = format }),
                },
            });
        layers.Add(new JsonObject
        {
            ["data"] = new JsonObject { ["values"] = means },
            ["mark"] = new JsonObject { ["type"] = "point", ["filled"] = true, ["size"] = 70, ["color"] = "black" },
            ["encoding"] = new JsonObject
            {
                ["y"] = Y("mean"),
                ["tooltip"] = new JsonArray(
                    new JsonObject { ["field"] = "configuration", ["type"] = "nominal" },
                    new JsonObject { ["field"] = "mean", ["type"] = "quantitative", ["title"] = "mean", ["format"] = format },
                    new JsonObject { ["field"] = "n", ["type"] = "quantitative", ["title"] = "n" }),
            },
        });
        return new JsonObject
        {
            ["$schema"] = ChartSpecs.Schema,
            ["title"] = title,
            ["width"] = Math.Clamp(60 * configurations, 240, 1100),
            ["height"] = 260,
            ["encoding"] = new JsonObject { ["x"] = x },
            ["layer"] = layers,
        };
    }
}
