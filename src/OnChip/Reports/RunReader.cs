using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;
using OnChip.Persistence;
using YamlDotNet.Core;
using YamlDotNet.RepresentationModel;

namespace OnChip.Reports;

/// <summary>
/// Reads the files of one run directory that a report can show. Every file is optional; a line or file that
/// cannot be read is reported through <c>warn</c> and left out, so one bad line never loses the whole report.
/// </summary>
internal static class RunReader
{
    public const string MetricsFile = "metrics.jsonl";
    public const string ConfigFile = "config.yaml";
    public const string GduCsvFile = "gdu.csv";
    public const string GduJsonFile = "gdu.json";
    public const string GduSettingsFile = "gdu-settings.json";
    public const string GradcheckCsvFile = Analysis.GradientCheck.CsvFileName;
    public const string DeviceResponseFile = "device_response.csv";
    public const string ConductancesFile = "conductances.csv";
    public const string FiltersJsonFile = "filters.json";
    public const string FiltersNpyFile = "filters.npy";

    /// <summary>At most this many filters are drawn (the first ones).</summary>
    public const int MaxFilters = 256;
    public const int HistogramBins = 40;

    public static readonly IReadOnlyList<string> KnownFiles =
        [MetricsFile, ConfigFile, GduCsvFile, GduJsonFile, GradcheckCsvFile, DeviceResponseFile, ConductancesFile, FiltersJsonFile, FiltersNpyFile];

    public static ReportRun Read(string directory, Action<string> warn)
    {
        if (File.Exists(directory)) throw new UserFacingException($"{directory}: is a file, not a run directory");
        if (!Directory.Exists(directory)) throw new UserFacingException($"{directory}: run directory not found");
        string P(string name) => Path.Combine(directory, name);
        var (epochs, keys) = File.Exists(P(MetricsFile)) ? ReadMetrics(P(MetricsFile), warn) : ([], []);
        var run = new ReportRun
        {
            Name = Path.GetFileName(Path.TrimEndingDirectorySeparator(Path.GetFullPath(directory))),
            Path = directory,
            Epochs = epochs,
            MetricKeys = keys,
            Config = File.Exists(P(ConfigFile)) ? ReadConfig(P(ConfigFile), warn) : [],
            Gdu = File.Exists(P(GduCsvFile)) ? ReadGdu(P(GduCsvFile), warn) : [],
            GduMetrics = File.Exists(P(GduJsonFile)) ? ReadJsonObject(P(GduJsonFile), warn) : null,
            GduSettings = File.Exists(P(GduSettingsFile)) ? ReadJsonObject(P(GduSettingsFile), warn) : null,
            Gradcheck = File.Exists(P(GradcheckCsvFile)) ? ReadGradcheck(P(GradcheckCsvFile), warn) : [],
            DeviceResponse = File.Exists(P(DeviceResponseFile)) ? ReadDeviceResponse(P(DeviceResponseFile), warn) : [],
            Conductances = File.Exists(P(ConductancesFile)) ? ReadConductances(P(ConductancesFile), warn) : [],
            Filters = File.Exists(P(FiltersJsonFile)) ? ReadFiltersJson(P(FiltersJsonFile), warn)
                    : File.Exists(P(FiltersNpyFile)) ? ReadFiltersNpy(P(FiltersNpyFile), warn) : null,
            Model = File.Exists(P(Training.RunDirectory.ModelFileName)) ? Training.ModelKinds.Describe(P(Training.RunDirectory.ModelFileName), warn) : null,
        };
        if (!File.Exists(P(MetricsFile)) && run.HasAnything is false)
            throw new UserFacingException($"{directory}: not a run directory (none of {string.Join(", ", KnownFiles)} found)");
        if (!File.Exists(P(MetricsFile)) && run.Config.Count > 0) warn($"{P(MetricsFile)}: not found; the run has no learning curves");
        return run;
    }

    // ---- metrics.jsonl -------------------------------------------------------------------------------------

    public static (IReadOnlyList<EpochRow> Rows, IReadOnlyList<string> Keys) ReadMetrics(string path, Action<string> warn)
    {
        var rows = new List<EpochRow>();
        var keys = new List<string>();
        int number = 0, blank = 0;
        foreach (string line in ReadLines(path, warn))
        {
            number++;
            if (string.IsNullOrWhiteSpace(line)) { blank++; continue; }
            var values = new Dictionary<string, double>();
            try
            {
                if (JsonNode.Parse(line) is not JsonObject obj)
                {
                    warn($"{path} line {number}: not a JSON object; skipped");
                    continue;
                }
                foreach (var (key, node) in obj)
                    if (node is JsonValue v && v.GetValueKind() == JsonValueKind.Number && double.IsFinite(v.GetValue<double>()))
                        values[key] = v.GetValue<double>();
            }
            catch (Exception e) when (e is JsonException or ArgumentException or InvalidOperationException or FormatException)
            {
                warn($"{path} line {number}: not valid JSON ({FirstSentence(e.Message)}); skipped");
                continue;
            }
            if (!values.TryGetValue("epoch", out double epoch) || epoch != Math.Floor(epoch) || epoch < 0 || epoch > int.MaxValue)
            {
                warn($"{path} line {number}: no whole-number 'epoch'; skipped");
                continue;
            }
            foreach (var key in values.Keys) if (!keys.Contains(key)) keys.Add(key);
            rows.Add(new EpochRow((int)epoch, values));
        }
        if (rows.Count == 0) warn($"{path}: no epochs recorded{(number == blank ? " (the file is empty)" : "")}");
        return (rows, keys);
    }

    // ---- config.yaml ---------------------------------------------------------------------------------------

    public static IReadOnlyList<KeyValuePair<string, string>> ReadConfig(string path, Action<string> warn)
    {
        var stream = new YamlStream();
        try
        {
            using var reader = new StringReader(File.ReadAllText(path));
            stream.Load(reader);
        }
        catch (Exception e) when (e is YamlException or IOException or UnauthorizedAccessException)
        {
            warn($"{path}: cannot read the settings ({FirstSentence(e.Message)}); left out");
            return [];
        }
        if (stream.Documents.Count == 0 || stream.Documents[0].RootNode is not YamlMappingNode mapping) return [];
        var result = new List<KeyValuePair<string, string>>();
        foreach (var (key, value) in mapping.Children)
        {
            string text = value switch
            {
                YamlScalarNode s => s.Value ?? "",
                YamlSequenceNode seq => string.Join(",", seq.Children.Select(c => (c as YamlScalarNode)?.Value ?? "…")),
                _ => "…",
            };
            result.Add(new((key as YamlScalarNode)?.Value ?? "?", text));
        }
        return result;
    }

    // ---- gdu.csv / gdu.json ---------------------------------------------------------------------------------

    public static IReadOnlyList<GduPoint> ReadGdu(string path, Action<string> warn)
    {
        var points = new List<GduPoint>();
        foreach (var (line, row) in Csv(path, ["tensor", "series", "step", "ep", "bptt"], ["ep_symmetric"], warn))
        {
            if (row["series"] != "norm") continue;
            if (!TryInt(row["step"], out int step) || !TryDouble(row["ep"], out double ep) || !TryDouble(row["bptt"], out double bptt))
            {
                warn($"{path} line {line}: unreadable number; skipped");
                continue;
            }
            double? sym = row.TryGetValue("ep_symmetric", out var s) && TryDouble(s, out double v) ? v : null;
            points.Add(new GduPoint(row["tensor"], step, ep, bptt, sym));
        }
        return points;
    }

    // ---- gradcheck.csv -----------------------------------------------------------------------------------------

    public static IReadOnlyList<GradcheckPoint> ReadGradcheck(string path, Action<string> warn)
    {
        var points = new List<GradcheckPoint>();
        foreach (var (line, row) in Csv(path, ["rule", "beta", "tensor", "relative_error"], ["cosine", "sign_agreement"], warn))
        {
            if (!TryDouble(row["beta"], out double beta) || !TryDouble(row["relative_error"], out double error))
            {
                warn($"{path} line {line}: unreadable number; skipped");
                continue;
            }
            double? Optional(string key) => row.TryGetValue(key, out var text) && TryDouble(text, out double v) ? v : null;
            points.Add(new GradcheckPoint(row["rule"], beta, row["tensor"], error, Optional("cosine"), Optional("sign_agreement")));
        }
        return points;
    }

    public static JsonObject? ReadJsonObject(string path, Action<string> warn)
    {
        try
        {
            if (JsonNode.Parse(File.ReadAllText(path)) is JsonObject obj) return obj;
            warn($"{path}: not a JSON object; left out");
        }
        catch (Exception e) when (e is JsonException or IOException or UnauthorizedAccessException)
        {
            warn($"{path}: cannot read ({FirstSentence(e.Message)}); left out");
        }
        return null;
    }

    // ---- device_response.csv / conductances.csv ------------------------------------------------------------

    public static IReadOnlyList<DevicePoint> ReadDeviceResponse(string path, Action<string> warn)
    {
        var points = new List<DevicePoint>();
        foreach (var (line, row) in Csv(path, ["device", "pulse", "conductance"], [], warn))
        {
            if (!TryDouble(row["pulse"], out double pulse) || !TryDouble(row["conductance"], out double g))
            {
                warn($"{path} line {line}: unreadable number; skipped");
                continue;
            }
            points.Add(new DevicePoint(row["device"], pulse, g));
        }
        return points;
    }

    public static IReadOnlyList<Histogram> ReadConductances(string path, Action<string> warn)
    {
        var byTensor = new Dictionary<string, List<double>>();
        var order = new List<string>();
        foreach (var (line, row) in Csv(path, ["tensor", "value"], [], warn))
        {
            if (!TryDouble(row["value"], out double value))
            {
                warn($"{path} line {line}: unreadable number; skipped");
                continue;
            }
            if (!byTensor.TryGetValue(row["tensor"], out var list))
            {
                byTensor[row["tensor"]] = list = [];
                order.Add(row["tensor"]);
            }
            list.Add(value);
        }
        return order.Select(t => Bin(t, byTensor[t], HistogramBins)).ToArray();
    }

    public static Histogram Bin(string tensor, IReadOnlyList<double> values, int bins)
    {
        double min = values.Min(), max = values.Max();
        double lo = min, hi = max;
        if (hi <= lo)
        {
            double half = Math.Max(Math.Abs(lo) * 0.01, 0.5);
            lo -= half;
            hi += half;
        }
        var edges = Enumerable.Range(0, bins + 1).Select(i => lo + (hi - lo) * i / bins).ToArray();
        var counts = new long[bins];
        foreach (double v in values) counts[Math.Clamp((int)((v - lo) / (hi - lo) * bins), 0, bins - 1)]++;
        return new Histogram(tensor, values.Count, min, max, edges, counts);
    }

    // ---- filters.json / filters.npy ------------------------------------------------------------------------

    /// <summary>filters.json: <c>{"width": 28, "height": 28, "filters": [[784 numbers], …]}</c>.</summary>
    public static FilterSet? ReadFiltersJson(string path, Action<string> warn)
    {
        var obj = ReadJsonObject(path, warn);
        if (obj is null) return null;
        try
        {
            int width = obj["width"]!.GetValue<int>(), height = obj["height"]!.GetValue<int>();
            if (width <= 0 || height <= 0) throw new FormatException("width and height must be positive");
            var all = obj["filters"]!.AsArray();
            var filters = new List<float[]>();
            for (int i = 0; i < all.Count && filters.Count < MaxFilters; i++)
            {
                var values = all[i]!.AsArray().Select(v => v!.GetValue<float>()).ToArray();
                if (values.Length != width * height) throw new FormatException($"filter {i} has {values.Length} values, not {width}×{height}");
                filters.Add(values);
            }
            return Filters(width, height, filters, all.Count, path, warn);
        }
        catch (Exception e) when (e is FormatException or InvalidOperationException or NullReferenceException)
        {
            warn($"{path}: expected {{\"width\": W, \"height\": H, \"filters\": [[W×H numbers], …]}} ({FirstSentence(e.Message)}); left out");
            return null;
        }
    }

    /// <summary>filters.npy: float32 of shape (n, height, width), or (n, k²) for square k×k filters.</summary>
    public static FilterSet? ReadFiltersNpy(string path, Action<string> warn)
    {
        NpyArray array;
        try { array = NpyFile.Load(path); }
        catch (UserFacingException e)
        {
            warn($"{e.Message}; left out");
            return null;
        }
        int n, height, width;
        if (array.Shape.Length == 3) (n, height, width) = (array.Shape[0], array.Shape[1], array.Shape[2]);
        else if (array.Shape.Length == 2 && (int)Math.Round(Math.Sqrt(array.Shape[1])) is int side && side * side == array.Shape[1])
            (n, height, width) = (array.Shape[0], side, side);
        else
        {
            warn($"{path}: shape ({string.Join(", ", array.Shape)}) is neither (n, height, width) nor (n, k*k); left out");
            return null;
        }
        if (n == 0 || height == 0) return null;
        var filters = Enumerable.Range(0, Math.Min(n, MaxFilters)).Select(i => array.Data.AsSpan(i * height * width, height * width).ToArray()).ToList();
        return Filters(width, height, filters, n, path, warn);
    }

    private static FilterSet? Filters(int width, int height, List<float[]> filters, int total, string path, Action<string> warn)
    {
        if (filters.Count == 0) return null;
        if (total > filters.Count) warn($"{path}: {total} filters; the report shows the first {filters.Count}");
        return new FilterSet(width, height, filters, total, path);
    }

    // ---- helpers ---------------------------------------------------------------------------------------------

    private static IEnumerable<string> ReadLines(string path, Action<string> warn)
    {
        IEnumerable<string> lines;
        try { lines = File.ReadAllLines(path); }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            warn($"{path}: cannot read ({e.Message}); left out");
            lines = [];
        }
        return lines;
    }

    /// <summary>Rows of a simple comma-separated file with a header line, as column → text, with their line numbers.</summary>
    private static IEnumerable<(int Line, Dictionary<string, string> Row)> Csv(string path, string[] required, string[] optional, Action<string> warn)
    {
        var lines = ReadLines(path, warn).ToArray();
        if (lines.Length == 0)
        {
            warn($"{path}: empty file; left out");
            yield break;
        }
        var header = Split(lines[0]);
        var missing = required.Where(c => !header.Contains(c)).ToArray();
        if (missing.Length > 0)
        {
            warn($"{path}: the header has no column {string.Join(", ", missing)} (expected {string.Join(",", required.Concat(optional))}); left out");
            yield break;
        }
        var wanted = required.Concat(optional).Where(header.Contains).ToDictionary(c => c, c => Array.IndexOf(header, c));
        for (int i = 1; i < lines.Length; i++)
        {
            if (string.IsNullOrWhiteSpace(lines[i])) continue;
            var cells = Split(lines[i]);
            if (cells.Length < header.Length)
            {
                warn($"{path} line {i + 1}: {cells.Length} columns, expected {header.Length}; skipped");
                continue;
            }
            yield return (i + 1, wanted.ToDictionary(w => w.Key, w => cells[w.Value]));
        }
    }

    private static string[] Split(string line) => line.Split(',').Select(c => c.Trim().Trim('"')).ToArray();

    private static bool TryDouble(string text, out double value) =>
        double.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out value) && double.IsFinite(value);

    private static bool TryInt(string text, out int value) => int.TryParse(text, NumberStyles.Integer, CultureInfo.InvariantCulture, out value);

    private static string FirstSentence(string message)
    {
        int end = message.IndexOf(". ", StringComparison.Ordinal);
        return (end > 0 ? message[..end] : message).TrimEnd('.').ReplaceLineEndings(" ");
    }
}
