using System.Text.Json;
using OnChip.Persistence;

namespace OnChip.Rbm;

/// <summary>
/// <c>filters.json</c>: the receptive fields of the first hidden units, for drawing:
/// <c>{"width": 28, "height": 28, "filters": [[W_{0,0}, …, W_{783,0}], …]}</c>, one array of the image rows of W
/// (row-major pixels, label units left out) per hidden unit, for hidden units 0…min(count, hidden)−1.
/// </summary>
internal static class FilterFile
{
    public const string FileName = "filters.json";

    public static void Write(string path, RestrictedBoltzmannMachine rbm, int width, int height, int count = 100)
    {
        if (width * height != rbm.ImageSize)
            throw new ArgumentException($"{width}×{height} pixels do not match the {rbm.ImageSize} image units");
        int filters = Math.Min(count, rbm.Hidden);
        var w = rbm.W.Value;
        AtomicFile.Write(path, stream =>
        {
            using var json = new Utf8JsonWriter(stream);
            json.WriteStartObject();
            json.WriteNumber("width", width);
            json.WriteNumber("height", height);
            json.WriteStartArray("filters");
            for (int j = 0; j < filters; j++)
            {
                json.WriteStartArray();
                for (int i = 0; i < rbm.ImageSize; i++) json.WriteNumberValue(w[i, j]);
                json.WriteEndArray();
            }
            json.WriteEndArray();
            json.WriteEndObject();
        });
    }
}
