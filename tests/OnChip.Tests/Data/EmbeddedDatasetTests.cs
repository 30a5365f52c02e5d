using System.IO.Compression;
using OnChip.Data;

namespace OnChip.Tests.Data;

public sealed class EmbeddedDatasetTests
{
    private static readonly Lazy<DataSplit> Embedded = new(() => DatasetLoader.Load("embedded"));

    [Fact]
    public void Embedded_subset_has_6000_train_and_1000_test_examples_of_28x28()
    {
        DataSplit split = Embedded.Value;

        Assert.Equal("embedded/train", split.Train.Name);
        Assert.Equal("embedded/test", split.Test.Name);
        Assert.Equal(EmbeddedDataset.SourceDescription, split.Source);
        foreach (Dataset data in new[] { split.Train, split.Test })
        {
            Assert.Equal((1, 28, 28, 784, 10), (data.Channels, data.Height, data.Width, data.FeatureCount, data.ClassCount));
            Assert.Equal(data.Count * 784, data.Features.Length);
            Assert.All(data.Labels, label => Assert.InRange(label, (byte)0, (byte)9));
            Assert.Equal(0f, data.Features.Min());
            Assert.Equal(1f, data.Features.Max());
            Assert.Equal("T-shirt/top", data.ClassNames[0]);
        }
        Assert.Equal(6000, split.Train.Count);
        Assert.Equal(1000, split.Test.Count);
    }

    [Fact]
    public void Embedded_class_balance_matches_the_readme()
    {
        DataSplit split = Embedded.Value;

        Assert.Equal([560, 643, 608, 612, 584, 594, 590, 617, 590, 602], split.Train.ClassCounts());
        Assert.Equal([107, 105, 111, 93, 115, 87, 97, 95, 95, 95], split.Test.ClassCounts());
    }

    [Fact]
    public void Default_spec_is_embedded()
    {
        Assert.Equal("embedded", DatasetLoader.DefaultSpec);
        Assert.Equal("embedded/train", DatasetLoader.Load().Train.Name);
        Assert.Equal("embedded/train", DatasetLoader.Load("  ").Train.Name);
    }

    [Fact]
    public void Resources_have_stable_names()
    {
        string[] names = typeof(Dataset).Assembly.GetManifestResourceNames();
        foreach (string name in new[]
                 {
                     "OnChip.Data.Embedded.train-images-idx3-ubyte.gz", "OnChip.Data.Embedded.train-labels-idx1-ubyte.gz",
                     "OnChip.Data.Embedded.t10k-images-idx3-ubyte.gz", "OnChip.Data.Embedded.t10k-labels-idx1-ubyte.gz",
                 })
            Assert.Contains(name, names);
        Assert.Equal(names.Where(n => n.StartsWith(EmbeddedDataset.ResourcePrefix, StringComparison.Ordinal)).Order(), EmbeddedDataset.ResourceNames.Order());
    }

    /// <summary>
    /// Compares with the files of the full dataset (Debian's package, or $ONCHIP_DATA/fashion-mnist); skipped, with
    /// the reason, where it is not installed.
    /// </summary>
    [FashionMnistFact]
    public void First_examples_equal_system_fashion_mnist_when_installed_else_skipped()
    {
        string fashionMnist = FashionMnistFactAttribute.Directory;
        DataSplit split = Embedded.Value;

        foreach (var (data, prefix) in new[] { (split.Train, "train"), (split.Test, "t10k") })
        {
            byte[] images = ReadPrefix(IdxFormat.FindFile(fashionMnist, $"{prefix}-images-idx3-ubyte")!, 16 + 2 * 784);
            byte[] labels = ReadPrefix(IdxFormat.FindFile(fashionMnist, $"{prefix}-labels-idx1-ubyte")!, 8 + 2);
            for (int i = 0; i < 2 * 784; i++) Assert.Equal(images[16 + i] / 255f, data.Features[i]);
            Assert.Equal(labels[8], data.Labels[0]);
            Assert.Equal(labels[9], data.Labels[1]);
        }
    }

    /// <summary>Loads all 70,000 examples of the full dataset; skipped, with the reason, where it is not installed.</summary>
    [FashionMnistFact]
    public void Full_system_fashion_mnist_loads_when_installed_else_skipped()
    {
        DataSplit full = KnownDataset.FashionMnist.Load([FashionMnistFactAttribute.Directory]);

        Assert.Equal((60000, 10000), (full.Train.Count, full.Test.Count));
        Assert.Equal("fashion-mnist/train", full.Train.Name);
        Assert.All(full.Train.ClassCounts(), c => Assert.Equal(6000, c));
        Assert.All(full.Test.ClassCounts(), c => Assert.Equal(1000, c));
        Assert.Equal(Embedded.Value.Train.Features, full.Train.Take(6000).Features);
        Assert.Equal(Embedded.Value.Test.Labels, full.Test.Take(1000).Labels);
        var ex = Assert.Throws<DataException>(() => full.Train.Take(70000));
        Assert.Equal("cannot take 70000 examples: fashion-mnist/train has only 60000", ex.Message);
    }

    /// <summary>The first bytes of an IDX file, raw or .gz.</summary>
    private static byte[] ReadPrefix(string path, int length)
    {
        using Stream file = File.OpenRead(path);
        using Stream stream = path.EndsWith(".gz", StringComparison.Ordinal) ? new GZipStream(file, CompressionMode.Decompress) : file;
        var bytes = new byte[length];
        stream.ReadExactly(bytes);
        return bytes;
    }
}
