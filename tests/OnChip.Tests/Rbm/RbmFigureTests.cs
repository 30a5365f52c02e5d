using System.Globalization;
using OnChip;
using OnChip.Cli.Commands;
using OnChip.Configuration;
using OnChip.Rbm;
using OnChip.Sweeps;
using OnChip.Training;

namespace OnChip.Tests.Rbm;

/// <summary>onchip rbm figure: Ernoult 2019's device studies as a sweep spec (examples/rbm-figure.yaml), run and tabulated.</summary>
public class RbmFigureTests
{
    private sealed record Row(string Table, IReadOnlyDictionary<string, string> Settings);

    /// <summary>The figure's rows written out loop by loop, as the figure ran them before it became a spec: the reference the spec must reproduce.</summary>
    private static List<Row> ExpectedRows(RbmFigureSettings s)
    {
        var rows = new List<Row>();
        void Add(string table, params (string Key, string Value)[] settings)
        {
            if (s.Tables.Contains(table)) rows.Add(new Row(table, settings.ToDictionary(x => x.Key, x => x.Value)));
        }
        string F(float v) => ConfigParse.Format(v);
        string I(int v) => v.ToString(CultureInfo.InvariantCulture);
        foreach (int batch in s.Batches)
            Add("software", ("device", "ideal"), ("batch", I(batch)), ("chains", "1"), ("lr", F(batch == 1 ? s.Lr / 10 : s.Lr)));
        foreach (int batch in s.Batches)
            foreach (int chains in s.Chains)
                foreach (float beta in s.BetaD)
                    Add("nonlinearity", ("device", "ernoult-nonlinear"), ("beta-d", F(beta)), ("batch", I(batch)), ("chains", I(chains)),
                        ("programming", "sign"), ("pulse-width", F(batch == 1 ? s.WidthBatch1 : s.Width)), ("c2c", "0"));
        foreach (float c2c in s.C2c)
            Add("c2c", ("device", "ernoult-linear"), ("beta-d", "0.005"), ("batch", "100"), ("chains", "1"), ("programming", "sign"),
                ("pulse-width", F(s.Width)), ("c2c", F(c2c)));
        foreach (string strategy in new[] { "sign", "rprop" })
            foreach (float width in s.Widths)
                Add("programming", ("device", "ernoult-nonlinear"), ("beta-d", "3"), ("batch", "100"), ("chains", "1"), ("programming", strategy),
                    ("pulse-width", F(width)), ("c2c", "0"));
        return rows;
    }

    private static SweepPlan PlanOf(RbmFigureSettings settings) => SweepPlan.Expand(SweepSpec.Parse(RbmFigure.Spec(settings), "figure.yaml", Path.GetTempPath()));

    private static void AssertRows(RbmFigureSettings settings, SweepPlan plan)
    {
        var rows = ExpectedRows(settings);
        Assert.Same(TrainingCommand.RbmTrain, plan.Command);
        Assert.Equal(rows.Count, plan.Runs.Count);
        for (int i = 0; i < rows.Count; i++)
        {
            var run = plan.Runs[i];
            Assert.Equal(rows[i].Table, run.Swept[0].Value);
            Assert.Equal(rows[i].Settings.OrderBy(p => p.Key), run.Swept.Where(p => p.Key is not ("case" or "seed")).OrderBy(p => p.Key));
            Assert.Equal(settings.Seed.ToString(CultureInfo.InvariantCulture), run.Setting("seed"));
            Assert.Equal(rows[i].Settings.GetValueOrDefault("lr", ConfigParse.Format(settings.Lr)), run.Setting("lr"));
            Assert.Equal(settings.TrainLimit?.ToString(CultureInfo.InvariantCulture), run.Setting("train-limit"));
            Assert.Equal(settings.Hidden.ToString(CultureInfo.InvariantCulture), run.Setting("hidden"));
            // Each run is a valid rbm train configuration with the row's settings.
            var config = ((RbmJob)run.ToJob(plan.Command)).Config;
            config.Validate();
            Assert.Equal(int.Parse(rows[i].Settings["batch"], CultureInfo.InvariantCulture), config.Batch);
            Assert.Equal(rows[i].Settings["device"], config.Devices.Device);
            if (rows[i].Settings.TryGetValue("programming", out var p)) Assert.Equal(p, config.Devices.Programming);
            if (rows[i].Settings.TryGetValue("beta-d", out var b)) Assert.Equal(float.Parse(b, CultureInfo.InvariantCulture), config.Devices.BetaD);
        }
    }

    [Fact]
    public void The_default_spec_plans_the_figures_rows_in_order()
    {
        var settings = new RbmFigureSettings();
        var plan = PlanOf(settings);
        AssertRows(settings, plan);
        Assert.Equal(2 + 5 * 2 * 2 + 5 + 2 * 5, plan.Runs.Count);
        Assert.Equal(plan.Runs.Count, plan.Configurations);
        Assert.Equal(("nonlinearity", "1", "1", "0.005", "0.003"),
            (plan.Runs[2].Swept[0].Value, plan.Runs[2].Setting("batch"), plan.Runs[2].Setting("chains"), plan.Runs[2].Setting("beta-d"), plan.Runs[2].Setting("pulse-width")));
    }

    [Fact]
    public void Other_options_change_the_spec_and_its_rows_the_same_way()
    {
        var (settings, _) = RbmFigureCommand.Parse(new Dictionary<string, string>
        {
            ["--tables"] = "nonlinearity,programming", ["--batches"] = "100", ["--chains"] = "1,5", ["--beta-d"] = "2,4",
            ["--widths"] = "0.01", ["--width"] = "0.02", ["--train-limit"] = "0", ["--hidden"] = "50", ["--seed"] = "9", ["--lr"] = "0.2",
        });
        var plan = PlanOf(settings);
        AssertRows(settings, plan);
        Assert.Equal(2 * 2 + 2, plan.Runs.Count);
    }

    [Fact]
    public void The_example_spec_is_the_default_figure()
    {
        var dir = new DirectoryInfo(AppContext.BaseDirectory);
        while (dir is not null && !File.Exists(Path.Combine(dir.FullName, "OnChip.slnx"))) dir = dir.Parent;
        var example = SweepPlan.Expand(SweepSpec.Load(Path.Combine(dir!.FullName, "examples", "rbm-figure.yaml")));
        var settings = new RbmFigureSettings();
        AssertRows(settings, example);
        // Same runs and swept keys: onchip rbm figure tabulates a directory swept from the example.
        Assert.Null(example.Difference(PlanOf(settings)));
        Assert.Equal(PlanOf(settings).SweptKeys, example.SweptKeys);
    }

    [Fact]
    public void Bad_options_are_named()
    {
        var e = Assert.Throws<ConfigException>(() => RbmFigureCommand.Parse(new Dictionary<string, string> { ["--tables"] = "nonlin" }));
        Assert.Contains("nonlinearity", e.Message);
        Assert.Throws<ConfigException>(() => RbmFigureCommand.Parse(new Dictionary<string, string> { ["--widths"] = "0.01,-1" }));
        var (settings, jobs) = RbmFigureCommand.Parse(new Dictionary<string, string> { ["--tables"] = "c2c" });
        var unwritable = Assert.Throws<UserFacingException>(() => RbmFigureCommand.Execute(settings, "/proc/onchip-figure", jobs, TextWriter.Null));
        Assert.Contains("/proc/onchip-figure", unwritable.Message);
    }

    [Fact]
    public void A_small_figure_runs_as_a_sweep_writes_its_tables_and_a_rerun_resumes_only_unfinished_runs()
    {
        string dir = Path.Combine(Path.GetTempPath(), $"onchip-figure-{Guid.NewGuid():N}");
        try
        {
            var (settings, jobs) = RbmFigureCommand.Parse(new Dictionary<string, string>
            {
                ["--data"] = "embedded", ["--train-limit"] = "200", ["--test-limit"] = "100", ["--epochs"] = "2", ["--hidden"] = "8",
                ["--tables"] = "c2c,programming", ["--c2c"] = "0,0.02", ["--widths"] = "0.01", ["--jobs"] = "2",
            });
            var output = new StringWriter();
            Assert.True(RbmFigureCommand.Execute(settings, dir, jobs, output) == 0, output.ToString());
            var lines = File.ReadAllLines(Path.Combine(dir, RbmFigure.FigureFile));
            Assert.Equal(1 + 2 + 2, lines.Length);
            Assert.StartsWith("table,device,beta_d,batch,chains,programming,pulse_width,c2c,lr,epochs,test_error,test_error_last3", lines[0]);
            Assert.Equal(2, File.ReadAllLines(Path.Combine(dir, "c2c.csv")).Length - 1);
            Assert.Equal(2, File.ReadAllLines(Path.Combine(dir, "programming.csv")).Length - 1);
            Assert.Contains(lines, l => l.StartsWith("programming,ernoult-nonlinear,3,100,1,rprop,0.01,0,,2,") && l.EndsWith(",runs/0003"));
            // The figure is an ordinary sweep: its spec, sweep.json and the collected summary are there.
            Assert.Equal(RbmFigure.Spec(settings), File.ReadAllText(Path.Combine(dir, RbmFigure.SpecFile)));
            Assert.Same(TrainingCommand.RbmTrain, SweepDirectory.Open(dir).Plan.Command);
            Assert.Equal(5, File.ReadAllLines(Path.Combine(dir, SweepCollector.SummaryFile)).Length);
            // The tables hold the runs' own numbers: test_error of the last epoch, and the mean of the last (two) epochs.
            var header = lines[0].Split(',');
            var row = lines[1].Split(',');
            string metrics = Path.Combine(dir, "runs", "0000", "metrics.jsonl");
            var errors = File.ReadAllLines(metrics).Select(l => System.Text.Json.JsonDocument.Parse(l).RootElement.GetProperty("test_error").GetDouble()).ToArray();
            Assert.Equal(errors[^1].ToString("G7", CultureInfo.InvariantCulture), row[Array.IndexOf(header, "test_error")]);
            Assert.Equal(errors.Average().ToString("G7", CultureInfo.InvariantCulture), row[Array.IndexOf(header, "test_error_last3")]);

            // A run cut short (its metrics.jsonl behind its checkpoint) is resumed; complete runs are not touched.
            string partial = Path.Combine(dir, "runs", "0001", "metrics.jsonl");
            File.WriteAllLines(partial, File.ReadAllLines(partial).Take(1));
            var stamp = File.GetLastWriteTimeUtc(metrics);
            output = new StringWriter();
            Assert.True(RbmFigureCommand.Execute(settings, dir, jobs, output) == 0, output.ToString());
            Assert.Contains("(3 already finished)", output.ToString());
            Assert.Equal(stamp, File.GetLastWriteTimeUtc(metrics));
            Assert.Equal(2, File.ReadAllLines(partial).Length);
            // Same seed, same numbers (training time aside).
            int seconds = Array.IndexOf(header, "epoch_seconds");
            string[] WithoutTime(IEnumerable<string> rows) => rows.Select(l => string.Join(',', l.Split(',').Where((_, i) => i != seconds))).ToArray();
            Assert.Equal(WithoutTime(lines), WithoutTime(File.ReadAllLines(Path.Combine(dir, RbmFigure.FigureFile))));
        }
        finally
        {
            if (Directory.Exists(dir)) Directory.Delete(dir, recursive: true);
        }
    }
}
