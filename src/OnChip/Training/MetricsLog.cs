using System.Text;
using System.Text.Json;

namespace OnChip.Training;

/// <summary>metrics.jsonl: one JSON object per epoch, appended and flushed as soon as the epoch ends.</summary>
internal sealed class MetricsLog(string path)
{
    public string Path { get; } = path;

    public void Append(EpochMetrics m, IReadOnlyDictionary<string, double>? extra = null) => AppendLine(Format(m, extra));

    public void AppendLine(string line)
    {
        var bytes = Encoding.UTF8.GetBytes(line + "\n");
        using var file = new FileStream(Path, FileMode.Append, FileAccess.Write, FileShare.Read);
        file.Write(bytes);
        file.Flush(flushToDisk: true);
    }

    /// <summary>The JSON line of one epoch (numbers rounded to 6 decimals; NaN as null).</summary>
    public static string Format(EpochMetrics m, IReadOnlyDictionary<string, double>? extra = null)
    {
        using var buffer = new MemoryStream();
        using (var json = new Utf8JsonWriter(buffer))
        {
            json.WriteStartObject();
            json.WriteNumber("epoch", m.Epoch);
            WriteNumber(json, "train_acc", m.TrainAccuracy);
            WriteNumber(json, "test_acc", m.TestAccuracy);
            WriteNumber(json, "train_loss", m.TrainLoss);
            WriteNumber(json, "test_loss", m.TestLoss);
            WriteNumber(json, "epoch_seconds", m.EpochSeconds);
            WriteNumber(json, "eval_seconds", m.EvalSeconds);
            WriteNumber(json, "examples_per_second", m.ExamplesPerSecond);
            WriteNumber(json, "lr", m.LearningRate);
            if (extra is not null)
                foreach (var (key, value) in extra) WriteNumber(json, key, value);
            json.WriteEndObject();
        }
        return Encoding.UTF8.GetString(buffer.ToArray());
    }

    /// <summary>JSON has no NaN: a missing value (e.g. no test set) is written as null.</summary>
    private static void WriteNumber(Utf8JsonWriter json, string name, double value)
    {
        if (double.IsFinite(value)) json.WriteNumber(name, Significant(value, 7));
        else json.WriteNull(name);
    }

    /// <summary>Rounds to a number of significant digits (energies of 3e-5 J and pulse counts of 3e9 keep their precision).</summary>
    public static double Significant(double value, int digits)
    {
        if (value == 0) return 0;
        int decimals = digits - 1 - (int)Math.Floor(Math.Log10(Math.Abs(value)));
        return decimals is >= 0 and <= 15 ? Math.Round(value, decimals) : value;
    }

    public static IReadOnlyList<Dictionary<string, JsonElement>> Read(string path) =>
        File.ReadLines(path, Encoding.UTF8)
            .Where(l => l.Length > 0)
            .Select(l => JsonSerializer.Deserialize<Dictionary<string, JsonElement>>(l)!)
            .ToList();

    /// <summary>
    /// Keeps the lines of epochs 1 … <paramref name="epochs"/> (dropping a torn last line or lines of epochs that will be
    /// trained again) and appends <paramref name="last"/> when the final one is missing. Rewrites the file atomically.
    /// </summary>
    public void Repair(int epochs, string? last)
    {
        var kept = new List<string>();
        if (File.Exists(Path))
        {
            foreach (var line in File.ReadLines(Path, Encoding.UTF8))
            {
                int? epoch = null;
                try { epoch = JsonDocument.Parse(line).RootElement.GetProperty("epoch").GetInt32(); }
                catch (Exception e) when (e is JsonException or KeyNotFoundException or InvalidOperationException) { }
                if (epoch == kept.Count + 1 && epoch <= epochs) kept.Add(line);
            }
        }
        if (kept.Count == epochs - 1 && last is not null) kept.Add(last);
        Persistence.AtomicFile.WriteAllText(Path, string.Concat(kept.Select(l => l + "\n")));
    }
}
