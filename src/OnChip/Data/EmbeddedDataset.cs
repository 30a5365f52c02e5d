namespace OnChip.Data;

/// <summary>
/// The Fashion-MNIST subset compiled into the OnChip assembly: the first 6,000 training and the first 1,000 test
/// examples, stored as gzip-compressed IDX files (see data/embedded/README.md and scripts/make-embedded-data.sh).
/// It is the default dataset, so OnChip runs without anything installed.
/// </summary>
internal static class EmbeddedDataset
{
    public const string Name = "embedded";
    public const int TrainCount = 6000;
    public const int TestCount = 1000;
    /// <summary>Prefix of the manifest resource names; the file name follows, e.g. "OnChip.Data.Embedded.train-images-idx3-ubyte.gz".</summary>
    public const string ResourcePrefix = "OnChip.Data.Embedded.";
    public const string SourceDescription = "embedded resources of OnChip";

    /// <summary>The manifest resource names of the four files, in the order train images, train labels, test images, test labels.</summary>
    public static IReadOnlyList<string> ResourceNames { get; } =
        IdxFormat.StandardFileNames.Select(f => ResourcePrefix + f + ".gz").ToArray();

    /// <summary>Reads the embedded subset (a fresh copy each call; about 30 ms).</summary>
    public static DataSplit Load()
    {
        string trainImages = ResourceNames[0], trainLabels = ResourceNames[1], testImages = ResourceNames[2], testLabels = ResourceNames[3];
        return IdxFormat.LoadSplit(
            () => Read(trainImages, s => IdxReader.ReadImages(s, Describe(trainImages))), Describe(trainLabels),
            () => Read(trainLabels, s => IdxReader.ReadLabels(s, Describe(trainLabels), IdxFormat.ClassCount)),
            () => Read(testImages, s => IdxReader.ReadImages(s, Describe(testImages))), Describe(testLabels),
            () => Read(testLabels, s => IdxReader.ReadLabels(s, Describe(testLabels), IdxFormat.ClassCount)),
            Name, KnownDataset.FashionMnist.ClassNames, SourceDescription);
    }

    private static string Describe(string resource) => $"embedded resource {resource}";

    private static T Read<T>(string resource, Func<Stream, T> read)
    {
        using Stream stream = typeof(Dataset).Assembly.GetManifestResourceStream(resource)
            ?? throw new DataException($"{Describe(resource)} is missing from {typeof(Dataset).Assembly.GetName().Name}.dll (it was built without data/embedded; run scripts/make-embedded-data.sh and rebuild)");
        return read(stream);
    }
}
