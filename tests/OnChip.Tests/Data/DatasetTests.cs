using OnChip.Data;
using static OnChip.Tests.Data.IdxTestFiles;

namespace OnChip.Tests.Data;

public sealed class DatasetTests
{
    private static Dataset Small(int count = 6) =>
        Dataset.FromPixels("tiny/train", 1, 4, 3, 10, ImagePixels(count, 4, 3), LabelValues(count), source: "somewhere");

    [Fact]
    public void FromPixels_divides_each_pixel_by_255()
    {
        byte[] pixels = Enumerable.Range(0, 256).Select(i => (byte)i).ToArray();
        pixels = [.. pixels, .. pixels, .. pixels, .. pixels]; // 4 examples of 1x16x16

        var data = Dataset.FromPixels("all-values", 1, 16, 16, 10, pixels, [0, 1, 2, 9]);

        Assert.Equal(4, data.Count);
        Assert.Equal(256, data.FeatureCount);
        for (int i = 0; i < pixels.Length; i++) Assert.Equal(pixels[i] / 255f, data.Features[i]);
        Assert.Equal(0f, data.Features.Min());
        Assert.Equal(1f, data.Features.Max());
    }

    [Fact]
    public void Large_conversion_split_across_chunks_matches_scalar()
    {
        var pixels = new byte[3_000_000 + 17];
        new Random(5).NextBytes(pixels);
        var features = PixelConversion.ToUnitRange(pixels);
        for (int i = 0; i < pixels.Length; i += 997) Assert.Equal(pixels[i] / 255f, features[i]);
        Assert.Equal(pixels[^1] / 255f, features[^1]);
    }

    [Fact]
    public void Shape_and_accessors()
    {
        Dataset data = Small();

        Assert.Equal("tiny/train", data.Name);
        Assert.Equal("somewhere", data.Source);
        Assert.Equal(6, data.Count);
        Assert.Equal((1, 4, 3, 12, 10), (data.Channels, data.Height, data.Width, data.FeatureCount, data.ClassCount));
        Assert.Equal(6 * 12, data.Features.Length);
        Assert.Equal(10, data.ClassNames.Count);
        Assert.Equal("7", data.ClassNames[7]);
        Assert.Equal(Pixel(2, 1, 2) / 255f, data.Example(2)[1 * 3 + 2]);
        Assert.Equal(data.Features.AsSpan(24, 36).ToArray(), data.Examples(2, 3).ToArray());
        Assert.Throws<ArgumentOutOfRangeException>(() => data.Example(6).Length);
        Assert.Throws<ArgumentOutOfRangeException>(() => data.Examples(4, 3).Length);
        Assert.Equal([1, 1, 0, 0, 1, 1, 0, 1, 1, 0], data.ClassCounts()); // labels 0,7,4,1,8,5
    }

    [Fact]
    public void Take_copies_the_first_examples()
    {
        Dataset data = Small();

        Dataset first = data.Take(4);

        Assert.Equal(4, first.Count);
        Assert.Equal(data.Name, first.Name);
        Assert.Equal(data.Features.AsSpan(0, 4 * 12).ToArray(), first.Features);
        Assert.Equal(data.Labels.AsSpan(0, 4).ToArray(), first.Labels);
        first.Features[0] = 42f;
        Assert.NotEqual(42f, data.Features[0]);
        Assert.Same(data, data.Take(6));
        Assert.Equal(0, data.Take(0).Count);
    }

    [Fact]
    public void Take_more_than_exist_says_how_many_exist()
    {
        var ex = Assert.Throws<DataException>(() => Small().Take(70000));

        AssertOneLine(ex, "70000", "tiny/train has only 6");
    }

    [Fact]
    public void Take_negative_is_an_error()
    {
        var ex = Assert.Throws<DataException>(() => Small().Take(-1));

        AssertOneLine(ex, "-1", "tiny/train");
    }

    [Fact]
    public void Constructor_rejects_inconsistent_arrays_and_labels()
    {
        Assert.Throws<ArgumentException>(() => new Dataset("bad", 1, 2, 2, 10, new float[7], new byte[2]));
        Assert.Throws<ArgumentException>(() => new Dataset("bad", 1, 2, 2, 10, new float[8], [0, 10]));
        Assert.Throws<ArgumentException>(() => new Dataset("bad", 0, 2, 2, 10, new float[0], []));
        Assert.Throws<ArgumentException>(() => new Dataset("bad", 1, 2, 2, 3, new float[4], [0], ["a", "b"]));
    }
}
