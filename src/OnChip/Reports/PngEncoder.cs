using System.Buffers.Binary;
using System.IO.Compression;
using System.Text;

namespace OnChip.Reports;

/// <summary>
/// A minimal PNG writer for 8-bit grayscale images (signature, IHDR, one zlib-compressed IDAT with filter 0 on
/// every row, IEND; each chunk with its CRC-32), enough to inline small images in a report as data URIs.
/// </summary>
internal static class PngEncoder
{
    private static readonly byte[] Signature = [0x89, (byte)'P', (byte)'N', (byte)'G', 0x0D, 0x0A, 0x1A, 0x0A];
    private static readonly uint[] CrcTable = BuildCrcTable();

    /// <summary>Encodes <paramref name="pixels"/> (row-major, 0 = black, 255 = white) as a grayscale PNG.</summary>
    public static byte[] Grayscale(int width, int height, ReadOnlySpan<byte> pixels)
    {
        if (width <= 0 || height <= 0) throw new ArgumentException("an image needs a positive width and height");
        if (pixels.Length != (long)width * height) throw new ArgumentException($"{pixels.Length} pixels do not make a {width}×{height} image");
        using var png = new MemoryStream();
        png.Write(Signature);

        Span<byte> header = stackalloc byte[13];
        BinaryPrimitives.WriteUInt32BigEndian(header, (uint)width);
        BinaryPrimitives.WriteUInt32BigEndian(header[4..], (uint)height);
        header[8] = 8;   // bit depth
        header[9] = 0;   // colour type: grayscale
        header[10] = 0;  // compression: deflate
        header[11] = 0;  // filter method 0
        header[12] = 0;  // no interlace
        Chunk(png, "IHDR", header);

        using var compressed = new MemoryStream();
        using (var zlib = new ZLibStream(compressed, CompressionLevel.Optimal, leaveOpen: true))
        {
            for (int row = 0; row < height; row++)
            {
                zlib.WriteByte(0); // filter type None
                zlib.Write(pixels.Slice(row * width, width));
            }
        }
        Chunk(png, "IDAT", compressed.GetBuffer().AsSpan(0, (int)compressed.Length));
        Chunk(png, "IEND", []);
        return png.ToArray();
    }

    /// <summary>A data URI (<c>data:image/png;base64,…</c>) of a grayscale PNG.</summary>
    public static string GrayscaleDataUri(int width, int height, ReadOnlySpan<byte> pixels) =>
        "data:image/png;base64," + Convert.ToBase64String(Grayscale(width, height, pixels));

    /// <summary>CRC-32 (ISO 3309, the one PNG and zlib's crc32 use) of <paramref name="data"/>, continuing from <paramref name="crc"/>.</summary>
    public static uint Crc32(ReadOnlySpan<byte> data, uint crc = 0)
    {
        crc = ~crc;
        foreach (byte b in data) crc = CrcTable[(crc ^ b) & 0xFF] ^ (crc >> 8);
        return ~crc;
    }

    private static void Chunk(Stream png, string type, ReadOnlySpan<byte> data)
    {
        Span<byte> word = stackalloc byte[4];
        BinaryPrimitives.WriteUInt32BigEndian(word, (uint)data.Length);
        png.Write(word);
        Span<byte> typeBytes = stackalloc byte[4];
        Encoding.ASCII.GetBytes(type, typeBytes);
        png.Write(typeBytes);
        png.Write(data);
        BinaryPrimitives.WriteUInt32BigEndian(word, Crc32(data, Crc32(typeBytes)));
        png.Write(word);
    }

    private static uint[] BuildCrcTable()
    {
        var table = new uint[256];
        for (uint n = 0; n < 256; n++)
        {
            uint c = n;
            for (int k = 0; k < 8; k++) c = (c & 1) != 0 ? 0xEDB88320u ^ (c >> 1) : c >> 1;
            table[n] = c;
        }
        return table;
    }
}
