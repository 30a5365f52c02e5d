using System.Globalization;
using System.Text;
using OnChip.Configuration;
using OnChip.Persistence;
using OnChip.Sweeps;

namespace OnChip.Rbm;

/// <summary>
/// The device studies of Ernoult, Grollier &amp; Querlioz 2019 as tables: DRBMs on Ernoult's <c>exp</c> memristors, one
/// run per row, run as a sweep (<see cref="Spec"/>: each row an ordinary <c>onchip rbm train</c> run directory) and
/// tabulated from the sweep's collected metrics (<see cref="WriteTables"/>). Tables: <c>nonlinearity</c> (test error vs βd
/// for mini-batch 1 and 100, with 1 and 20 Gibbs chains, Cst programming), <c>c2c</c> (vs cycle-to-cycle noise on the
/// near-linear device), <c>programming</c> (Cst vs RProp across pulse widths on the βd = 3 device), and <c>software</c>
/// (the same setting on ideal synapses, the reference).
/// </summary>
internal static class RbmFigure
{
    public static readonly string[] TableNames = ["software", "nonlinearity", "c2c", "programming"];

    /// <summary>The swept settings, in the order of the CSV columns; a row leaves a column empty when it does not set it.</summary>
    public static readonly string[] Columns = ["device", "beta-d", "batch", "chains", "programming", "pulse-width", "c2c", "lr"];

    /// <summary>
    /// The figure as a sweep spec (<c>command: rbm train</c>): the shared settings as the base, one case per table and
    /// mini-batch size (its lists expand first key slowest), and the seed. Its runs are
    /// the figure's rows: software (per mini-batch size), nonlinearity (mini-batch × chains × βd), c2c (× σ),
    /// programming (Cst, RProp × pulse width), in that order; examples/rbm-figure.yaml is this spec for the default settings.
    /// </summary>
    public static string Spec(RbmFigureSettings s)
    {
        string F(float v) => ConfigParse.Format(v);
        string I(int v) => v.ToString(CultureInfo.InvariantCulture);
        string List<T>(IEnumerable<T> values, Func<T, string> format) => "[" + string.Join(", ", values.Select(format)) + "]";
        var text = new StringBuilder();
        text.Append("# Ernoult, Grollier & Querlioz 2019's device studies on DRBMs (docs/rbm.md#onchip-rbm-figure): one case per table\n")
            .Append("# (and mini-batch size); run with onchip sweep, tabulate with onchip rbm figure --out DIR once the runs are complete.\n")
            .Append("command: rbm train\n")
            .Append($"base: {{data: {ConfigFile.Quote(s.Data)}, hidden: {I(s.Hidden)}, epochs: {I(s.Epochs)}, lr: {F(s.Lr)}");
        if (s.TrainLimit is int train) text.Append($", train-limit: {I(train)}");
        if (s.TestLimit is int test) text.Append($", test-limit: {I(test)}");
        text.Append($", threads: {I(s.Threads)}}}\n")
            .Append($"seeds: [{s.Seed.ToString(CultureInfo.InvariantCulture)}]\n")
            .Append("cases:\n");
        string Width(int batch) => F(batch == 1 ? s.WidthBatch1 : s.Width);
        if (s.Tables.Contains("software"))
            foreach (int batch in s.Batches)  // one example per update: a smaller step (devices with Cst ignore lr)
                text.Append($"  - {{case: software, device: ideal, batch: {I(batch)}, chains: 1, lr: {F(batch == 1 ? s.Lr / 10 : s.Lr)}}}\n");
        if (s.Tables.Contains("nonlinearity"))
            foreach (int batch in s.Batches)
                text.Append($"  - {{case: nonlinearity, device: ernoult-nonlinear, batch: {I(batch)}, chains: {List(s.Chains, I)}, beta-d: {List(s.BetaD, F)}, " +
                            $"programming: sign, pulse-width: {Width(batch)}, c2c: 0}}\n");
        if (s.Tables.Contains("c2c"))
            text.Append($"  - {{case: c2c, device: ernoult-linear, beta-d: 0.005, batch: 100, chains: 1, programming: sign, pulse-width: {F(s.Width)}, c2c: {List(s.C2c, F)}}}\n");
        if (s.Tables.Contains("programming"))
            text.Append($"  - {{case: programming, device: ernoult-nonlinear, beta-d: 3, batch: 100, chains: 1, programming: [sign, rprop], pulse-width: {List(s.Widths, F)}, c2c: 0}}\n");
        return text.ToString();
    }

    /// <summary>The columns of the figure's CSV files after the row's settings (the last epoch's values, and the mean test error of the last three).</summary>
    public static readonly string[] Metrics = ["test_error", "test_error_last3", "recon_error", "pulses", "energy_j", "epoch_seconds"];

    /// <summary>
    /// One line per complete run of the figure's sweep: its table (the case), the settings its case sets, the epochs,
    /// the <see cref="Metrics"/> and its directory. The test error is also averaged over the last (up to) three epochs,
    /// because fixed-width pulses keep the weights moving and the error fluctuates from epoch to epoch.
    /// </summary>
    public static string Csv(IEnumerable<RunSummary> runs)
    {
        var text = new StringBuilder("table," + string.Join(',', Columns.Select(c => c.Replace('-', '_'))) + ",epochs," + string.Join(',', Metrics) + ",run\n");
        foreach (var r in runs)
        {
            var run = r.State.Run;
            string? Swept(string key) => run.Swept.FirstOrDefault(s => s.Key == key).Value;
            text.Append(Swept(SweepSpec.CaseKey));
            foreach (string c in Columns) text.Append(',').Append(Swept(c) ?? "");
            text.Append(',').Append(r.State.EpochsDone.ToString(CultureInfo.InvariantCulture));
            double last3 = r.Epochs.TakeLast(3).Select(e => e["test_error"] ?? double.NaN).DefaultIfEmpty(double.NaN).Average();
            foreach (string m in Metrics)
            {
                double v = m == "test_error_last3" ? last3 : r.Final(m) ?? double.NaN;
                text.Append(',').Append(double.IsNaN(v) ? "" : v.ToString("G7", CultureInfo.InvariantCulture));
            }
            text.Append(',').Append(run.Directory).Append('\n');
        }
        return text.ToString();
    }

    /// <summary>DIR/figure.csv (every complete run) and DIR/TABLE.csv per table, written atomically; returns the tables written.</summary>
    public static IReadOnlyList<string> WriteTables(string directory, IReadOnlyList<RunSummary> runs)
    {
        var complete = runs.Where(r => r.State.Status == RunStatus.Complete && r.State.Run.Swept.Any(s => s.Key == SweepSpec.CaseKey)).ToArray();
        AtomicFile.WriteAllText(Path.Combine(directory, FigureFile), Csv(complete));
        var tables = complete.GroupBy(r => r.State.Run.Swept.First(s => s.Key == SweepSpec.CaseKey).Value).ToArray();
        foreach (var table in tables) AtomicFile.WriteAllText(Path.Combine(directory, table.Key + ".csv"), Csv(table));
        return tables.Select(t => t.Key).ToArray();
    }

    public const string FigureFile = "figure.csv";

    /// <summary>The spec written into the figure's directory (the sweep's spec).</summary>
    public const string SpecFile = "figure.yaml";
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
