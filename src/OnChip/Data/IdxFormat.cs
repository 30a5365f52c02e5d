namespace OnChip.Data;

/// <summary>
/// MNIST-style datasets: four IDX files in one directory, <c>train-images-idx3-ubyte</c>,
/// <c>train-labels-idx1-ubyte</c>, <c>t10k-images-idx3-ubyte</c>, <c>t10k-labels-idx1-ubyte</c>, each raw or
/// gzip-compressed (<c>.gz</c>), also accepted in the <c>train-images.idx3-ubyte</c> spelling of some mirrors.
/// Images are single-channel; there are 10 classes.
/// </summary>
internal sealed class IdxFormat : IDatasetFormat
{
    public static IdxFormat Instance { get; } = new();

    public const int ClassCount = 10;
    public const string TrainImages = "train-images-idx3-ubyte";
    public const string TrainLabels = "train-labels-idx1-ubyte";
    public const string TestImages = "t10k-images-idx3-ubyte";
    public const string TestLabels = "t10k-labels-idx1-ubyte";

    /// <summary>The four standard file names, without the optional .gz.</summary>
    public static IReadOnlyList<string> StandardFileNames { get; } = [TrainImages, TrainLabels, TestImages, TestLabels];

    private IdxFormat() { }

    public string Name => "IDX";

    public string ExpectedFiles =>
        $"{TrainImages}, {TrainLabels}, {TestImages} and {TestLabels}, each optionally .gz (the {TrainImages.Replace("-idx", ".idx")} spelling is also accepted)";

    /// <summary>
    /// The path of <paramref name="standardName"/> in <paramref name="directory"/>, trying in order the raw file,
    /// .gz, and the dotted spelling (raw, then .gz); null when none exists.
    /// </summary>
    public static string? FindFile(string directory, string standardName)
    {
        string dotted = standardName.Replace("-idx", ".idx");
        foreach (string candidate in (ReadOnlySpan<string>)[standardName, standardName + ".gz", dotted, dotted + ".gz"])
        {
            string path = Path.Combine(directory, candidate);
            if (File.Exists(path)) return path;
        }
        return null;
    }

    public IReadOnlyList<string> MissingFiles(string directory) =>
        StandardFileNames.Where(f => FindFile(directory, f) is null).Select(f => f + "[.gz]").ToArray();

    public DataSplit Load(string directory, string name, IReadOnlyList<string>? classNames)
    {
        string Find(string file) => FindFile(directory, file)
            ?? throw new DataException($"{Path.Combine(directory, file)}[.gz]: file not found ({name} needs {ExpectedFiles})");
        string trainImages = Find(TrainImages), trainLabels = Find(TrainLabels);
        string testImages = Find(TestImages), testLabels = Find(TestLabels);
        string source = Path.GetFullPath(directory);
        return LoadSplit(
            () => IdxReader.ReadImages(trainImages), trainLabels, () => IdxReader.ReadLabels(trainLabels, ClassCount),
            () => IdxReader.ReadImages(testImages), testLabels, () => IdxReader.ReadLabels(testLabels, ClassCount),
            name, classNames, source);
    }

    /// <summary>
    /// Reads the four parts concurrently (decompression dominates the load time) and pairs images with labels.
    /// </summary>
    internal static DataSplit LoadSplit(
        Func<IdxImages> trainImages, string trainLabelsSource, Func<byte[]> trainLabels,
        Func<IdxImages> testImages, string testLabelsSource, Func<byte[]> testLabels,
        string name, IReadOnlyList<string>? classNames, string source)
    {
        var trainImagesTask = Task.Run(trainImages);
        var trainLabelsTask = Task.Run(trainLabels);
        var testImagesTask = Task.Run(testImages);
        var testLabelsTask = Task.Run(testLabels);
        try
        {
            Task.WaitAll(trainImagesTask, trainLabelsTask, testImagesTask, testLabelsTask);
        }
        catch (AggregateException ex) when (ex.InnerExceptions.Count > 0)
        {
            // Report the first failure in file order (train images, train labels, test images, test labels).
            foreach (Task task in (ReadOnlySpan<Task>)[trainImagesTask, trainLabelsTask, testImagesTask, testLabelsTask])
                if (task.Exception is { } failure) System.Runtime.ExceptionServices.ExceptionDispatchInfo.Throw(failure.InnerExceptions[0]);
            throw;
        }
        Dataset train = CreateDataset($"{name}/train", trainImagesTask.Result, trainLabelsSource, trainLabelsTask.Result, classNames, source);
        Dataset test = CreateDataset($"{name}/test", testImagesTask.Result, testLabelsSource, testLabelsTask.Result, classNames, source);
        if (train.FeatureCount != test.FeatureCount || train.Height != test.Height)
            throw new DataException($"{source}: training images are {train.Height}x{train.Width} but test images are {test.Height}x{test.Width}");
        return new DataSplit(train, test);
    }

    /// <summary>Pairs IDX images with their labels, checking the counts agree, and converts pixels to [0, 1].</summary>
    public static Dataset CreateDataset(string name, IdxImages images, string labelsSource, byte[] labels,
        IReadOnlyList<string>? classNames = null, string? source = null)
    {
        if (images.Count != labels.Length)
            throw new DataException($"image/label count mismatch: {images.Source} holds {images.Count} images but {labelsSource} holds {labels.Length} labels");
        return Dataset.FromPixels(name, 1, images.Rows, images.Cols, ClassCount, images.Pixels, labels, classNames, source);
    }
}
