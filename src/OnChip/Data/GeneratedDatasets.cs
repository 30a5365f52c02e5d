using OnChip.Randomness;

namespace OnChip.Data;

/// <summary>
/// Small classic datasets generated on the fly (always the same examples: a fixed seed), shaped like what a
/// crossbar chip can hold: <c>moons</c> (two interleaved half circles, 2 inputs, 2 classes, 400 train / 200 test,
/// noise σ = 0.1, as scikit-learn's make_moons) and <c>blobs</c> (3 Gaussian clusters in 4 dimensions, an Iris-sized
/// problem: 300 train / 150 test). Features are mapped into [0, 1].
/// </summary>
public static class GeneratedDatasets
{
    public static IReadOnlyList<string> Names { get; } = ["moons", "blobs"];

    public static DataSplit? TryLoad(string spec) => spec switch
    {
        "moons" => new DataSplit(Moons("moons/train", 400, 11), Moons("moons/test", 200, 12)),
        "blobs" => new DataSplit(Blobs("blobs/train", 300, 21), Blobs("blobs/test", 150, 22)),
        _ => null,
    };

    private static Dataset Moons(string name, int count, ulong seed)
    {
        var rng = new Rng(seed);
        var features = new float[count * 2];
        var labels = new byte[count];
        for (int i = 0; i < count; i++)
        {
            int label = i % 2;
            double t = Math.PI * rng.NextDouble();
            double x = label == 0 ? Math.Cos(t) : 1 - Math.Cos(t);
            double y = label == 0 ? Math.Sin(t) : 0.5 - Math.Sin(t);
            x += 0.1 * rng.NextGaussian();
            y += 0.1 * rng.NextGaussian();
            features[2 * i] = (float)Math.Clamp((x + 1.5) / 4.0, 0, 1);
            features[2 * i + 1] = (float)Math.Clamp((y + 1.0) / 2.5, 0, 1);
            labels[i] = (byte)label;
        }
        return new Dataset(name, 1, 1, 2, 2, features, labels, ["upper", "lower"], "generated (two moons)");
    }

    private static readonly double[][] Centers = [[0.25, 0.65, 0.20, 0.15], [0.55, 0.35, 0.55, 0.50], [0.70, 0.45, 0.80, 0.80]];

    private static Dataset Blobs(string name, int count, ulong seed)
    {
        var rng = new Rng(seed);
        var features = new float[count * 4];
        var labels = new byte[count];
        for (int i = 0; i < count; i++)
        {
            int label = i % 3;
            for (int f = 0; f < 4; f++)
                features[4 * i + f] = (float)Math.Clamp(Centers[label][f] + 0.09 * rng.NextGaussian(), 0, 1);
            labels[i] = (byte)label;
        }
        return new Dataset(name, 1, 1, 4, 3, features, labels, ["a", "b", "c"], "generated (Gaussian blobs)");
    }
}
