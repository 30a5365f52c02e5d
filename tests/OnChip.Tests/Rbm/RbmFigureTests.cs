using OnChip;
using OnChip.Cli.Commands;
using OnChip.Configuration;
using OnChip.Rbm;

namespace OnChip.Tests.Rbm;

public class RbmFigureTests
{
    [Fact]
    public void The_default_plan_has_every_table_in_a_fixed_order()
    {
        var rows = RbmFigure.Plan(new RbmFigureSettings());
        Assert.Equal(2, rows.Count(r => r.Table == "software"));
        Assert.Equal(5 * 2 * 2, rows.Count(r => r.Table == "nonlinearity"));
        Assert.Equal(5, rows.Count(r => r.Table == "c2c"));
        Assert.Equal(2 * 5, rows.Count(r => r.Table == "programming"));
        Assert.Equal(rows.Select(r => r.Name), RbmFigure.Plan(new RbmFigureSettings()).Select(r => r.Name));
        Assert.Equal(rows.Count, rows.Select(r => r.Name).Distinct().Count());
        var first = rows.First(r => r.Table == "nonlinearity");
        Assert.Equal(("1", "1", "0.005", "0.003"), (first.Settings["batch"], first.Settings["chains"], first.Settings["beta-d"], first.Settings["pulse-width"]));
    }

    [Fact]
    public void Each_row_becomes_a_valid_rbm_configuration_with_its_settings()
    {
        var settings = new RbmFigureSettings();
        foreach (var row in RbmFigure.Plan(settings))
        {
            var config = RbmFigure.Config(settings, row, "/tmp/figure");
            Assert.Equal(int.Parse(row.Settings["batch"]), config.Batch);
            Assert.Equal(row.Settings["device"], config.Devices.Device);
            if (row.Settings.TryGetValue("programming", out var p)) Assert.Equal(p, config.Devices.Programming);
            if (row.Settings.TryGetValue("beta-d", out var b)) Assert.Equal(float.Parse(b, System.Globalization.CultureInfo.InvariantCulture), config.Devices.BetaD);
            Assert.Equal(Path.Combine("/tmp/figure", "runs", row.Name), config.Out);
        }
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
    public void A_small_figure_writes_its_tables_and_a_rerun_reuses_finished_runs()
    {
        string dir = Path.Combine(Path.GetTempPath(), $"onchip-figure-{Guid.NewGuid():N}");
        try
        {
            var (settings, jobs) = RbmFigureCommand.Parse(new Dictionary<string, string>
            {
                ["--data"] = "embedded", ["--train-limit"] = "200", ["--test-limit"] = "100", ["--epochs"] = "2", ["--hidden"] = "8",
                ["--tables"] = "c2c,programming", ["--c2c"] = "0,0.02", ["--widths"] = "0.01", ["--jobs"] = "2",
            });
            Assert.Equal(0, RbmFigureCommand.Execute(settings, dir, jobs, TextWriter.Null));
            var lines = File.ReadAllLines(Path.Combine(dir, "figure.csv"));
            Assert.Equal(1 + 2 + 2, lines.Length);
            Assert.StartsWith("table,device,beta_d,batch,chains,programming,pulse_width,c2c,lr,epochs,test_error,test_error_last3", lines[0]);
            Assert.True(File.Exists(Path.Combine(dir, "c2c.csv")) && File.Exists(Path.Combine(dir, "programming.csv")));
            Assert.Contains(lines, l => l.StartsWith("programming,ernoult-nonlinear,3,100,1,rprop,0.01,0,"));

            // A run cut short is trained again; finished runs are read back untouched.
            string partial = Path.Combine(dir, "runs", "c2c-01", "metrics.jsonl");
            File.WriteAllLines(partial, File.ReadAllLines(partial).Take(1));
            string finished = Path.Combine(dir, "runs", "c2c-00", "metrics.jsonl");
            var stamp = File.GetLastWriteTimeUtc(finished);
            var output = new StringWriter();
            Assert.Equal(0, RbmFigureCommand.Execute(settings, dir, jobs, output));
            Assert.Contains("(3 already finished)", output.ToString());
            Assert.Equal(stamp, File.GetLastWriteTimeUtc(finished));
            Assert.Equal(2, File.ReadAllLines(partial).Length);
            // Same seed, same numbers (training time aside).
            int seconds = Array.IndexOf(lines[0].Split(','), "epoch_seconds");
            string[] WithoutTime(IEnumerable<string> rows) => rows.Select(l => string.Join(',', l.Split(',').Where((_, i) => i != seconds))).ToArray();
            Assert.Equal(WithoutTime(lines), WithoutTime(File.ReadAllLines(Path.Combine(dir, "figure.csv"))));
        }
        finally
        {
            if (Directory.Exists(dir)) Directory.Delete(dir, recursive: true);
        }
    }
}
