using OnChip.Data;
using static OnChip.Tests.Data.IdxTestFiles;

namespace OnChip.Tests.Data;

/// <summary>Tests that set the process-wide ONCHIP_DATA variable run alone, never beside other tests.</summary>
[CollectionDefinition(Name, DisableParallelization = true)]
public sealed class DataEnvironmentCollection
{
    public const string Name = "ONCHIP_DATA environment variable";
}

[Collection(DataEnvironmentCollection.Name)]
public sealed class DataEnvironmentTests : IDisposable
{
    private readonly TempDirectory _dir = new();
    private readonly string? _saved = Environment.GetEnvironmentVariable(DatasetLoader.DataEnvironmentVariable);

    public void Dispose()
    {
        Environment.SetEnvironmentVariable(DatasetLoader.DataEnvironmentVariable, _saved);
        _dir.Dispose();
    }

    [Fact]
    public void Search_order_is_env_then_home_then_system()
    {
        Environment.SetEnvironmentVariable(DatasetLoader.DataEnvironmentVariable, _dir.Path);
        string home = Environment.GetFolderPath(Environment.SpecialFolder.UserProfile);

        IReadOnlyList<string> dirs = DatasetLoader.SearchDirectories("fashion-mnist");

        Assert.Equal(Path.Combine(_dir.Path, "fashion-mnist"), dirs[0]);
        Assert.Equal("/usr/share/datasets/fashion-mnist", dirs[^1]);
        if (!string.IsNullOrEmpty(home)) Assert.Equal(Path.Combine(home, ".onchip", "data", "fashion-mnist"), dirs[1]);
    }

    [Fact]
    public void Search_skips_an_unset_or_blank_variable()
    {
        Environment.SetEnvironmentVariable(DatasetLoader.DataEnvironmentVariable, null);
        Assert.DoesNotContain(DatasetLoader.SearchDirectories("mnist"), d => d.StartsWith(_dir.Path, StringComparison.Ordinal));
        Assert.Equal("/usr/share/datasets/mnist", DatasetLoader.SearchDirectories("mnist")[^1]);

        Environment.SetEnvironmentVariable(DatasetLoader.DataEnvironmentVariable, "   ");
        Assert.Equal("/usr/share/datasets/mnist", DatasetLoader.SearchDirectories("mnist")[^1]);
    }

    [Theory]
    [InlineData("fashion-mnist")]
    [InlineData("mnist")]
    public void Known_name_is_found_first_under_ONCHIP_DATA(string name)
    {
        string directory = Path.Combine(_dir.Path, name);
        WriteDataset(directory, trainCount: 8, testCount: 3);
        Environment.SetEnvironmentVariable(DatasetLoader.DataEnvironmentVariable, _dir.Path);

        DataSplit split = DatasetLoader.Load(name);

        Assert.Equal(directory, split.Source);
        Assert.Equal($"{name}/train", split.Train.Name);
        Assert.Equal((8, 3), (split.Train.Count, split.Test.Count));
    }

    [MnistNotInstalledFact] // where MNIST is installed elsewhere, the search would (rightly) succeed
    public void Incomplete_ONCHIP_DATA_directory_is_skipped_and_reported()
    {
        string directory = Path.Combine(_dir.Path, "mnist");
        WriteDataset(directory, 2, 2);
        File.Delete(Path.Combine(directory, "train-labels-idx1-ubyte.gz"));
        Environment.SetEnvironmentVariable(DatasetLoader.DataEnvironmentVariable, _dir.Path);

        var ex = Assert.Throws<DataException>(() => DatasetLoader.Load("mnist"));

        AssertOneLine(ex, "dataset mnist not found", $"{directory} (lacks train-labels-idx1-ubyte[.gz])", "/usr/share/datasets/mnist (no such directory)");
        Assert.DoesNotContain("is not set", ex.Message);
    }

    [MnistNotInstalledFact]
    public void Not_found_with_ONCHIP_DATA_unset_suggests_setting_it()
    {
        Environment.SetEnvironmentVariable(DatasetLoader.DataEnvironmentVariable, null);

        var ex = Assert.Throws<DataException>(() => DatasetLoader.Load("mnist"));

        AssertOneLine(ex, "dataset mnist not found", "$ONCHIP_DATA is not set");
    }
}
