namespace OnChip.Data;

/// <summary>
/// A file layout a dataset directory can be in. <see cref="IdxFormat"/> (MNIST-style IDX files) is the only one so
/// far; another layout (e.g. CIFAR-10's binary batches) is another implementation added to
/// <see cref="DatasetLoader.Formats"/>, plus a <see cref="KnownDataset"/> entry if it has a well-known name.
/// </summary>
internal interface IDatasetFormat
{
    /// <summary>Short name for messages, e.g. "IDX".</summary>
    string Name { get; }

    /// <summary>One line describing the files a directory needs, for error messages.</summary>
    string ExpectedFiles { get; }

    /// <summary>The required files <paramref name="directory"/> lacks (empty when it is complete), in display form.</summary>
    IReadOnlyList<string> MissingFiles(string directory);

    /// <summary>Loads the train/test split from a directory for which <see cref="MissingFiles"/> is empty.</summary>
    /// <param name="name">Dataset name; the splits are named "<paramref name="name"/>/train" and "/test".</param>
    /// <param name="classNames">Class names, or null for the format's default.</param>
    DataSplit Load(string directory, string name, IReadOnlyList<string>? classNames);
}
