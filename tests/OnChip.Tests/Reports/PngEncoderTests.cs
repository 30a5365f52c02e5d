using System.Buffers.Binary;
using System.IO.Compression;
using System.Text;
using OnChip.Reports;

namespace OnChip.Tests.Reports;

public class PngEncoderTests
{
    [Fact]
    public void Crc32_matches_the_standard_check_value()
    {
        Assert.Equal(0xCBF43926u, PngEncoder.Crc32("123456789"u8));
        Assert.Equal(0u, PngEncoder.Crc32([]));
        // The CRC of the IEND chunk type, found at the end of every PNG.
        Assert.Equal(0xAE426082u, PngEncoder.Crc32("IEND"u8));
    }

    [Fact]
    public void Grayscale_png_has_valid_chunks_and_decodes_to_the_pixels()
    {
        const int width = 5, height = 3;
        var pixels = Enumerable.Range(0, width * height).Select(i => (byte)(i * 17)).ToArray();
        var png = PngEncoder.Grayscale(width, height, pixels);

        Assert.Equal(new byte[] { 0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A }, png[..8]);
        var chunks = new List<(string Type, byte[] Data)>();
        for (int at = 8; at < png.Length;)
        {
            int length = (int)BinaryPrimitives.ReadUInt32BigEndian(png.AsSpan(at));
            string type = Encoding.ASCII.GetString(png, at + 4, 4);
            var data = png.AsSpan(at + 8, length).ToArray();
            uint crc = BinaryPrimitives.ReadUInt32BigEndian(png.AsSpan(at + 8 + length));
            Assert.Equal(PngEncoder.Crc32(png.AsSpan(at + 4, 4 + length)), crc);
            chunks.Add((type, data));
            at += 12 + length;
        }
        Assert.Equal(["IHDR", "IDAT", "IEND"], chunks.Select(c => c.Type));
        var header = chunks[0].Data;
        Assert.Equal((uint)width, BinaryPrimitives.ReadUInt32BigEndian(header));
        Assert.Equal((uint)height, BinaryPrimitives.ReadUInt32BigEndian(header.AsSpan(4)));
        Assert.Equal(new byte[] { 8, 0, 0, 0, 0 }, header[8..]);

        using var inflate = new ZLibStream(new MemoryStream(chunks[1].Data), CompressionMode.Decompress);
        using var raw = new MemoryStream();
        inflate.CopyTo(raw);
        var scanlines = raw.ToArray();
        Assert.Equal(height * (width + 1), scanlines.Length);
        for (int row = 0; row < height; row++)
        {
            Assert.Equal(0, scanlines[row * (width + 1)]);
            Assert.Equal(pixels.AsSpan(row * width, width).ToArray(), scanlines.AsSpan(row * (width + 1) + 1, width).ToArray());
        }
    }

    [Fact]
    public void Data_uri_and_size_checks()
    {
        Assert.StartsWith("data:image/png;base64,iVBORw0KGgo", PngEncoder.GrayscaleDataUri(2, 2, [0, 255, 255, 0]));
        Assert.Throws<ArgumentException>(() => PngEncoder.Grayscale(2, 2, new byte[3]));
        Assert.Throws<ArgumentException>(() => PngEncoder.Grayscale(0, 2, []));
    }

    [Fact]
    public void Filters_are_scaled_from_their_minimum_to_their_maximum()
    {
        Assert.Equal(new byte[] { 0, 128, 255 }, ReportBuilder.ToPixels([-2f, 0f, 2f]));
        Assert.Equal(new byte[] { 128, 128 }, ReportBuilder.ToPixels([3f, 3f]));
        Assert.Equal(new byte[] { 0, 128, 255 }, ReportBuilder.ToPixels([1f, float.NaN, 2f]));
    }
}
