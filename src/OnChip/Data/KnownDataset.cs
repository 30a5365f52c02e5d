namespace OnChip.Data;

/// <summary>
/// A dataset with a well-known name (e.g. "fashion-mnist") that is looked for, in order, in
/// <c>$ONCHIP_DATA/NAME</c>, <c>~/.onchip/data/NAME</c> and <c>/usr/share/datasets/NAME</c>.
/// </summary>
/// <param name="Name">The spec that selects it and the directory name searched for.</param>
/// <param name="Format">The file layout expected in the directory.</param>
/// <param name="ClassNames">Class names of its labels.</param>
/// <param name="InstallHint">One sentence telling the user how to get the files, ending the not-found message.</param>
internal sealed record KnownDataset(string Name, IDatasetFormat Format, IReadOnlyList<string> ClassNames, string InstallHint)
{
    /// <summary>Zalando Research's Fashion-MNIST (MIT licence): 60,000 + 10,000 28×28 grey images of 10 clothing classes.</summary>
    public static KnownDataset FashionMnist { get; } = new(
        "fashion-mnist",
        IdxFormat.Instance,
        ["T-shirt/top", "Trouser", "Pullover", "Dress", "Coat", "Sandal", "Shirt", "Sneaker", "Bag", "Ankle boot"],
        "On Debian/Ubuntu install it with `sudo apt-get install dataset-fashion-mnist`; otherwise download "
        + "train-images-idx3-ubyte.gz, train-labels-idx1-ubyte.gz, t10k-images-idx3-ubyte.gz and t10k-labels-idx1-ubyte.gz "
        + "from https://github.com/zalandoresearch/fashion-mnist into one of those directories.");

    /// <summary>The MNIST handwritten digits: 60,000 + 10,000 28×28 grey images of the digits 0–9.</summary>
    public static KnownDataset Mnist { get; } = new(
        "mnist",
        IdxFormat.Instance,
        ["0", "1", "2", "3", "4", "5", "6", "7", "8", "9"],
        "Put the four standard MNIST files train-images-idx3-ubyte.gz, train-labels-idx1-ubyte.gz, t10k-images-idx3-ubyte.gz "
        + "and t10k-labels-idx1-ubyte.gz (from any MNIST mirror; raw or .gz) into one of those directories.");

    /// <summary>CIFAR-10, binary version: 50,000 + 10,000 32×32 colour images of 10 classes.</summary>
    public static KnownDataset Cifar10 { get; } = new(
        "cifar10",
        CifarFormat.Cifar10,
        ["airplane", "automobile", "bird", "cat", "deer", "dog", "frog", "horse", "ship", "truck"],
        "Put the files of the binary version (cifar-10-binary.tar.gz from https://www.cs.toronto.edu/~kriz/cifar.html, "
        + "i.e. data_batch_1.bin … data_batch_5.bin and test_batch.bin) into one of those directories.");

    /// <summary>CIFAR-100, binary version: 50,000 + 10,000 32×32 colour images of 100 classes (fine labels).</summary>
    public static KnownDataset Cifar100 { get; } = new(
        "cifar100",
        CifarFormat.Cifar100,
        Enumerable.Range(0, 100).Select(i => i.ToString()).ToArray(),
        "Put the files of the binary version (cifar-100-binary.tar.gz from https://www.cs.toronto.edu/~kriz/cifar.html, "
        + "i.e. train.bin and test.bin) into one of those directories.");

    /// <summary>The directories searched, in order, for this dataset (see <see cref="DatasetLoader.SearchDirectories"/>).</summary>
    public IReadOnlyList<string> SearchDirectories() => DatasetLoader.SearchDirectories(Name);

    /// <summary>Loads the dataset from the first of <see cref="SearchDirectories"/> that holds all its files.</summary>
    public DataSplit Load()
    {
        string? note = string.IsNullOrWhiteSpace(Environment.GetEnvironmentVariable(DatasetLoader.DataEnvironmentVariable))
            ? $"${DatasetLoader.DataEnvironmentVariable} is not set; set it to DIR to search DIR/{Name} first."
            : null;
        return Load(SearchDirectories(), note);
    }

    /// <summary>Loads the dataset from the first of <paramref name="directories"/> that holds all its files.</summary>
    public DataSplit Load(IEnumerable<string> directories) => Load(directories, null);

    private DataSplit Load(IEnumerable<string> directories, string? note)
    {
        var searched = new List<string>();
        foreach (string directory in directories)
        {
            if (!Directory.Exists(directory))
            {
                searched.Add($"{directory} (no such directory)");
                continue;
            }
            IReadOnlyList<string> missing = Format.MissingFiles(directory);
            if (missing.Count == 0) return Format.Load(directory, Name, ClassNames);
            searched.Add($"{directory} (lacks {string.Join(", ", missing)})");
        }
        string where = searched.Count == 0 ? "no directories to search" : "searched " + string.Join("; ", searched);
        return Fail(where, note);
    }

    private DataSplit Fail(string where, string? note) =>
        throw new DataException($"dataset {Name} not found: {where}. {(note is null ? "" : note + " ")}{InstallHint}");
}
