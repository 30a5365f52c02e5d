namespace OnChip.Data;

/// <summary>
/// The official binary versions of CIFAR-10 and CIFAR-100 (Krizhevsky 2009): fixed-size records of label byte(s)
/// followed by a 32×32 colour image as 1024 red, 1024 green, 1024 blue bytes (row-major), so examples come out
/// channel-major (3×32×32). CIFAR-10: <c>data_batch_1.bin</c> … <c>data_batch_5.bin</c> and <c>test_batch.bin</c>,
/// one label byte (0–9). CIFAR-100: <c>train.bin</c> and <c>test.bin</c>, a coarse (0–19) then a fine (0–99) label
/// byte; OnChip uses the fine labels. Class names are read from <c>batches.meta.txt</c> / <c>fine_label_names.txt</c>
/// when present.
/// </summary>
internal sealed class CifarFormat : IDatasetFormat
{
    public const int Side = 32;
    public const int Channels = 3;
    public const int ImageBytes = Channels * Side * Side;

    public static CifarFormat Cifar10 { get; } = new("CIFAR-10", ["data_batch_1.bin", "data_batch_2.bin", "data_batch_3.bin", "data_batch_4.bin", "data_batch_5.bin"],
        ["test_batch.bin"], labelBytes: 1, labelOffset: 0, classCount: 10, namesFile: "batches.meta.txt");

    public static CifarFormat Cifar100 { get; } = new("CIFAR-100", ["train.bin"], ["test.bin"],
        labelBytes: 2, labelOffset: 1, classCount: 100, namesFile: "fine_label_names.txt");

    private readonly string[] _train, _test;
    private readonly int _labelBytes, _labelOffset;
    private readonly string _namesFile;

    private CifarFormat(string name, string[] train, string[] test, int labelBytes, int labelOffset, int classCount, string namesFile)
    {
        Name = name;
        (_train, _test, _labelBytes, _labelOffset, ClassCount, _namesFile) = (train, test, labelBytes, labelOffset, classCount, namesFile);
    }

    public string Name { get; }
    public int ClassCount { get; }
    /// <summary>Bytes of one record: the label byte(s) and the image.</summary>
    public int RecordBytes => _labelBytes + ImageBytes;
    public string ExpectedFiles => $"{string.Join(", ", _train)} and {string.Join(", ", _test)} (the {Name} binary version)";

    public IReadOnlyList<string> MissingFiles(string directory) =>
        _train.Concat(_test).Where(f => !File.Exists(Path.Combine(directory, f))).ToArray();

    public DataSplit Load(string directory, string name, IReadOnlyList<string>? classNames)
    {
        classNames ??= ReadClassNames(directory);
        string source = Path.GetFullPath(directory);
        return new DataSplit(Read(directory, _train, $"{name}/train", classNames, source), Read(directory, _test, $"{name}/test", classNames, source));
    }

    /// <summary>Reads and validates the records of <paramref name="files"/> (in order) into one dataset.</summary>
    public Dataset Read(string directory, IReadOnlyList<string> files, string name, IReadOnlyList<string>? classNames, string source)
    {
        var images = new List<byte[]>();
        var labels = new List<byte>();
        foreach (string file in files)
        {
            string path = Path.Combine(directory, file);
            byte[] bytes;
            try { bytes = File.ReadAllBytes(path); }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException) { throw new DataException($"{path}: cannot read ({e.Message})"); }
            if (bytes.Length == 0) throw new DataException($"{path}: empty file, expected {Name} records of {RecordBytes} bytes");
            if (bytes.Length % RecordBytes != 0)
                throw new DataException($"{path}: {bytes.Length} bytes is not a whole number of {RecordBytes}-byte {Name} records " +
                                        $"({bytes.Length / RecordBytes} records and {bytes.Length % RecordBytes} bytes left over): truncated or not a {Name} binary file");
            int records = bytes.Length / RecordBytes;
            var pixels = new byte[records * ImageBytes];
            for (int r = 0; r < records; r++)
            {
                int at = r * RecordBytes;
                if (_labelBytes == 2 && bytes[at] >= 20)
                    throw new DataException($"{path}: record {r} has coarse label {bytes[at]}, expected 0..19: not a {Name} binary file");
                byte label = bytes[at + _labelOffset];
                if (label >= ClassCount)
                    throw new DataException($"{path}: record {r} has label {label}, expected 0..{ClassCount - 1}: not a {Name} binary file (or the wrong CIFAR)");
                labels.Add(label);
                Array.Copy(bytes, at + _labelBytes, pixels, r * ImageBytes, ImageBytes);
            }
            images.Add(pixels);
        }
        var all = images.SelectMany(p => p).ToArray();
        return Dataset.FromPixels(name, Channels, Side, Side, ClassCount, all, labels.ToArray(), classNames, source);
    }

    private IReadOnlyList<string>? ReadClassNames(string directory)
    {
        string path = Path.Combine(directory, _namesFile);
        if (!File.Exists(path)) return null;
        var names = File.ReadAllLines(path).Select(l => l.Trim()).Where(l => l.Length > 0).ToArray();
        return names.Length == ClassCount ? names : null;
    }
}
