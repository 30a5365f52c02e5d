using System.Text.Json.Nodes;

namespace OnChip.Reports;

/// <summary>One epoch's line of metrics.jsonl: its numeric values by key (nulls and non-numbers left out).</summary>
internal sealed record EpochRow(int Epoch, IReadOnlyDictionary<string, double> Values)
{
    public double? this[string key] => Values.TryGetValue(key, out double v) ? v : null;
}

/// <summary>One row of gdu.csv (series "norm" only: the other series are single elements).</summary>
internal sealed record GduPoint(string Tensor, int Step, double Ep, double Bptt, double? EpSymmetric);

/// <summary>One row of gradcheck.csv: a rule's estimate of one tensor at one β against the exact gradient.</summary>
internal sealed record GradcheckPoint(string Rule, double Beta, string Tensor, double RelativeError, double? Cosine, double? SignAgreement);

/// <summary>One point of a device's conductance-vs-pulse curve (device_response.csv).</summary>
internal sealed record DevicePoint(string Device, double Pulse, double Conductance);

/// <summary>A histogram of one tensor's conductances (conductances.csv), binned when the run is read.</summary>
internal sealed record Histogram(string Tensor, long Count, double Min, double Max, double[] Edges, long[] Counts);

/// <summary>Receptive fields to draw as small grayscale images (filters.json or filters.npy).</summary>
internal sealed record FilterSet(int Width, int Height, IReadOnlyList<float[]> Filters, int Total, string Source);

/// <summary>Everything a report shows about one run directory; each part is null or empty when its file is absent.</summary>
internal sealed class ReportRun
{
    public required string Name { get; set; }
    public required string Path { get; init; }
    public IReadOnlyList<EpochRow> Epochs { get; init; } = [];
    /// <summary>The numeric keys of metrics.jsonl in order of first appearance.</summary>
    public IReadOnlyList<string> MetricKeys { get; init; } = [];
    /// <summary>config.yaml's settings in file order (lists joined by commas).</summary>
    public IReadOnlyList<KeyValuePair<string, string>> Config { get; init; } = [];
    public IReadOnlyList<GduPoint> Gdu { get; init; } = [];
    public JsonObject? GduMetrics { get; init; }
    public JsonObject? GduSettings { get; init; }
    public IReadOnlyList<GradcheckPoint> Gradcheck { get; init; } = [];
    public IReadOnlyList<DevicePoint> DeviceResponse { get; init; } = [];
    public IReadOnlyList<Histogram> Conductances { get; init; } = [];
    public FilterSet? Filters { get; init; }
    /// <summary>What model.onchip holds, as its kind in <see cref="Training.ModelKinds"/> describes it (null: no readable model file).</summary>
    public string? Model { get; init; }

    public bool HasAnything => Epochs.Count > 0 || Config.Count > 0 || Gdu.Count > 0 || GduMetrics is not null || Gradcheck.Count > 0 ||
                               DeviceResponse.Count > 0 || Conductances.Count > 0 || Filters is not null;
}
