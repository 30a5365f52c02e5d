using System.Buffers.Binary;
using System.Text.RegularExpressions;
using OnChip.Reports;

namespace OnChip.Tests.Reports;

/// <summary>
/// The report opened in a real browser (headless Chromium, no network): every Vega-Lite chart draws, no script
/// error or Vega warning occurs, the filter images are there, and a screenshot comes out. Fails (never skips) when
/// Chromium is missing: scripts/test.sh installs it.
/// </summary>
public class ReportRenderingTests : IDisposable
{
    private readonly ReportTestRuns _runs = new();
    public void Dispose() => _runs.Dispose();

    [Fact]
    public void Report_of_real_and_synthetic_runs_draws_every_chart_in_headless_chromium()
    {
        HeadlessChromium.Require();
        string[] dirs =
        [
            _runs.TrainRun("ep", "ep"),
            _runs.TrainRun("symmetric", "ep-symmetric", cosine: true),
            _runs.GduRun("gdu"),
            _runs.GradcheckRun("bias", "ep"),
            _runs.SyntheticRun("rbm", filters: 12),
        ];
        var warnings = new List<string>();
        string html = _runs.Dir("report.html");
        var summary = ReportBuilder.Write(html, dirs, warnings.Add);

        // Accuracy, loss, time per epoch, learning rate (the cosine run varies it); recon_error, pulses, energy_j;
        // the gradient-bias curves; the GDU facets; device response and conductance histograms of the synthetic run.
        Assert.Equal(11, summary.Charts);
        Assert.Equal(12, summary.Images);
        Assert.Equal(["ep", "symmetric", "gdu", "bias", "rbm"], summary.Runs);
        Assert.Contains(warnings, w => w.Contains("rbm") && w.Contains("line 5") && w.Contains("not valid JSON"));

        string dom = HeadlessChromium.DumpDom(html);
        var status = Regex.Match(dom, "<div id=\"status\"([^>]*)>([^<]*)</div>");
        Assert.True(status.Success, "no status element in the rendered page");
        Assert.True(status.Groups[1].Value.Contains("data-state=\"ok\""), $"page status: {status.Groups[2].Value}\n{Warnings(dom)}");
        Assert.Contains("data-warnings=\"0\"", status.Groups[1].Value);
        Assert.Equal($"ok: {summary.Charts} charts", status.Groups[2].Value);
        Assert.Matches("<body[^>]*data-rendered=\"ok\"", dom);
        Assert.Equal(summary.Charts, Regex.Matches(dom, "<svg[^>]*class=\"marks\"").Count);
        Assert.Equal(summary.Charts, Regex.Matches(dom, "<div class=\"chart[^\"]*\" id=\"chart-\\d+\"").Count);
        Assert.Equal(12, Regex.Matches(dom, "<img class=\"filter\" src=\"data:image/png;base64,").Count);
        // Lines and points were drawn with data, not just empty axes.
        Assert.True(Regex.Matches(dom, "<path[^>]*aria-roledescription=\"line mark\"").Count >= 10, "few line marks in the DOM");

        string png = _runs.Dir("report.png");
        HeadlessChromium.Screenshot(html, png, 1400, 3000);
        var bytes = File.ReadAllBytes(png);
        Assert.True(bytes.Length > 50_000, $"screenshot of only {bytes.Length} bytes");
        Assert.Equal(new byte[] { 0x89, (byte)'P', (byte)'N', (byte)'G', 0x0D, 0x0A, 0x1A, 0x0A }, bytes[..8]);
        Assert.Equal(1400u, BinaryPrimitives.ReadUInt32BigEndian(bytes.AsSpan(16)));
        Assert.Equal(3000u, BinaryPrimitives.ReadUInt32BigEndian(bytes.AsSpan(20)));
    }

    [Fact]
    public void A_chart_that_fails_to_draw_is_reported_on_the_page()
    {
        // The page's own check: break one spec and the status line must say so (the test above relies on it).
        HeadlessChromium.Require();
        string dir = _runs.SyntheticRun("rbm", filters: 1);
        string html = _runs.Dir("report.html");
        ReportBuilder.Write(html, [dir], _ => { });
        string broken = File.ReadAllText(html).Replace("\"mark\":{\"type\":\"line\"", "\"mark\":{\"type\":\"no-such-mark\"");
        File.WriteAllText(html, broken);
        string dom = HeadlessChromium.DumpDom(html);
        Assert.Matches("<div id=\"status\"[^>]*data-state=\"error\"", dom);
        Assert.Matches("<body[^>]*data-rendered=\"error\"", dom);
    }

    private static string Warnings(string dom) => Regex.Match(dom, "<ul id=\"chart-warnings\">(.*?)</ul>", RegexOptions.Singleline).Groups[1].Value;
}
