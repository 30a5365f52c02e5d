using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using OnChip.Reports;

namespace OnChip.Tests.Reports;

/// <summary>The report's HTML without a browser: self-contained, escaped, and with the charts the runs call for.</summary>
public class ReportBuilderTests : IDisposable
{
    private readonly ReportTestRuns _runs = new();
    public void Dispose() => _runs.Dispose();

    private static JsonArray Specs(string html)
    {
        var json = Regex.Match(html, "<script type=\"application/json\" id=\"onchip-specs\">(.*?)</script>", RegexOptions.Singleline).Groups[1].Value;
        return JsonNode.Parse(json)!.AsArray();
    }

    [Fact]
    public void Bundles_are_embedded_and_inlined_so_the_page_needs_no_network()
    {
        Assert.True(WebAssets.Available, "the Vega bundles are not embedded: was npm available at build time?");
        Assert.Contains("vega-lite 6.", WebAssets.Versions);
        string dir = _runs.SyntheticRun("s", filters: 2);
        var (html, _) = ReportBuilder.Render(ReportBuilder.ReadRuns([dir], _ => { }), "t", DateTime.UnixEpoch);
        foreach (var script in WebAssets.Scripts) Assert.Contains(script[..200], html);
        Assert.DoesNotMatch("<script[^>]+src=", html);
        Assert.DoesNotMatch("<link[^>]+href=", html);
        Assert.DoesNotMatch("src=\"https?:", html);
    }

    [Fact]
    public void Known_metrics_go_to_fixed_charts_and_other_numeric_keys_get_their_own()
    {
        string dir = _runs.SyntheticRun("s", filters: 3);
        var runs = ReportBuilder.ReadRuns([dir], _ => { });
        Assert.Equal(["recon_error", "pulses", "energy_j"], ReportBuilder.ExtraKeys(runs));
        var (html, summary) = ReportBuilder.Render(runs, "t", DateTime.UnixEpoch);
        var titles = Specs(html).Select(s => s!["spec"]!["title"]!.GetValue<string>()).ToArray();
        // test_acc only (no loss, no time per epoch), three extra metrics, device response, conductances.
        Assert.Equal(["Accuracy", "recon_error", "pulses", "energy_j", "s: conductance vs pulse (3 devices)", "s: conductance histograms"], titles);
        Assert.Equal(6, summary.Charts);
        Assert.Equal(3, summary.Images);
        Assert.Contains("<th>final pulses</th>", html);
    }

    [Fact]
    public void Gdu_run_charts_ep_bptt_and_symmetric_per_tensor()
    {
        string dir = _runs.GduRun("gdu");
        var (html, summary) = ReportBuilder.Render(ReportBuilder.ReadRuns([dir], _ => { }), "t", DateTime.UnixEpoch);
        Assert.Equal(1, summary.Charts);
        var spec = Specs(html)[0]!["spec"]!;
        Assert.Equal(["W0", "b1", "W1", "b2", "s1", "s2"], spec["facet"]!["sort"]!.AsArray().Select(t => t!.GetValue<string>()));
        var methods = spec["data"]!["values"]!.AsArray().Select(v => v!["method"]!.GetValue<string>()).Distinct();
        Assert.Equal(["EP", "−BPTT", "EP symmetric"], methods);
        Assert.Contains("<th>RMSE (symmetric)</th>", html);
    }

    /// <summary>Gradient checks of several runs share one log–log chart of the bias against β (tensor "all"), one curve per run and rule.</summary>
    [Fact]
    public void Gradient_checks_share_one_bias_chart()
    {
        string[] dirs = [_runs.GradcheckRun("one-sided", "ep"), _runs.GradcheckRun("centred", "ep-symmetric")];
        var (html, summary) = ReportBuilder.Render(ReportBuilder.ReadRuns(dirs, _ => { }), "t", DateTime.UnixEpoch);
        Assert.Equal(1, summary.Charts);
        var spec = Specs(html)[0]!["spec"]!;
        Assert.Equal("log", (string?)spec["encoding"]!["x"]!["scale"]!["type"]);
        Assert.Equal("log", (string?)spec["encoding"]!["y"]!["scale"]!["type"]);
        var values = spec["data"]!["values"]!.AsArray();
        Assert.Equal(["one-sided / ep", "centred / ep-symmetric"], values.Select(v => v!["curve"]!.GetValue<string>()).Distinct());
        Assert.Equal(6, values.Count);
        double Error(string curve, double beta) => values.Single(v => (string?)v!["curve"] == curve && Math.Abs((double)v!["beta"]! - beta) < 1e-6)!["error"]!.GetValue<double>();
        Assert.True(Error("centred / ep-symmetric", 0.1) < Error("one-sided / ep", 0.1));
        Assert.Contains("gradcheck.csv", html);
        Assert.Contains("<th>sign agreement</th>", html);
    }

    [Fact]
    public void Run_names_are_escaped_and_duplicates_disambiguated()
    {
        string a = Directory.CreateDirectory(Path.Combine(_runs.Root, "x", "run<b>")).FullName;
        string b = Directory.CreateDirectory(Path.Combine(_runs.Root, "y", "run<b>")).FullName;
        foreach (var d in new[] { a, b }) File.WriteAllText(Path.Combine(d, "metrics.jsonl"), "{\"epoch\":1,\"test_acc\":0.5}\n");
        var runs = ReportBuilder.ReadRuns([a, b], _ => { });
        Assert.Equal(["x/run<b>", "y/run<b>"], runs.Select(r => r.Name));
        var (html, _) = ReportBuilder.Render(runs, "<i>title</i>", DateTime.UnixEpoch);
        Assert.DoesNotContain("run<b>", html);
        Assert.DoesNotContain("<i>title", html);
        Assert.Contains("x/run&lt;b&gt;", html);
        Assert.Contains("\\u003Cb\\u003E", Regex.Match(html, "id=\"onchip-specs\">(.*?)</script>").Groups[1].Value);
    }

    [Fact]
    public void Output_is_written_atomically_and_a_missing_run_is_an_error()
    {
        string dir = _runs.SyntheticRun("s", filters: 1);
        string html = _runs.Dir("out.html");
        File.WriteAllText(html, "old");
        var summary = ReportBuilder.Write(html, [dir], _ => { });
        Assert.StartsWith("<!DOCTYPE html>", File.ReadAllText(html));
        Assert.Equal(new FileInfo(html).Length, summary.Bytes);
        Assert.Empty(Directory.GetFiles(_runs.Root, "*.tmp"));
        Assert.Contains("not found", Assert.Throws<UserFacingException>(() => ReportBuilder.Write(html, [_runs.Dir("missing")], _ => { })).Message);
        Assert.Contains("does not exist", Assert.Throws<UserFacingException>(() => ReportBuilder.Write(_runs.Dir("no/such/dir/r.html"), [dir], _ => { })).Message);
    }
}
