using System.Text;
using System.Text.Json;

namespace OnChip.Training;

/// <summary>metrics.jsonl: one JSON object per epoch, appended and flushed as soon as the epoch ends.</summary>
public sealed class MetricsLog(string path)
{
    public string Path { get; } = path;

    public void Append(EpochMetrics m, IReadOnlyDictionary<string, double>? extra = null)
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
        buffer.WriteByte((byte)'\n');
        using var file = new FileStream(Path, FileMode.Append, FileAccess.Write, FileShare.Read);
        file.Write(buffer.GetBuffer(), 0, (int)buffer.Length);
        file.Flush(flushToDisk: true);
    }

    /// <summary>JSON has no NaN: a missing value (e.g. no test set) is written as null.</summary>
    private static void WriteNumber(Utf8JsonWriter json, string name, double value)
    {
        if (double.IsFinite(value)) json.WriteNumber(name, Math.Round(value, 6));
        else json.WriteNull(name);
    }

    public static IReadOnlyList<Dictionary<string, JsonElement>> Read(string path) =>
        File.ReadLines(path, Encoding.UTF8)
            .Where(l => l.Length > 0)
            .Select(l => JsonSerializer.Deserialize<Dictionary<string, JsonElement>>(l)!)
            .ToList();
}
