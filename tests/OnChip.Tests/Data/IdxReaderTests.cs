using OnChip.Data;
using static OnChip.Tests.Data.IdxTestFiles;

namespace OnChip.Tests.Data;

public sealed class IdxReaderTests : IDisposable
{
    private readonly TempDirectory _dir = new();

    public void Dispose() => _dir.Dispose();

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void Images_round_trip_raw_and_gzip(bool gzip)
    {
        byte[] file = Images(5, 4, 3);
        string path = _dir.Write("images", gzip ? Gzip(file) : file);

        IdxImages images = IdxReader.ReadImages(path);

        Assert.Equal(5, images.Count);
        Assert.Equal(4, images.Rows);
        Assert.Equal(3, images.Cols);
        Assert.Equal(12, images.PixelsPerImage);
        Assert.Equal(path, images.Source);
        Assert.Equal(ImagePixels(5, 4, 3), images.Pixels);
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void Labels_round_trip_raw_and_gzip(bool gzip)
    {
        byte[] values = LabelValues(23);
        byte[] file = Labels(values);
        string path = _dir.Write("labels", gzip ? Gzip(file) : file);

        Assert.Equal(values, IdxReader.ReadLabels(path, 10));
    }

    [Fact]
    public void Gzip_is_detected_by_magic_bytes_not_by_extension()
    {
        byte[] file = Images(2, 2, 2);
        string gzipWithoutExtension = _dir.Write("images-idx3-ubyte", Gzip(file));
        string rawWithGzExtension = _dir.Write("images-idx3-ubyte.gz", file);

        Assert.Equal(ImagePixels(2, 2, 2), IdxReader.ReadImages(gzipWithoutExtension).Pixels);
        Assert.Equal(ImagePixels(2, 2, 2), IdxReader.ReadImages(rawWithGzExtension).Pixels);
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void Reads_from_a_non_seekable_stream(bool gzip)
    {
        byte[] file = Images(3, 2, 2);
        using var stream = new NonSeekableStream(gzip ? Gzip(file) : file);

        IdxImages images = IdxReader.ReadImages(stream, "my stream");

        Assert.Equal(ImagePixels(3, 2, 2), images.Pixels);
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void Trailing_bytes_after_the_declared_body_are_ignored(bool gzip)
    {
        byte[] file = [.. Images(3, 2, 2), 1, 2, 3, 4, 5];
        string path = _dir.Write("images", gzip ? Gzip(file) : file);

        IdxImages images = IdxReader.ReadImages(path);

        Assert.Equal(3, images.Count);
        Assert.Equal(ImagePixels(3, 2, 2), images.Pixels);
    }

    [Fact]
    public void Wrong_magic_names_the_file_and_both_numbers()
    {
        string path = _dir.Write("images", Labels(LabelValues(100)));

        var ex = Assert.Throws<DataException>(() => IdxReader.ReadImages(path));

        AssertOneLine(ex, path, "wrong magic number 0x00000801", "expected 0x00000803", "label file");
    }

    [Fact]
    public void Wrong_magic_in_a_label_file_names_the_file_and_both_numbers()
    {
        string path = _dir.Write("labels.gz", Gzip(Images(2, 2, 2)));

        var ex = Assert.Throws<DataException>(() => IdxReader.ReadLabels(path));

        AssertOneLine(ex, path, "wrong magic number 0x00000803", "expected 0x00000801");
    }

    [Fact]
    public void A_file_that_is_not_idx_at_all_gets_a_wrong_magic_message()
    {
        string path = _dir.Write("notes.txt", "hello, this is not an IDX file"u8.ToArray());

        var ex = Assert.Throws<DataException>(() => IdxReader.ReadImages(path));

        AssertOneLine(ex, path, "wrong magic number 0x68656c6c", "not an IDX file", "expected 0x00000803");
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void Truncated_header_says_expected_and_found_bytes(bool gzip)
    {
        byte[] file = Images(1, 2, 2)[..10];
        string path = _dir.Write("images", gzip ? Gzip(file) : file);

        var ex = Assert.Throws<DataException>(() => IdxReader.ReadImages(path));

        AssertOneLine(ex, path, "truncated header", "expected 16 bytes, found 10");
    }

    [Fact]
    public void Empty_file_is_a_truncated_header()
    {
        string path = _dir.Write("labels", []);

        var ex = Assert.Throws<DataException>(() => IdxReader.ReadLabels(path));

        AssertOneLine(ex, path, "truncated header", "expected 8 bytes, found 0");
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void Truncated_image_body_says_expected_and_found_bytes(bool gzip)
    {
        byte[] file = Images(3, 4, 5, declaredCount: 10); // declares 10 images of 20 bytes, holds 3
        string path = _dir.Write("images", gzip ? Gzip(file) : file);

        var ex = Assert.Throws<DataException>(() => IdxReader.ReadImages(path));

        AssertOneLine(ex, path, "truncated", "10 images of 4x5", "200 bytes", "only 60 bytes follow");
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void Truncated_label_body_says_expected_and_found_bytes(bool gzip)
    {
        byte[] file = Labels(LabelValues(7), declaredCount: 9);
        string path = _dir.Write("labels", gzip ? Gzip(file) : file);

        var ex = Assert.Throws<DataException>(() => IdxReader.ReadLabels(path, 10));

        AssertOneLine(ex, path, "truncated", "9 labels", "only 7 bytes follow");
    }

    [Fact]
    public void Corrupt_gzip_stream_is_reported_as_such()
    {
        byte[] gz = Gzip(Images(50, 8, 8));
        for (int i = 10; i < gz.Length - 8; i++) gz[i] ^= 0x5a; // scramble the deflate data, keep the gzip header
        string path = _dir.Write("images.gz", gz);

        var ex = Assert.Throws<DataException>(() => IdxReader.ReadImages(path));

        AssertOneLine(ex, path);
        Assert.True(ex.Message.Contains("corrupt gzip stream") || ex.Message.Contains("wrong magic") || ex.Message.Contains("truncated"),
            ex.Message);
    }

    [Fact]
    public void Gzip_stream_with_garbage_after_the_gzip_header_is_corrupt()
    {
        byte[] gz = [0x1f, 0x8b, 0x08, 0, 0, 0, 0, 0, 0, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff];
        string path = _dir.Write("labels.gz", gz);

        var ex = Assert.Throws<DataException>(() => IdxReader.ReadLabels(path));

        AssertOneLine(ex, path, "corrupt gzip stream");
    }

    [Theory]
    [InlineData(0, 28)]
    [InlineData(28, 0)]
    [InlineData(5000, 5000)]
    [InlineData(-1, -1)]
    public void Absurd_dimensions_are_rejected(int rows, int cols)
    {
        string path = _dir.Write("images", Images(1, 1, 1, declaredRows: rows, declaredCols: cols));

        var ex = Assert.Throws<DataException>(() => IdxReader.ReadImages(path));

        AssertOneLine(ex, path, "absurd image dimensions", $"{(uint)rows}x{(uint)cols}");
    }

    [Fact]
    public void Absurd_count_is_rejected_without_allocating()
    {
        string path = _dir.Write("images", Images(1, 28, 28, declaredCount: -1));

        var ex = Assert.Throws<DataException>(() => IdxReader.ReadImages(path));

        AssertOneLine(ex, path, "absurd image count 4294967295");
    }

    [Fact]
    public void Huge_declared_count_in_a_small_gzip_file_is_truncated_not_out_of_memory()
    {
        string path = _dir.Write("images.gz", Gzip(Images(2, 28, 28, declaredCount: 2_000_000)));

        var ex = Assert.Throws<DataException>(() => IdxReader.ReadImages(path));

        AssertOneLine(ex, path, "truncated", "2000000 images of 28x28", "only 1568 bytes follow");
    }

    [Fact]
    public void Label_out_of_range_names_the_index_value_and_allowed_range()
    {
        byte[] values = LabelValues(20);
        values[13] = 12;
        string path = _dir.Write("labels", Labels(values));

        var ex = Assert.Throws<DataException>(() => IdxReader.ReadLabels(path, 10));

        AssertOneLine(ex, path, "label 12 at index 13", "allowed 0..9");
    }

    [Fact]
    public void Missing_file_names_the_path()
    {
        string path = _dir.File("no-such-file-idx3-ubyte.gz");

        var ex = Assert.Throws<DataException>(() => IdxReader.ReadImages(path));

        AssertOneLine(ex, path, "file not found");
    }

    [Fact]
    public void File_in_a_missing_directory_names_the_directory()
    {
        string path = Path.Combine(_dir.Path, "nowhere", "train-labels-idx1-ubyte");

        var ex = Assert.Throws<DataException>(() => IdxReader.ReadLabels(path));

        AssertOneLine(ex, path, "file not found", Path.Combine(_dir.Path, "nowhere"));
    }

    [Fact]
    public void Image_label_count_mismatch_names_both_files_and_counts()
    {
        string imagesPath = _dir.Write("train-images-idx3-ubyte", Images(5, 2, 2));
        string labelsPath = _dir.Write("train-labels-idx1-ubyte", Labels(LabelValues(4)));

        var ex = Assert.Throws<DataException>(() =>
            IdxFormat.CreateDataset("x/train", IdxReader.ReadImages(imagesPath), labelsPath, IdxReader.ReadLabels(labelsPath, 10)));

        AssertOneLine(ex, "count mismatch", imagesPath, "5 images", labelsPath, "4 labels");
    }

    [Fact]
    public void Multi_line_inner_text_is_collapsed_to_one_line()
    {
        var ex = new DataException("first\nsecond\r\nthird");

        Assert.Equal("first second third", ex.Message);
    }

    private sealed class NonSeekableStream(byte[] bytes) : Stream
    {
        private readonly MemoryStream _inner = new(bytes);
        public override bool CanRead => true;
        public override bool CanSeek => false;
        public override bool CanWrite => false;
        public override long Length => throw new NotSupportedException();
        public override long Position { get => throw new NotSupportedException(); set => throw new NotSupportedException(); }
        public override int Read(byte[] buffer, int offset, int count) => _inner.Read(buffer, offset, Math.Min(count, 3));
        public override void Flush() { }
        public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();
        public override void SetLength(long value) => throw new NotSupportedException();
        public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();
    }
}
