using System.Net;
using System.Text;
using System.Text.Json.Nodes;

namespace OnChip.Reports;

/// <summary>
/// The report page: HTML body parts and Vega-Lite charts collected by <see cref="ReportBuilder"/>, rendered into one
/// self-contained file with the Vega bundles inlined. The page script embeds every chart (SVG renderer) and then
/// sets <c>&lt;body data-rendered="ok"&gt;</c> and the status line to "ok: N charts", or to "error: …" on any error;
/// Vega warnings are listed under the status line (and counted in its data-warnings attribute).
/// </summary>
internal sealed class ReportHtml
{
    private readonly StringBuilder _body = new();
    private readonly List<(string Id, JsonObject Spec)> _charts = [];

    public int ChartCount => _charts.Count;
    public int ImageCount { get; private set; }

    public static string Escape(string text) => WebUtility.HtmlEncode(text);

    public ReportHtml Raw(string html)
    {
        _body.Append(html).Append('\n');
        return this;
    }

    public ReportHtml Heading(int level, string text, string? id = null) =>
        Raw($"<h{level}{(id is null ? "" : $" id=\"{Escape(id)}\"")}>{Escape(text)}</h{level}>");

    public ReportHtml Paragraph(string text, string? cssClass = null) =>
        Raw($"<p{(cssClass is null ? "" : $" class=\"{cssClass}\"")}>{Escape(text)}</p>");

    /// <summary>A placeholder that the page script fills with the chart.</summary>
    public ReportHtml Chart(JsonObject spec)
    {
        string id = $"chart-{_charts.Count + 1}";
        _charts.Add((id, spec));
        return Raw($"<div class=\"chart\" id=\"{id}\"></div>");
    }

    /// <summary>A table; cells are text (escaped); rows whose flag is set get the "differs" highlight.</summary>
    public ReportHtml Table(IReadOnlyList<string> header, IEnumerable<(IReadOnlyList<string> Cells, bool Highlight)> rows, string? cssClass = null)
    {
        var sb = new StringBuilder($"<div class=\"table-wrap\"><table{(cssClass is null ? "" : $" class=\"{cssClass}\"")}><thead><tr>");
        foreach (var h in header) sb.Append("<th>").Append(Escape(h)).Append("</th>");
        sb.Append("</tr></thead><tbody>");
        foreach (var (cells, highlight) in rows)
        {
            sb.Append(highlight ? "<tr class=\"differs\">" : "<tr>");
            for (int i = 0; i < cells.Count; i++) sb.Append(i == 0 ? "<th scope=\"row\">" : "<td>").Append(Escape(cells[i])).Append(i == 0 ? "</th>" : "</td>");
            sb.Append("</tr>");
        }
        return Raw(sb.Append("</tbody></table></div>").ToString());
    }

    public ReportHtml Image(string dataUri, int width, int height, string title)
    {
        ImageCount++;
        return Raw($"<img class=\"filter\" src=\"{dataUri}\" width=\"{width}\" height=\"{height}\" alt=\"{Escape(title)}\" title=\"{Escape(title)}\">");
    }

    /// <summary>The whole page. <paramref name="scripts"/> are inlined in order before the page script.</summary>
    public string Render(string title, string subtitle, string footer, IReadOnlyList<string> scripts)
    {
        var specs = new JsonArray(_charts.Select(c => (JsonNode)new JsonObject { ["id"] = c.Id, ["spec"] = c.Spec }).ToArray());
        var html = new StringBuilder(scripts.Sum(s => s.Length) + _body.Length + 64 * 1024);
        html.Append("<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n")
            .Append("<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n")
            .Append("<meta name=\"generator\" content=\"onchip report\">\n")
            .Append("<title>").Append(Escape(title)).Append("</title>\n<style>\n").Append(Css).Append("</style>\n</head>\n")
            .Append("<body data-rendered=\"pending\">\n<header>\n<h1>").Append(Escape(title)).Append("</h1>\n<p class=\"sub\">")
            .Append(Escape(subtitle)).Append("</p>\n<div id=\"status\" data-state=\"pending\" data-warnings=\"0\">drawing charts…</div>\n")
            .Append("<ul id=\"chart-warnings\"></ul>\n</header>\n<main>\n")
            .Append(_body)
            .Append("</main>\n<footer>").Append(Escape(footer)).Append("</footer>\n")
            // JavaScriptEncoder.Default escapes <, > and & as \u003C…, so the JSON cannot close the script element.
            .Append("<script type=\"application/json\" id=\"onchip-specs\">").Append(specs.ToJsonString()).Append("</script>\n");
        foreach (var script in scripts)
            html.Append("<script>\n").Append(script.Replace("</script", "<\\/script", StringComparison.OrdinalIgnoreCase)).Append("\n</script>\n");
        html.Append("<script>\n").Append(PageScript).Append("</script>\n</body>\n</html>\n");
        return html.ToString();
    }

    private const string Css = """
        :root { --fg: #1d2330; --muted: #5b6475; --line: #d9dee7; --accent: #2f6fdf; --hi: #fff4d6; }
        * { box-sizing: border-box; }
        body { margin: 0; font: 14px/1.45 system-ui, -apple-system, "Segoe UI", Roboto, sans-serif; color: var(--fg); background: #fafbfc; }
        header, main, footer { max-width: 1320px; margin: 0 auto; padding: 0 24px; }
        header { padding-top: 20px; border-bottom: 1px solid var(--line); padding-bottom: 8px; }
        h1 { margin: 0 0 4px; font-size: 24px; }
        h2 { margin: 28px 0 10px; font-size: 19px; border-bottom: 1px solid var(--line); padding-bottom: 4px; }
        h3 { margin: 20px 0 8px; font-size: 16px; }
        .sub, footer, .note { color: var(--muted); }
        #status { font-size: 12px; color: var(--muted); }
        #status[data-state="error"] { color: #b00020; font-weight: 600; }
        #chart-warnings { font-size: 12px; color: #8a5a00; margin: 4px 0; }
        #chart-warnings:empty { display: none; }
        .grid { display: flex; flex-wrap: wrap; gap: 12px 20px; }
        .chart { background: #fff; border: 1px solid var(--line); border-radius: 6px; padding: 8px; min-height: 60px; }
        .table-wrap { overflow-x: auto; }
        table { border-collapse: collapse; background: #fff; margin: 4px 0 12px; font-variant-numeric: tabular-nums; }
        th, td { border: 1px solid var(--line); padding: 4px 10px; text-align: right; white-space: nowrap; }
        thead th { background: #eef1f6; }
        tbody th { text-align: left; font-weight: 600; }
        tr.differs td, tr.differs th { background: var(--hi); }
        .filters { display: flex; flex-wrap: wrap; gap: 3px; background: #fff; padding: 8px; border: 1px solid var(--line); border-radius: 6px; }
        img.filter { image-rendering: pixelated; image-rendering: crisp-edges; border: 1px solid #ccc; }
        section.run { margin-bottom: 16px; }
        footer { margin-top: 32px; padding-top: 8px; padding-bottom: 24px; border-top: 1px solid var(--line); font-size: 12px; }

        """;

    private const string PageScript = """
        (function () {
          var status = document.getElementById('status');
          var warningList = document.getElementById('chart-warnings');
          var failed = false, warnings = 0;
          function fail(message) {
            failed = true;
            document.body.setAttribute('data-rendered', 'error');
            status.setAttribute('data-state', 'error');
            status.textContent = 'error: ' + message;
          }
          function note(args) {
            warnings++;
            status.setAttribute('data-warnings', String(warnings));
            var item = document.createElement('li');
            item.textContent = Array.prototype.map.call(args, String).join(' ');
            warningList.appendChild(item);
          }
          window.addEventListener('error', function (e) { fail(e.message || String(e)); });
          window.addEventListener('unhandledrejection', function (e) { fail(String((e.reason && e.reason.message) || e.reason)); });
          var level = 2;
          var logger = {
            level: function (l) { if (arguments.length) { level = l; return logger; } return level; },
            error: function () { note(arguments); return logger; },
            warn: function () { note(arguments); return logger; },
            info: function () { return logger; },
            debug: function () { return logger; }
          };
          var charts;
          try {
            charts = JSON.parse(document.getElementById('onchip-specs').textContent);
            if (typeof vegaEmbed !== 'function') throw new Error('vega-embed did not load');
          } catch (e) { fail(e.message); return; }
          var options = { renderer: 'svg', logger: logger, actions: { export: true, source: false, compiled: false, editor: false } };
          Promise.all(charts.map(function (c) { return vegaEmbed('#' + c.id, c.spec, options); })).then(function () {
            var drawn = document.querySelectorAll('.chart svg.marks').length;
            if (drawn !== charts.length) fail(drawn + ' of ' + charts.length + ' charts drew');
            if (failed) return;
            status.setAttribute('data-state', 'ok');
            status.textContent = 'ok: ' + charts.length + ' charts';
            document.body.setAttribute('data-rendered', 'ok');
          }, function (e) { fail((e && e.message) || String(e)); });
        })();

        """;
}
