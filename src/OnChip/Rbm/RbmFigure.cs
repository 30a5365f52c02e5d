using System.Globalization;
using System.Text;
using System.Text.Json.Nodes;
using OnChip.Configuration;
using OnChip.Data;
using OnChip.Persistence;
using OnChip.Training;

namespace OnChip.Rbm;

/// <summary>
/// The device studies of Ernoult, Grollier &amp; Querlioz 2019 as tables: DRBMs on Ernoult's <c>exp</c> memristors, one
/// run per row, each an ordinary <c>onchip rbm train</c> run directory. Tables: <c>nonlinearity</c> (test error vs βd
/// for mini-batch 1 and 100, with 1 and 20 Gibbs chains, Cst programming), <c>c2c</c> (vs cycle-to-cycle noise on the
/// near-linear device), <c>programming</c> (Cst vs RProp across pulse widths on the βd = 3 device), and <c>software</c>
/// (the same setting on ideal synapses, the reference). Finished runs are read back instead of trained again.
/// </summary>
internal static class RbmFigure
{
    public static readonly string[] TableNames = ["software", "nonlinearity", "c2c", "programming"];

    /// <summary>The swept settings, in the order of the CSV columns; a row leaves a column empty when it does not set it.</summary>
    public static readonly string[] Columns = ["device", "beta-d", "batch", "chains", "programming", "pulse-width", "c2c", "lr"];

    public sealed record Row(string Table, int Index, IReadOnlyDictionary<string, string> Settings)
    {
        public string Name => $"{Table}-{Index:D2}";
    }

    /// <summary>
    /// What one finished row measured: the last epoch of its metrics.jsonl, and the test error averaged over the last
    /// (up to) three epochs, because fixed-width pulses keep the weights moving and the error fluctuates from epoch to epoch.
    /// </summary>
    public sealed record Result(Row Row, double TestError, double TestErrorLast3, double ReconError, double Pulses, double EnergyJoules, double EpochSeconds, int Epochs);

    /// <summary>Expands the chosen tables into rows (deterministic order: table, then the loops as written).</summary>
    public static IReadOnlyList<Row> Plan(RbmFigureSettings s)
    {
        var rows = new List<Row>();
        void Add(string table, params (string Key, string Value)[] settings)
        {
            if (!s.Tables.Contains(table)) return;
            int index = rows.Count(r => r.Table == table);
            rows.Add(new Row(table, index, settings.ToDictionary(x => x.Key, x => x.Value)));
        }
        string F(float v) => ConfigParse.Format(v);
        string Width(int batch) => F(batch == 1 ? s.WidthBatch1 : s.Width);

        foreach (int batch in s.Batches)
            Add("software", ("device", "ideal"), ("batch", batch.ToString(CultureInfo.InvariantCulture)), ("chains", "1"),
                ("lr", F(batch == 1 ? s.Lr / 10 : s.Lr)));  // one example per update: a smaller step (devices with Cst ignore lr)
        foreach (int batch in s.Batches)
            foreach (int chains in s.Chains)
                foreach (float beta in s.BetaD)
                    Add("nonlinearity", ("device", "ernoult-nonlinear"), ("beta-d", F(beta)), ("batch", batch.ToString(CultureInfo.InvariantCulture)),
                        ("chains", chains.ToString(CultureInfo.InvariantCulture)), ("programming", "sign"), ("pulse-width", Width(batch)), ("c2c", "0"));
        foreach (float c2c in s.C2c)
            Add("c2c", ("device", "ernoult-linear"), ("beta-d", "0.005"), ("batch", "100"), ("chains", "1"), ("programming", "sign"),
                ("pulse-width", F(s.Width)), ("c2c", F(c2c)));
        foreach (string strategy in new[] { "sign", "rprop" })
            foreach (float width in s.Widths)
                Add("programming", ("device", "ernoult-nonlinear"), ("beta-d", "3"), ("batch", "100"), ("chains", "1"), ("programming", strategy),
                    ("pulse-width", F(width)), ("c2c", "0"));
        return rows;
    }

    /// <summary>The full configuration of a row: the shared settings, then the row's own.</summary>
    public static RbmConfig Config(RbmFigureSettings s, Row row, string directory)
    {
        var config = new RbmConfig();
        var keys = RbmConfig.Keys.ToDictionary(k => k.Name);
        var settings = new Dictionary<string, string>
        {
            ["data"] = s.Data, ["hidden"] = s.Hidden.ToString(CultureInfo.InvariantCulture),
            ["epochs"] = s.Epochs.ToString(CultureInfo.InvariantCulture), ["seed"] = s.Seed.ToString(CultureInfo.InvariantCulture),
            ["threads"] = s.Threads.ToString(CultureInfo.InvariantCulture), ["lr"] = ConfigParse.Format(s.Lr),
            ["out"] = RunPath(directory, row),
        };
        if (s.TrainLimit is int train) settings["train-limit"] = train.ToString(CultureInfo.InvariantCulture);
        if (s.TestLimit is int test) settings["test-limit"] = test.ToString(CultureInfo.InvariantCulture);
        foreach (var (key, value) in row.Settings) settings[key] = value;
        foreach (var (key, value) in settings) keys[key].Set(config, value);
        config.Validate();
        return config;
    }

    public static string RunPath(string directory, Row row) => Path.Combine(directory, "runs", row.Name);

    /// <summary>The result of a row whose run finished all its epochs, or null (missing, partial or unreadable).</summary>
    public static Result? ReadFinished(string directory, Row row, int epochs)
    {
        string metrics = Path.Combine(RunPath(directory, row), RunDirectory.MetricsFileName);
        if (!File.Exists(metrics)) return null;
        var lines = File.ReadAllLines(metrics).Where(l => l.Trim().Length > 0).ToArray();
        if (lines.Length < epochs) return null;
        try
        {
            var epochLines = lines.Take(epochs).Select(l => JsonNode.Parse(l)!.AsObject()).ToArray();
            var last = epochLines[^1];
            double Get(string key) => last[key] is JsonNode n ? n.GetValue<double>() : double.NaN;
            double last3 = epochLines.TakeLast(3).Average(e => e["test_error"] is JsonNode n ? n.GetValue<double>() : double.NaN);
            return new Result(row, Get("test_error"), last3, Get("recon_error"), Get("pulses"), Get("energy_j"), Get("epoch_seconds"), epochs);
        }
        catch (Exception e) when (e is System.Text.Json.JsonException or InvalidOperationException or FormatException)
        {
            return null;
        }
    }

    /// <summary>Trains a row from scratch (a partial run directory left by an interruption is replaced).</summary>
    public static Result Execute(RbmFigureSettings s, string directory, Row row, DataSplit data, CancellationToken cancel)
    {
        string path = RunPath(directory, row);
        if (Directory.Exists(path)) Directory.Delete(path, recursive: true);
        var config = Config(s, row, directory);
        var outcome = TrainingRun.Execute(new RbmJob(config), data, cancel: cancel);
        if (outcome.CompletedEpochs < s.Epochs) throw new OperationCanceledException(cancel);
        return ReadFinished(directory, row, s.Epochs) ?? throw new UserFacingException($"{path}: the run finished but its metrics.jsonl cannot be read");
    }

    public static string Csv(IEnumerable<Result> results)
    {
        var text = new StringBuilder("table," + string.Join(',', Columns.Select(c => c.Replace('-', '_'))) +
                                     ",epochs,test_error,test_error_last3,recon_error,pulses,energy_j,epoch_seconds,run\n");
        foreach (var r in results)
        {
            text.Append(r.Row.Table);
            foreach (string c in Columns) text.Append(',').Append(r.Row.Settings.GetValueOrDefault(c, ""));
            text.Append(',').Append(r.Epochs.ToString(CultureInfo.InvariantCulture));
            foreach (double v in new[] { r.TestError, r.TestErrorLast3, r.ReconError, r.Pulses, r.EnergyJoules, r.EpochSeconds })
                text.Append(',').Append(double.IsNaN(v) ? "" : v.ToString("G7", CultureInfo.InvariantCulture));
            text.Append(",runs/").Append(r.Row.Name).Append('\n');
        }
        return text.ToString();
    }

    /// <summary>figure.csv (every row) and one CSV per table, written atomically.</summary>
    public static void WriteTables(string directory, IReadOnlyList<Result> results)
    {
        AtomicFile.WriteAllText(Path.Combine(directory, "figure.csv"), Csv(results));
        foreach (var table in results.GroupBy(r => r.Row.Table))
            AtomicFile.WriteAllText(Path.Combine(directory, table.Key + ".csv"), Csv(table));
    }
}

/// <summary>Settings of <see cref="RbmFigure"/>: a reduced version of Ernoult 2019's protocol by default (see the README).</summary>
internal sealed class RbmFigureSettings
{
    public string Data { get; set; } = "fashion-mnist";
    public int? TrainLimit { get; set; } = 4000;
    public int? TestLimit { get; set; } = 1000;
    public int Epochs { get; set; } = 3;
    public int Hidden { get; set; } = 300;
    public float Lr { get; set; } = 0.1f;
    public ulong Seed { get; set; } = 1;
    public int Threads { get; set; } = 1;
    public string[] Tables { get; set; } = RbmFigure.TableNames;
    public float[] BetaD { get; set; } = [0.005f, 1f, 2f, 3f, 5f];
    public int[] Batches { get; set; } = [1, 100];
    public int[] Chains { get; set; } = [1, 20];
    public float[] C2c { get; set; } = [0f, 0.001f, 0.003f, 0.01f, 0.03f];
    public float[] Widths { get; set; } = [0.002f, 0.005f, 0.01f, 0.02f, 0.05f];
    /// <summary>Cst pulse width (Δt0/Δt_max) for mini-batch 100 and for mini-batch 1 (one update per example needs shorter pulses).</summary>
    public float Width { get; set; } = 0.01f;
    public float WidthBatch1 { get; set; } = 0.003f;
}
