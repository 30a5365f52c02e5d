namespace OnChip.Data;

/// <summary>
/// Turns a dataset spec into a train/test split:
/// <list type="bullet">
/// <item><c>embedded</c> (the default): the Fashion-MNIST subset inside the assembly (<see cref="EmbeddedDataset"/>);</item>
/// <item>a known name (<c>fashion-mnist</c>, <c>mnist</c>): searched in <see cref="SearchDirectories"/>;</item>
/// <item>anything else: a directory holding the files of one of the <see cref="Formats"/>.</item>
/// </list>
/// New layouts (e.g. CIFAR-10) are added as an <see cref="IDatasetFormat"/> in <see cref="Formats"/> and, for a
/// well-known name, a <see cref="KnownDataset"/> in <see cref="KnownDatasets"/>.
/// </summary>
public static class DatasetLoader
{
    /// <summary>The dataset used when none is named: the embedded Fashion-MNIST subset.</summary>
    public const string DefaultSpec = EmbeddedDataset.Name;
    /// <summary>Environment variable naming a directory searched first for known datasets (as $ONCHIP_DATA/NAME).</summary>
    public const string DataEnvironmentVariable = "ONCHIP_DATA";
    /// <summary>System-wide dataset root used by Debian's dataset-* packages.</summary>
    public const string SystemDataRoot = "/usr/share/datasets";

    internal static IReadOnlyList<KnownDataset> KnownDatasets { get; } = [KnownDataset.FashionMnist, KnownDataset.Mnist, KnownDataset.Cifar10, KnownDataset.Cifar100];

    /// <summary>Directory layouts tried, in order, for a directory spec.</summary>
    internal static IReadOnlyList<IDatasetFormat> Formats { get; } = [IdxFormat.Instance, CifarFormat.Cifar10, CifarFormat.Cifar100];

    /// <summary>Loads the dataset named by <paramref name="spec"/> (null or blank means <see cref="DefaultSpec"/>).</summary>
    public static DataSplit Load(string? spec = null)
    {
        spec = string.IsNullOrWhiteSpace(spec) ? DefaultSpec : spec.Trim();
        if (spec == EmbeddedDataset.Name) return EmbeddedDataset.Load();
        if (GeneratedDatasets.TryLoad(spec) is { } generated) return generated;
        foreach (KnownDataset known in KnownDatasets)
            if (spec == known.Name) return known.Load();
        return LoadDirectory(spec);
    }

    /// <summary>
    /// Where a known dataset is looked for, in order: <c>$ONCHIP_DATA/NAME</c> (when the variable is set),
    /// <c>~/.onchip/data/NAME</c> (when the home directory is known), <c>/usr/share/datasets/NAME</c>.
    /// </summary>
    public static IReadOnlyList<string> SearchDirectories(string datasetName)
    {
        var directories = new List<string>(3);
        string? root = Environment.GetEnvironmentVariable(DataEnvironmentVariable);
        if (!string.IsNullOrWhiteSpace(root)) directories.Add(Path.Combine(Path.GetFullPath(root), datasetName));
        string home = Environment.GetFolderPath(Environment.SpecialFolder.UserProfile);
        if (!string.IsNullOrEmpty(home)) directories.Add(Path.Combine(home, ".onchip", "data", datasetName));
        directories.Add(Path.Combine(SystemDataRoot, datasetName));
        return directories;
    }

    /// <summary>Loads a dataset from a directory in one of the <see cref="Formats"/>; it is named after the directory.</summary>
    public static DataSplit LoadDirectory(string directory)
    {
        string full = Path.GetFullPath(directory);
        string names = $"'{EmbeddedDataset.Name}', {string.Join(", ", KnownDatasets.Select(k => $"'{k.Name}'"))}";
        if (!Directory.Exists(full))
        {
            string what = File.Exists(full) ? "is a file, not a directory" : "does not exist";
            throw new DataException($"dataset '{directory}': {full} {what}; a dataset is {names} or a directory holding {Formats[0].ExpectedFiles}");
        }
        string name = Path.GetFileName(Path.TrimEndingDirectorySeparator(full));
        if (name.Length == 0) name = full;
        IReadOnlyList<string>? fewestMissing = null;
        IDatasetFormat? closest = null;
        foreach (IDatasetFormat format in Formats)
        {
            IReadOnlyList<string> missing = format.MissingFiles(full);
            if (missing.Count == 0) return format.Load(full, name, null);
            if (fewestMissing is null || missing.Count < fewestMissing.Count) (fewestMissing, closest) = (missing, format);
        }
        throw new DataException($"dataset directory {full} is missing {string.Join(", ", fewestMissing!)}; the {closest!.Name} format needs {closest.ExpectedFiles}");
    }
}
