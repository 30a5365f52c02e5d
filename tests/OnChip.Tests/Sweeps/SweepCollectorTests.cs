using System.Globalization;
using System.Text.RegularExpressions;
using OnChip.Reports;
using OnChip.Tests.Reports;
using OnChip.Sweeps;

namespace OnChip.Tests.Sweeps;

/// <summary>onchip sweep collect: the summaries, with complete, partial, failed, damaged and missing runs.</summary>
public class SweepCollectorTests : SweepTestDirectory
{
    /// <summary>2 configurations (β) × 3 seeds, prepared but not run.</summary>
    private SweepDirectory Prepare()
    {
        string spec = WriteSpec("base: {archi: 784-16-10, epochs: 2}\ngrid: {beta: [0.1, 0.2]}\nseeds: 3\n");
        string sweep = Path.Combine(Dir, "sweep");
        Assert.Equal(0, Cli("sweep", spec, "--out", sweep, "--dry-run").Code);
        return SweepDirectory.Open(sweep);
    }

    private static string[][] ReadCsv(string path) =>
        File.ReadAllLines(path).Select(l => l.Split(',')).ToArray();

    private static string Cell(string[][] csv, int row, string column) => csv[row + 1][Array.IndexOf(csv[0], column)];

    [Fact]
    public void Runs_with_missing_partial_damaged_or_failed_metrics_are_reported_and_summarised_without_them()
    {
        var sweep = Prepare();
        string Run(int i) => sweep.RunPath(sweep.Plan.Runs[i]);
        // Configuration 0 (runs 0-2): three complete runs, test acc 0.62, 0.72, 0.82 at epoch 2.
        WriteMetrics(Run(0), 2, 0.6);
        WriteMetrics(Run(1), 2, 0.7);
        WriteMetrics(Run(2), 2, 0.8);
        // Configuration 1: one complete (0.52), one partial (epoch 1 of 2), one failed; then a run damaged by hand.
        WriteMetrics(Run(3), 2, 0.5);
        WriteMetrics(Run(4), 1, 0.9);
        WriteMetrics(Run(5), 1, 0.9);
        File.WriteAllText(Path.Combine(Run(5), SweepDirectory.ExitCodeFile), "1\n");
        File.WriteAllText(Path.Combine(Run(5), SweepDirectory.StderrFile), "reading data...\nerror: out of disk space\n");
        // A torn line after the last epoch (a copy cut short): reported as a warning; the run keeps its two epochs.
        File.AppendAllText(Path.Combine(Run(3), "metrics.jsonl"), "{\"epoch\":3,\"test_");

        var warnings = new List<string>();
        var result = SweepCollector.Collect(sweep.Path, warnings.Add, report: false);

        Assert.Equal([RunStatus.Complete, RunStatus.Complete, RunStatus.Complete, RunStatus.Complete, RunStatus.Partial, RunStatus.Failed],
            result.Runs.Select(r => r.State.Status));
        Assert.Contains(warnings, w => w.Contains("run 0004") && w.Contains("partial, 1 of 2 epoch(s)"));
        Assert.Contains(warnings, w => w.Contains("run 0005") && w.Contains("failed (exit code 1): error: out of disk space"));
        Assert.Contains(warnings, w => w.Contains("run 0003") && w.Contains("not valid JSON"));

        var summary = ReadCsv(result.SummaryPath);
        Assert.Equal(7, summary.Length);
        Assert.Equal(["number", "directory", "configuration", "status", "beta", "seed", "epochs_done", "epochs"], summary[0].Take(8));
        Assert.Equal("0.62", Cell(summary, 0, "test_acc"));
        Assert.Equal("0.2", Cell(summary, 4, "beta"));
        Assert.Equal("1", Cell(summary, 4, "seed"));
        Assert.Equal("partial", Cell(summary, 4, "status"));
        Assert.Equal("0.91", Cell(summary, 4, "test_acc"));   // its last recorded epoch
        Assert.Equal("failed", Cell(summary, 5, "status"));

        // Mean ± std over the complete runs only.
        var byConfig = ReadCsv(result.ByConfigPath);
        Assert.Equal(3, byConfig.Length);
        Assert.Equal(["3", "3"], [Cell(byConfig, 0, "runs"), Cell(byConfig, 0, "n")]);
        Assert.Equal(0.72, double.Parse(Cell(byConfig, 0, "test_acc_mean"), CultureInfo.InvariantCulture), 9);
        Assert.Equal(0.1, double.Parse(Cell(byConfig, 0, "test_acc_std"), CultureInfo.InvariantCulture), 9);
        Assert.Equal(["3", "1"], [Cell(byConfig, 1, "runs"), Cell(byConfig, 1, "n")]);
        Assert.Equal("0.52", Cell(byConfig, 1, "test_acc_mean"));
        Assert.Equal("", Cell(byConfig, 1, "test_acc_std"));
    }

    [Fact]
    public void A_sweep_with_no_results_yet_is_collected_into_empty_statistics()
    {
        var sweep = Prepare();
        Directory.Delete(sweep.RunPath(sweep.Plan.Runs[2]), recursive: true);
        var warnings = new List<string>();
        var result = SweepCollector.Collect(sweep.Path, warnings.Add, report: false);
        Assert.All(result.Runs, r => Assert.Equal(RunStatus.Missing, r.State.Status));
        Assert.Equal(6, warnings.Count(w => w.Contains("missing")));
        Assert.Contains(warnings, w => w.Contains("run 0002") && w.Contains("no run directory"));
        var byConfig = ReadCsv(result.ByConfigPath);
        Assert.Equal("0", Cell(byConfig, 0, "n"));
        Assert.Equal("", Cell(byConfig, 0, "test_acc_mean"));
    }

    [Fact]
    public void The_command_reports_counts_and_writes_a_self_contained_report()
    {
        var sweep = Prepare();
        for (int i = 0; i < 6; i++) WriteMetrics(sweep.RunPath(sweep.Plan.Runs[i]), i == 5 ? 1 : 2, 0.5 + 0.05 * i);
        var (code, output, error) = Cli("sweep", "collect", sweep.Path);
        Assert.True(code == 0, error);
        Assert.Contains("6 run(s): 5 complete, 1 partial, 0 failed, 0 missing", output);
        Assert.Contains("warning: run 0005", error);
        // Configuration 1 (β = 0.2) has the better mean: runs 3 and 4 (0.67 and 0.72 at epoch 2).
        Assert.Contains("best mean test acc: configuration 1 (beta=0.2): 69.50% ± 3.54 (n = 2)", output);
        string report = Path.Combine(sweep.FullPath, SweepCollector.ReportFile);
        if (WebAssets.Available)
        {
            string html = File.ReadAllText(report);
            Assert.Contains("Configurations", html);
            Assert.Contains("beta=0.2", html);
            Assert.DoesNotContain("src=\"http", html);
        }
        else
        {
            // A build without the Vega bundles (npm missing at build time, which ReportBuilderTests reports as a
            // failure) writes the summaries and says why there is no report.
            Assert.Contains($"warning: {SweepCollector.ReportFile} not written: this build of OnChip has no embedded chart scripts", error);
            Assert.False(File.Exists(report), "a report without chart scripts");
        }
    }

    [Theory]
    [InlineData(new[] { 0, 1, 2, 3 })]   // configuration 0 with a deviation bar, configuration 1 a single run
    [InlineData(new[] { 0, 3 })]         // one complete run per configuration (as with seeds: 1): no bar, and no infinite extent
    public void The_report_draws_every_chart_in_headless_chromium(int[] complete)
    {
        HeadlessChromium.Require();
        Assert.True(WebAssets.Available, "this build has no embedded chart scripts");
        var sweep = Prepare();
        for (int i = 0; i < 6; i++)
        {
            string run = sweep.RunPath(sweep.Plan.Runs[i]);
            WriteMetrics(run, complete.Contains(i) ? 2 : 1, 0.5 + 0.05 * i);
            // Device runs log hardware costs: they get a chart per configuration too.
            File.WriteAllLines(Path.Combine(run, "metrics.jsonl"), File.ReadAllLines(Path.Combine(run, "metrics.jsonl"))
                .Select(l => l.TrimEnd('}') + FormattableString.Invariant($",\"pulses\":{1000 * (i + 1)},\"energy_j\":{1e-9 * (i + 1)}}}")));
        }
        var result = SweepCollector.Collect(sweep.Path, _ => { }, report: true);
        string html = File.ReadAllText(result.ReportPath!);
        Assert.Equal(complete.Length > 2 ? 3 : 0, Regex.Matches(html, "\"type\":\"errorbar\"").Count);
        string dom = HeadlessChromium.DumpDom(result.ReportPath!);
        var status = Regex.Match(dom, "<div id=\"status\"([^>]*)>([^<]*)</div>");
        Assert.True(status.Success, "no status element in the rendered page");
        // Final test acc, energy and pulses by configuration, and the mean learning curves.
        Assert.Equal("ok: 4 charts", status.Groups[2].Value);
        Assert.Contains("data-state=\"ok\"", status.Groups[1].Value);
        Assert.Contains("data-warnings=\"0\"", status.Groups[1].Value);
        Assert.Equal(4, Regex.Matches(dom, "<svg[^>]*class=\"marks\"").Count);
    }
}
