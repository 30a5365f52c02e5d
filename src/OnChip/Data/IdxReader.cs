using System.Buffers.Binary;
using System.IO.Compression;

namespace OnChip.Data;

/// <summary>
/// Reads IDX files (the MNIST / Fashion-MNIST format), raw or gzip-compressed. Compression is detected from the
/// gzip magic bytes 1f 8b, not from the file name. Every problem is reported as a one-line <see cref="DataException"/>
/// that names the file: missing file, wrong magic number, truncated header or body, corrupt gzip stream, absurd
/// dimensions, labels out of range.
/// </summary>
/// <remarks>
/// Bytes after the body the header declares are ignored (not an error): the header fully determines what is read,
/// and checking for trailing data would cost another pass over compressed input for no benefit.
/// </remarks>
internal static class IdxReader
{
    /// <summary>Magic number of an IDX file of unsigned bytes with 3 dimensions (count, rows, cols).</summary>
    public const int ImagesMagic = 0x00000803;
    /// <summary>Magic number of an IDX file of unsigned bytes with 1 dimension (count).</summary>
    public const int LabelsMagic = 0x00000801;
    /// <summary>Largest accepted rows × cols of one image.</summary>
    public const int MaxPixelsPerImage = 1 << 24;

    private const int ImagesHeaderBytes = 16;
    private const int LabelsHeaderBytes = 8;
    private const int InitialBodyCapacity = 16 << 20;
    private const int FileBufferBytes = 1 << 16;

    /// <summary>True when <paramref name="firstBytes"/> starts with the gzip magic 1f 8b.</summary>
    public static bool IsGzip(ReadOnlySpan<byte> firstBytes) => firstBytes.Length >= 2 && firstBytes[0] == 0x1f && firstBytes[1] == 0x8b;

    /// <summary>Reads an IDX image file (magic 0x00000803), raw or gzip-compressed.</summary>
    public static IdxImages ReadImages(string path)
    {
        using var file = OpenFile(path);
        return ReadImages(file, path);
    }

    /// <summary>Reads IDX images from <paramref name="stream"/> (raw or gzip); <paramref name="source"/> names it in messages.</summary>
    public static IdxImages ReadImages(Stream stream, string source)
    {
        using var input = OpenContent(stream, source, out bool gzip);
        Span<byte> header = stackalloc byte[ImagesHeaderBytes];
        ReadHeader(input, source, header, ImagesMagic, "IDX images: unsigned bytes, 3 dimensions");
        uint count = BinaryPrimitives.ReadUInt32BigEndian(header[4..]);
        uint rows = BinaryPrimitives.ReadUInt32BigEndian(header[8..]);
        uint cols = BinaryPrimitives.ReadUInt32BigEndian(header[12..]);
        ulong perImage = (ulong)rows * cols;
        if (perImage == 0 || perImage > MaxPixelsPerImage)
            throw new DataException($"{source}: absurd image dimensions {rows}x{cols} in the header (rows*cols must be between 1 and {MaxPixelsPerImage})");
        if (count > int.MaxValue)
            throw new DataException($"{source}: absurd image count {count} in the header");
        ulong bodyBytes = count * perImage;
        if (bodyBytes > (ulong)Array.MaxLength)
            throw new DataException($"{source}: header declares {count} images of {rows}x{cols} = {bodyBytes} bytes, more than one array can hold ({Array.MaxLength})");
        byte[] pixels = ReadBody(input, gzip ? null : stream, source, (int)bodyBytes, ImagesHeaderBytes, $"{count} images of {rows}x{cols}");
        return new IdxImages(source, (int)count, (int)rows, (int)cols, pixels);
    }

    /// <summary>
    /// Reads an IDX label file (magic 0x00000801), raw or gzip-compressed, and checks every label is below
    /// <paramref name="classCount"/> (1..256; 256 accepts any byte).
    /// </summary>
    public static byte[] ReadLabels(string path, int classCount = 256)
    {
        ValidateClassCount(classCount);
        using var file = OpenFile(path);
        return ReadLabels(file, path, classCount);
    }

    /// <summary>Reads IDX labels from <paramref name="stream"/> (raw or gzip); <paramref name="source"/> names it in messages.</summary>
    public static byte[] ReadLabels(Stream stream, string source, int classCount = 256)
    {
        ValidateClassCount(classCount);
        using var input = OpenContent(stream, source, out bool gzip);
        Span<byte> header = stackalloc byte[LabelsHeaderBytes];
        ReadHeader(input, source, header, LabelsMagic, "IDX labels: unsigned bytes, 1 dimension");
        uint count = BinaryPrimitives.ReadUInt32BigEndian(header[4..]);
        if (count > (uint)Array.MaxLength)
            throw new DataException($"{source}: absurd label count {count} in the header");
        byte[] labels = ReadBody(input, gzip ? null : stream, source, (int)count, LabelsHeaderBytes, $"{count} labels");
        if (classCount < 256)
        {
            int bad = labels.AsSpan().IndexOfAnyInRange((byte)classCount, byte.MaxValue);
            if (bad >= 0)
                throw new DataException($"{source}: label {labels[bad]} at index {bad} is out of range (allowed 0..{classCount - 1})");
        }
        return labels;
    }

    private static void ValidateClassCount(int classCount)
    {
        if (classCount is < 1 or > 256) throw new ArgumentOutOfRangeException(nameof(classCount), classCount, "class count must be 1..256");
    }

    private static FileStream OpenFile(string path)
    {
        try
        {
            return new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read, FileBufferBytes, FileOptions.SequentialScan);
        }
        catch (FileNotFoundException)
        {
            throw new DataException($"{path}: file not found");
        }
        catch (DirectoryNotFoundException)
        {
            throw new DataException($"{path}: file not found (directory {Path.GetDirectoryName(Path.GetFullPath(path))} does not exist)");
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            throw new DataException($"{path}: cannot open: {ex.Message}", ex);
        }
    }

    /// <summary>Returns a stream of the IDX bytes: <paramref name="stream"/> itself, or a decompressing view of it.</summary>
    private static Stream OpenContent(Stream stream, string source, out bool gzip)
    {
        if (!stream.CanSeek)
        {
            // Peeking needs a rewind; buffer the (compressed) input once. Files and resources are seekable.
            var copy = new MemoryStream();
            stream.CopyTo(copy);
            copy.Position = 0;
            stream = copy;
        }
        long start = stream.Position;
        Span<byte> magic = stackalloc byte[2];
        int got = stream.ReadAtLeast(magic, 2, throwOnEndOfStream: false);
        stream.Position = start;
        gzip = IsGzip(magic[..got]);
        return gzip ? new GZipStream(stream, CompressionMode.Decompress, leaveOpen: true) : new NonClosingStream(stream);
    }

    private static void ReadHeader(Stream input, string source, Span<byte> header, int expectedMagic, string expectedKind)
    {
        int got = Read(input, source, header);
        if (got >= 4)
        {
            int magic = BinaryPrimitives.ReadInt32BigEndian(header);
            if (magic != expectedMagic)
                throw new DataException($"{source}: wrong magic number 0x{magic:x8}{Describe(magic)}, expected 0x{expectedMagic:x8} ({expectedKind})");
        }
        if (got < header.Length)
            throw new DataException($"{source}: truncated header: expected {header.Length} bytes, found {got}");
    }

    private static string Describe(int magic) => magic switch
    {
        ImagesMagic => " (an IDX image file)",
        LabelsMagic => " (an IDX label file)",
        _ when (magic & 0xffff0000) == 0 && (magic >> 8 & 0xff) is 0x08 or 0x09 or 0x0b or 0x0c or 0x0d or 0x0e
            => $" (IDX of type 0x{magic >> 8 & 0xff:x2} with {magic & 0xff} dimensions)",
        _ => " (not an IDX file)",
    };

    /// <summary>
    /// Reads exactly <paramref name="length"/> body bytes. For a raw seekable input (<paramref name="raw"/> not null)
    /// a short file is caught before anything is allocated; otherwise the buffer grows as data arrives, so a corrupt
    /// header cannot make us allocate gigabytes for a small file.
    /// </summary>
    private static byte[] ReadBody(Stream input, Stream? raw, string source, int length, int headerBytes, string declared)
    {
        bool sizeKnown = raw is { CanSeek: true };
        if (sizeKnown)
        {
            long available = raw!.Length - raw.Position;
            if (available < length) throw Truncated(source, declared, length, headerBytes, available);
        }
        byte[] buffer = new byte[sizeKnown ? length : Math.Min(length, InitialBodyCapacity)];
        int filled = 0;
        while (true)
        {
            filled += Read(input, source, buffer.AsSpan(filled));
            if (filled < buffer.Length) throw Truncated(source, declared, length, headerBytes, filled);
            if (filled == length) return buffer;
            Array.Resize(ref buffer, (int)Math.Min(length, 2L * buffer.Length));
        }
    }

    private static DataException Truncated(string source, string declared, int expected, int headerBytes, long found) =>
        new($"{source}: truncated: the header declares {declared}, {expected} bytes after the {headerBytes}-byte header, but only {found} bytes follow");

    /// <summary>Reads until <paramref name="destination"/> is full or the input ends; returns the bytes read.</summary>
    private static int Read(Stream input, string source, Span<byte> destination)
    {
        try
        {
            return input.ReadAtLeast(destination, destination.Length, throwOnEndOfStream: false);
        }
        catch (InvalidDataException ex)
        {
            throw new DataException($"{source}: corrupt gzip stream: {ex.Message}", ex);
        }
        catch (IOException ex)
        {
            throw new DataException($"{source}: read error: {ex.Message}", ex);
        }
    }

    /// <summary>Lets the caller dispose the wrapper uniformly without closing a stream it does not own.</summary>
    private sealed class NonClosingStream(Stream inner) : Stream
    {
        public override bool CanRead => true;
        public override bool CanSeek => false;
        public override bool CanWrite => false;
        public override long Length => throw new NotSupportedException();
        public override long Position { get => throw new NotSupportedException(); set => throw new NotSupportedException(); }
        public override int Read(byte[] buffer, int offset, int count) => inner.Read(buffer, offset, count);
        public override int Read(Span<byte> buffer) => inner.Read(buffer);
        public override void Flush() { }
        public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();
        public override void SetLength(long value) => throw new NotSupportedException();
        public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();
    }
}
