using OnChip.Randomness;

namespace OnChip.Data;

/// <summary>
/// Small classic datasets generated on the fly (always the same examples: a fixed seed), shaped like what a
/// crossbar chip can hold: <c>moons</c> (two interleaved half circles, 2 inputs, 2 classes, 400 train / 200 test,
/// noise σ = 0.1, as scikit-learn's make_moons) and <c>blobs</c> (3 Gaussian clusters in 4 dimensions, an Iris-sized
/// problem: 300 train / 150 test) and <c>bars</c> (8×8 images of a horizontal, vertical, diagonal or anti-diagonal
/// bar at a random place, with noise: 4 classes, 400 train / 200 test; small enough for a SPICE simulation of a
/// resistive network). Features are mapped into [0, 1].
/// </summary>
internal static class GeneratedDatasets
{
    public static IReadOnlyList<string> Names { get; } = ["moons", "blobs", "bars"];

    public static DataSplit? TryLoad(string spec) => spec switch
    {
        "moons" => new DataSplit(Moons("moons/train", 400, 11), Moons("moons/test", 200, 12)),
        "blobs" => new DataSplit(Blobs("blobs/train", 300, 21), Blobs("blobs/test", 150, 22)),
        "bars" => new DataSplit(Bars("bars/train", 400, 31), Bars("bars/test", 200, 32)),
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

    private static Dataset Bars(string name, int count, ulong seed)
    {
        const int side = 8;
        var rng = new Rng(seed);
        var features = new float[count * side * side];
        var labels = new byte[count];
        for (int n = 0; n < count; n++)
        {
            int label = n % 4, offset = rng.NextInt(side);
            var image = features.AsSpan(n * side * side, side * side);
            for (int p = 0; p < image.Length; p++) image[p] = (float)(0.15 * rng.NextDouble());
            for (int t = 0; t < side; t++)
            {
                var (row, col) = label switch
                {
                    0 => (offset, t),                              // horizontal
                    1 => (t, offset),                              // vertical
                    2 => (t, (t + offset) % side),                 // diagonal (wrapping)
                    _ => (t, (side - 1 - t + offset) % side),      // anti-diagonal
                };
                image[row * side + col] = (float)Math.Clamp(0.8 + 0.2 * rng.NextDouble(), 0, 1);
            }
            labels[n] = (byte)label;
        }
        return new Dataset(name, 1, side, side, 4, features, labels, ["horizontal", "vertical", "diagonal", "anti-diagonal"], "generated (8×8 bars)");
    }
}
