using System.Buffers.Binary;
using System.IO.Compression;

namespace OnChip.Tests.Data;

/// <summary>Builds small IDX files byte by byte (independently of the reader under test) in a temporary directory.</summary>
internal sealed class TempDirectory : IDisposable
{
    public TempDirectory()
    {
        Path = System.IO.Path.Combine(System.IO.Path.GetTempPath(), "onchip-data-tests-" + Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(Path);
    }

    public string Path { get; }

    public string File(string name) => System.IO.Path.Combine(Path, name);

    public string Write(string name, byte[] bytes)
    {
        string path = File(name);
        Directory.CreateDirectory(System.IO.Path.GetDirectoryName(path)!);
        System.IO.File.WriteAllBytes(path, bytes);
        return path;
    }

    public void Dispose()
    {
        try { Directory.Delete(Path, recursive: true); } catch (IOException) { } catch (UnauthorizedAccessException) { }
    }
}

internal static class IdxTestFiles
{
    public const int ImagesMagic = 0x00000803;
    public const int LabelsMagic = 0x00000801;

    /// <summary>The pixel value used for image i, row r, column c in generated files.</summary>
    public static byte Pixel(int i, int r, int c) => (byte)((i * 37 + r * 11 + c * 5) % 256);

    public static byte[] ImagePixels(int count, int rows, int cols)
    {
        var pixels = new byte[count * rows * cols];
        for (int i = 0; i < count; i++)
            for (int r = 0; r < rows; r++)
                for (int c = 0; c < cols; c++)
                    pixels[(i * rows + r) * cols + c] = Pixel(i, r, c);
        return pixels;
    }

    public static byte[] Images(int count, int rows, int cols, int? declaredCount = null, int magic = ImagesMagic,
        int? declaredRows = null, int? declaredCols = null)
    {
        byte[] pixels = ImagePixels(count, rows, cols);
        var bytes = new byte[16 + pixels.Length];
        BinaryPrimitives.WriteInt32BigEndian(bytes, magic);
        BinaryPrimitives.WriteInt32BigEndian(bytes.AsSpan(4), declaredCount ?? count);
        BinaryPrimitives.WriteInt32BigEndian(bytes.AsSpan(8), declaredRows ?? rows);
        BinaryPrimitives.WriteInt32BigEndian(bytes.AsSpan(12), declaredCols ?? cols);
        pixels.CopyTo(bytes, 16);
        return bytes;
    }

    public static byte[] LabelValues(int count) => Enumerable.Range(0, count).Select(i => (byte)(i * 7 % 10)).ToArray();

    public static byte[] Labels(byte[] labels, int? declaredCount = null, int magic = LabelsMagic)
    {
        var bytes = new byte[8 + labels.Length];
        BinaryPrimitives.WriteInt32BigEndian(bytes, magic);
        BinaryPrimitives.WriteInt32BigEndian(bytes.AsSpan(4), declaredCount ?? labels.Length);
        labels.CopyTo(bytes, 8);
        return bytes;
    }

    public static byte[] Gzip(byte[] bytes)
    {
        using var output = new MemoryStream();
        using (var gzip = new GZipStream(output, CompressionLevel.Fastest, leaveOpen: true)) gzip.Write(bytes);
        return output.ToArray();
    }

    /// <summary>Writes the four standard files (train: <paramref name="trainCount"/>, test: <paramref name="testCount"/>) into <paramref name="directory"/>.</summary>
    public static void WriteDataset(string directory, int trainCount, int testCount, int rows = 4, int cols = 3, bool gzip = true, bool dotted = false)
    {
        Directory.CreateDirectory(directory);
        void Put(string name, byte[] bytes)
        {
            if (dotted) name = name.Replace("-idx", ".idx");
            if (gzip) { name += ".gz"; bytes = Gzip(bytes); }
            File.WriteAllBytes(Path.Combine(directory, name), bytes);
        }
        Put("train-images-idx3-ubyte", Images(trainCount, rows, cols));
        Put("train-labels-idx1-ubyte", Labels(LabelValues(trainCount)));
        Put("t10k-images-idx3-ubyte", Images(testCount, rows, cols));
        Put("t10k-labels-idx1-ubyte", Labels(LabelValues(testCount)));
    }

    /// <summary>Asserts the exception message is one line that contains each fragment.</summary>
    public static void AssertOneLine(Exception ex, params string[] fragments)
    {
        Assert.DoesNotContain('\n', ex.Message);
        Assert.DoesNotContain('\r', ex.Message);
        foreach (string fragment in fragments) Assert.Contains(fragment, ex.Message);
    }
}
