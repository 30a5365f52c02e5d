namespace OnChip.Data;

/// <summary>
/// Per-channel standardisation x ← (x − mean_c) / std_c with statistics of the training set, the usual
/// preprocessing of CIFAR conv nets (Laborieux 2021). The same statistics are applied to the test set and saved
/// with the model so that evaluation sees the same inputs.
/// </summary>
internal sealed record ChannelNormalization(float[] Mean, float[] Std)
{
    /// <summary>Mean and standard deviation of each channel over every pixel of every example (computed in double).</summary>
    public static ChannelNormalization Of(Dataset data)
    {
        int c = data.Channels, plane = data.Height * data.Width;
        var sum = new double[c];
        var squares = new double[c];
        for (int i = 0; i < data.Count; i++)
        {
            var x = data.Example(i);
            for (int ch = 0; ch < c; ch++)
                foreach (float v in x.Slice(ch * plane, plane)) { sum[ch] += v; squares[ch] += (double)v * v; }
        }
        double n = (double)data.Count * plane;
        var mean = sum.Select(s => (float)(s / n)).ToArray();
        var std = Enumerable.Range(0, c).Select(ch => (float)Math.Sqrt(Math.Max(squares[ch] / n - (sum[ch] / n) * (sum[ch] / n), 1e-12))).ToArray();
        return new ChannelNormalization(mean, std);
    }

    /// <summary>A normalised copy of <paramref name="data"/> (examples are channel-major, C×H×W).</summary>
    public Dataset Apply(Dataset data)
    {
        if (data.Channels != Mean.Length)
            throw new DataException($"{data.Name}: {data.Channels} channels, but the normalisation has {Mean.Length}");
        int plane = data.Height * data.Width;
        var features = (float[])data.Features.Clone();
        for (int i = 0; i < data.Count; i++)
            for (int ch = 0; ch < Mean.Length; ch++)
            {
                var span = features.AsSpan(i * data.FeatureCount + ch * plane, plane);
                System.Numerics.Tensors.TensorPrimitives.Subtract(span, Mean[ch], span);
                System.Numerics.Tensors.TensorPrimitives.Divide(span, Std[ch], span);
            }
        return new Dataset(data.Name, data.Channels, data.Height, data.Width, data.ClassCount, features, data.Labels, data.ClassNames, data.Source);
    }

    public DataSplit Apply(DataSplit split) => new(Apply(split.Train), Apply(split.Test));

    /// <summary>The statistics a model file's metadata holds (normalize_mean, normalize_std), or null.</summary>
    public static ChannelNormalization? FromMetadata(System.Text.Json.Nodes.JsonObject metadata)
    {
        if (metadata["normalize_mean"]?.GetValue<string>() is not { } mean || metadata["normalize_std"]?.GetValue<string>() is not { } std) return null;
        static float[] Floats(string text) => text.Split(',').Select(v => float.Parse(v, System.Globalization.CultureInfo.InvariantCulture)).ToArray();
        return new ChannelNormalization(Floats(mean), Floats(std));
    }
}
