using OnChip.Data;
using static OnChip.Tests.Data.IdxTestFiles;

namespace OnChip.Tests.Data;

/// <summary>Directory specs and explicit search lists; nothing here reads $ONCHIP_DATA (see DataEnvironmentTests).</summary>
public sealed class DatasetLoaderTests : IDisposable
{
    private readonly TempDirectory _dir = new();

    public void Dispose() => _dir.Dispose();

    [Theory]
    [InlineData(true, false)]
    [InlineData(false, false)]
    [InlineData(true, true)]
    [InlineData(false, true)]
    public void Directory_spec_loads_the_four_files(bool gzip, bool dotted)
    {
        string directory = Path.Combine(_dir.Path, "tiny-set");
        WriteDataset(directory, trainCount: 9, testCount: 4, gzip: gzip, dotted: dotted);

        DataSplit split = DatasetLoader.Load(directory);

        Assert.Equal("tiny-set/train", split.Train.Name);
        Assert.Equal("tiny-set/test", split.Test.Name);
        Assert.Equal(directory, split.Source);
        Assert.Equal((9, 4), (split.Train.Count, split.Test.Count));
        Assert.Equal((1, 4, 3, 12, 10), (split.Train.Channels, split.Train.Height, split.Train.Width, split.Train.FeatureCount, split.Train.ClassCount));
        Assert.Equal(LabelValues(9), split.Train.Labels);
        Assert.Equal(LabelValues(4), split.Test.Labels);
        Assert.Equal(Pixel(8, 3, 2) / 255f, split.Train.Example(8)[11]);
        Assert.Equal(Pixel(3, 0, 1) / 255f, split.Test.Example(3)[1]);
    }

    [Fact]
    public void Directory_spec_with_trailing_separator_is_named_after_the_directory()
    {
        string directory = Path.Combine(_dir.Path, "named");
        WriteDataset(directory, 2, 2);

        Assert.Equal("named/train", DatasetLoader.Load(directory + Path.DirectorySeparatorChar).Train.Name);
    }

    [Fact]
    public void Missing_directory_says_which_and_what_a_spec_can_be()
    {
        string directory = Path.Combine(_dir.Path, "absent");

        var ex = Assert.Throws<DataException>(() => DatasetLoader.Load(directory));

        AssertOneLine(ex, directory, "does not exist", "'embedded'", "'fashion-mnist'", "'mnist'", "train-images-idx3-ubyte");
    }

    [Fact]
    public void A_file_instead_of_a_directory_is_reported()
    {
        string file = _dir.Write("train-images-idx3-ubyte.gz", Gzip(Images(1, 2, 2)));

        var ex = Assert.Throws<DataException>(() => DatasetLoader.Load(file));

        AssertOneLine(ex, file, "is a file, not a directory");
    }

    [Fact]
    public void Directory_with_missing_files_lists_exactly_those()
    {
        string directory = Path.Combine(_dir.Path, "partial");
        WriteDataset(directory, 3, 2);
        File.Delete(Path.Combine(directory, "train-labels-idx1-ubyte.gz"));
        File.Delete(Path.Combine(directory, "t10k-images-idx3-ubyte.gz"));

        var ex = Assert.Throws<DataException>(() => DatasetLoader.Load(directory));

        AssertOneLine(ex, directory, "is missing train-labels-idx1-ubyte[.gz], t10k-images-idx3-ubyte[.gz];");
        Assert.DoesNotContain("missing train-images", ex.Message);
        Assert.DoesNotContain("t10k-labels-idx1-ubyte[.gz]", ex.Message);
    }

    [Fact]
    public void Count_mismatch_between_test_images_and_labels_names_both_files()
    {
        string directory = Path.Combine(_dir.Path, "mismatch");
        WriteDataset(directory, 3, 2, gzip: false);
        File.WriteAllBytes(Path.Combine(directory, "t10k-labels-idx1-ubyte"), Labels(LabelValues(3)));

        var ex = Assert.Throws<DataException>(() => DatasetLoader.Load(directory));

        AssertOneLine(ex, "count mismatch", Path.Combine(directory, "t10k-images-idx3-ubyte"), "2 images",
            Path.Combine(directory, "t10k-labels-idx1-ubyte"), "3 labels");
    }

    [Fact]
    public void A_broken_file_in_a_directory_is_reported_with_its_path()
    {
        string directory = Path.Combine(_dir.Path, "broken");
        WriteDataset(directory, 3, 2, gzip: false);
        byte[] labels = LabelValues(3);
        labels[1] = 200;
        File.WriteAllBytes(Path.Combine(directory, "train-labels-idx1-ubyte"), Labels(labels));

        var ex = Assert.Throws<DataException>(() => DatasetLoader.Load(directory));

        AssertOneLine(ex, Path.Combine(directory, "train-labels-idx1-ubyte"), "label 200 at index 1", "allowed 0..9");
    }

    [Fact]
    public void Known_dataset_not_found_lists_each_directory_and_how_to_install()
    {
        string empty = Path.Combine(_dir.Path, "empty");
        string partial = Path.Combine(_dir.Path, "partial");
        Directory.CreateDirectory(empty);
        WriteDataset(partial, 2, 2);
        File.Delete(Path.Combine(partial, "t10k-labels-idx1-ubyte.gz"));
        string absent = Path.Combine(_dir.Path, "absent");

        var ex = Assert.Throws<DataException>(() => KnownDataset.FashionMnist.Load([absent, empty, partial]));

        AssertOneLine(ex, "dataset fashion-mnist not found",
            $"{absent} (no such directory)",
            $"{empty} (lacks train-images-idx3-ubyte[.gz], train-labels-idx1-ubyte[.gz], t10k-images-idx3-ubyte[.gz], t10k-labels-idx1-ubyte[.gz])",
            $"{partial} (lacks t10k-labels-idx1-ubyte[.gz])",
            "sudo apt-get install dataset-fashion-mnist", "https://github.com/zalandoresearch/fashion-mnist");
    }

    [Fact]
    public void Known_dataset_loads_from_the_first_complete_directory()
    {
        string partial = Path.Combine(_dir.Path, "a");
        string complete = Path.Combine(_dir.Path, "b");
        string later = Path.Combine(_dir.Path, "c");
        WriteDataset(partial, 2, 2);
        File.Delete(Path.Combine(partial, "train-images-idx3-ubyte.gz"));
        WriteDataset(complete, 5, 3);
        WriteDataset(later, 7, 3);

        DataSplit split = KnownDataset.Mnist.Load([partial, complete, later]);

        Assert.Equal(complete, split.Source);
        Assert.Equal("mnist/train", split.Train.Name);
        Assert.Equal(5, split.Train.Count);
    }

    [Fact]
    public void Mnist_not_found_explains_where_to_put_the_files()
    {
        var ex = Assert.Throws<DataException>(() => KnownDataset.Mnist.Load([Path.Combine(_dir.Path, "mnist")]));

        AssertOneLine(ex, "dataset mnist not found", "train-images-idx3-ubyte.gz", "t10k-labels-idx1-ubyte.gz", "into one of those directories");
    }

    [Fact]
    public void Fashion_mnist_class_names()
    {
        Assert.Equal("T-shirt/top", KnownDataset.FashionMnist.ClassNames[0]);
        Assert.Equal("Ankle boot", KnownDataset.FashionMnist.ClassNames[9]);
    }
}
