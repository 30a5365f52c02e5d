using System.Text.Json.Nodes;

namespace OnChip.Reports;

/// <summary>
/// Vega-Lite (v6) specifications for the report's charts, built as JSON. Line charts share the same interaction:
/// tooltips on points, drag to pan and wheel to zoom, and a click on a legend entry to highlight that series.
/// </summary>
internal static class ChartSpecs
{
    public const string Schema = "https://vega.github.io/schema/vega-lite/v6.json";
    private const int Width = 440;
    private const int Height = 250;

    /// <summary>
    /// One line per (run, series): x = epoch, colour = run, dash = series (e.g. train/test) when there are several.
    /// Rows: {run, epoch, series, value}.
    /// </summary>
    public static JsonObject EpochLines(string title, string yTitle, JsonArray rows, string? yFormat = null, bool seriesDash = true)
    {
        var encoding = new JsonObject
        {
            ["x"] = new JsonObject { ["field"] = "epoch", ["type"] = "quantitative", ["title"] = "epoch", ["axis"] = new JsonObject { ["tickMinStep"] = 1, ["format"] = "d" } },
            ["y"] = Axis("value", yTitle, yFormat, zero: false),
            ["color"] = new JsonObject { ["field"] = "run", ["type"] = "nominal", ["title"] = "run" },
            ["opacity"] = Highlight("pick", 1, 0.15),
            ["tooltip"] = new JsonArray(
                Field("run", "nominal"), Field("series", "nominal"), Field("epoch", "quantitative"),
                Field("value", "quantitative", yFormat ?? ".4~g")),
        };
        if (seriesDash)
            encoding["strokeDash"] = new JsonObject { ["field"] = "series", ["type"] = "nominal", ["title"] = "series" };
        return Chart(title, rows, new JsonObject { ["type"] = "line", ["point"] = true, ["strokeWidth"] = 2 }, encoding,
            Interactions("run"));
    }

    /// <summary>EP against −BPTT cumulative updates per tensor (gdu.csv, series "norm"): one small chart per tensor.
    /// Rows: {tensor, step, method, value}; methods in <paramref name="methods"/> order (EP solid, −BPTT dashed, EP symmetric dotted).</summary>
    public static JsonObject GduFacets(string title, JsonArray rows, IReadOnlyList<string> tensors, IReadOnlyList<string> methods)
    {
        JsonArray Dashes() => new(methods.Select((_, i) => (JsonNode)(i switch
        {
            0 => new JsonArray(1, 0),
            1 => new JsonArray(6, 4),
            _ => new JsonArray(2, 2),
        })).ToArray());
        var methodDomain = new JsonArray(methods.Select(m => (JsonNode)m).ToArray());
        var inner = new JsonObject
        {
            ["width"] = 230,
            ["height"] = 150,
            ["mark"] = new JsonObject { ["type"] = "line", ["point"] = new JsonObject { ["size"] = 18 }, ["strokeWidth"] = 2 },
            ["params"] = new JsonArray(new JsonObject
            {
                ["name"] = "pick",
                ["select"] = new JsonObject { ["type"] = "point", ["fields"] = new JsonArray("method") },
                ["bind"] = "legend",
            }),
            ["encoding"] = new JsonObject
            {
                ["x"] = new JsonObject { ["field"] = "step", ["type"] = "quantitative", ["title"] = "nudged step t", ["axis"] = new JsonObject { ["tickMinStep"] = 1, ["format"] = "d" } },
                ["y"] = Axis("value", "‖cumulative update‖", ".3~g", zero: true),
                ["color"] = new JsonObject { ["field"] = "method", ["type"] = "nominal", ["title"] = "method", ["scale"] = new JsonObject { ["domain"] = methodDomain.DeepClone() } },
                ["strokeDash"] = new JsonObject { ["field"] = "method", ["type"] = "nominal", ["title"] = "method", ["scale"] = new JsonObject { ["domain"] = methodDomain.DeepClone(), ["range"] = Dashes() } },
                ["opacity"] = Highlight("pick", 1, 0.15),
                ["tooltip"] = new JsonArray(Field("tensor", "nominal"), Field("method", "nominal"), Field("step", "quantitative"), Field("value", "quantitative", ".5~g")),
            },
        };
        return new JsonObject
        {
            ["$schema"] = Schema,
            ["title"] = title,
            ["data"] = new JsonObject { ["values"] = rows },
            ["facet"] = new JsonObject
            {
                ["field"] = "tensor", ["type"] = "nominal", ["title"] = null,
                ["sort"] = new JsonArray(tensors.Select(t => (JsonNode)t).ToArray()),
            },
            ["columns"] = 3,
            ["spec"] = inner,
            ["resolve"] = new JsonObject { ["scale"] = new JsonObject { ["y"] = "independent" } },
        };
    }

    /// <summary>Conductance against pulse number, one line per device. Rows: {device, pulse, conductance}.</summary>
    public static JsonObject DeviceResponse(string title, JsonArray rows, int devices)
    {
        var encoding = new JsonObject
        {
            ["x"] = new JsonObject { ["field"] = "pulse", ["type"] = "quantitative", ["title"] = "pulse" },
            ["y"] = Axis("conductance", "conductance", ".4~g", zero: false),
            ["color"] = new JsonObject { ["field"] = "device", ["type"] = "nominal", ["title"] = "device" },
            ["opacity"] = Highlight("pick", 1, 0.15),
            ["tooltip"] = new JsonArray(Field("device", "nominal"), Field("pulse", "quantitative"), Field("conductance", "quantitative", ".5~g")),
        };
        if (devices > 20) encoding["color"]!["legend"] = null;
        return Chart(title, rows, new JsonObject { ["type"] = "line", ["strokeWidth"] = 1.5 }, encoding, Interactions("device"));
    }

    /// <summary>Histograms already binned: one small chart per tensor. Rows: {tensor, start, end, count}.</summary>
    public static JsonObject HistogramFacets(string title, JsonArray rows, IReadOnlyList<string> tensors) => new()
    {
        ["$schema"] = Schema,
        ["title"] = title,
        ["data"] = new JsonObject { ["values"] = rows },
        ["facet"] = new JsonObject
        {
            ["field"] = "tensor", ["type"] = "nominal", ["title"] = null,
            ["sort"] = new JsonArray(tensors.Select(t => (JsonNode)t).ToArray()),
        },
        ["columns"] = 3,
        ["spec"] = new JsonObject
        {
            ["width"] = 230,
            ["height"] = 140,
            ["mark"] = new JsonObject { ["type"] = "bar", ["binSpacing"] = 0 },
            ["encoding"] = new JsonObject
            {
                ["x"] = new JsonObject
                {
                    ["field"] = "start", ["type"] = "quantitative", ["bin"] = new JsonObject { ["binned"] = true }, ["title"] = "conductance",
                    ["axis"] = new JsonObject { ["format"] = ".3~g" },
                },
                ["x2"] = new JsonObject { ["field"] = "end" },
                ["y"] = new JsonObject { ["field"] = "count", ["type"] = "quantitative", ["title"] = "count" },
                ["tooltip"] = new JsonArray(Field("tensor", "nominal"), Field("start", "quantitative", ".4~g"), Field("end", "quantitative", ".4~g"), Field("count", "quantitative")),
            },
        },
        ["resolve"] = new JsonObject { ["scale"] = new JsonObject { ["x"] = "independent", ["y"] = "independent" } },
    };

    /// <summary>
    /// The bias-versus-β curves of gradient checks (gradcheck.csv, tensor "all"): relative error against β on log–log
    /// axes, one line per curve (run and rule), so each estimator's order shows as a slope. Rows: {curve, beta, error, cosine}.
    /// </summary>
    public static JsonObject BiasCurves(string title, JsonArray rows)
    {
        var encoding = new JsonObject
        {
            ["x"] = new JsonObject { ["field"] = "beta", ["type"] = "quantitative", ["title"] = "|β|", ["scale"] = new JsonObject { ["type"] = "log" } },
            ["y"] = new JsonObject { ["field"] = "error", ["type"] = "quantitative", ["title"] = "relative error ‖ĝ − g‖/‖g‖", ["scale"] = new JsonObject { ["type"] = "log" }, ["axis"] = new JsonObject { ["format"] = ".1e" } },
            ["color"] = new JsonObject { ["field"] = "curve", ["type"] = "nominal", ["title"] = "run / rule" },
            ["opacity"] = Highlight("pick", 1, 0.15),
            ["tooltip"] = new JsonArray(Field("curve", "nominal"), Field("beta", "quantitative", ".4~g"), Field("error", "quantitative", ".3e"), Field("cosine", "quantitative", ".5f")),
        };
        return Chart(title, rows, new JsonObject { ["type"] = "line", ["point"] = true, ["strokeWidth"] = 2 }, encoding, Interactions("curve"));
    }

    private static JsonObject Chart(string title, JsonArray rows, JsonObject mark, JsonObject encoding, JsonArray parameters) => new()
    {
        ["$schema"] = Schema,
        ["title"] = title,
        ["width"] = Width,
        ["height"] = Height,
        ["data"] = new JsonObject { ["values"] = rows },
        ["mark"] = mark,
        ["params"] = parameters,
        ["encoding"] = encoding,
    };

    /// <summary>Legend click highlights (param "pick"); drag pans and the wheel zooms both axes (param "zoom").</summary>
    private static JsonArray Interactions(string legendField) => new(
        new JsonObject
        {
            ["name"] = "pick",
            ["select"] = new JsonObject { ["type"] = "point", ["fields"] = new JsonArray(legendField) },
            ["bind"] = "legend",
        },
        new JsonObject { ["name"] = "zoom", ["select"] = "interval", ["bind"] = "scales" });

    private static JsonObject Highlight(string param, double on, double off) => new()
    {
        ["condition"] = new JsonObject { ["param"] = param, ["value"] = on },
        ["value"] = off,
    };

    private static JsonObject Axis(string field, string title, string? format, bool zero)
    {
        var axis = new JsonObject { ["field"] = field, ["type"] = "quantitative", ["title"] = title, ["scale"] = new JsonObject { ["zero"] = zero } };
        if (format is not null) axis["axis"] = new JsonObject { ["format"] = format };
        return axis;
    }

    private static JsonObject Field(string field, string type, string? format = null)
    {
        var f = new JsonObject { ["field"] = field, ["type"] = type };
        if (format is not null) f["format"] = format;
        return f;
    }
}
