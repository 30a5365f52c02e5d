using System.Buffers.Binary;
using System.Globalization;
using System.Runtime.InteropServices;
using System.Text;
using System.Text.RegularExpressions;

namespace OnChip.Persistence;

/// <summary>A float32 array read from a .npy file (C order).</summary>
internal sealed record NpyArray(int[] Shape, float[] Data);

/// <summary>
/// NumPy .npy files of float32, written byte for byte as <c>numpy.save</c> writes them (format version 1.0):
/// <code>
///   6 bytes  magic "\x93NUMPY"
///   2 bytes  version 1, 0
///   2 bytes  header length H (uint16, little-endian)
///   H bytes  ASCII dict "{'descr': '&lt;f4', 'fortran_order': False, 'shape': (2, 3), }", padded with spaces and
///            ended by '\n' so that 10 + H is a multiple of 64
///   …        the values, float32 little-endian, C (row-major) order
/// </code>
/// Like NumPy (≥ 1.24), the dict is followed by 21 − len(str(shape[0])) spaces of growth room before the alignment
/// padding, and a header that is already aligned still gets a full 64 bytes of padding.
/// </summary>
internal static partial class NpyFile
{
    private static readonly byte[] Magic = [0x93, (byte)'N', (byte)'U', (byte)'M', (byte)'P', (byte)'Y'];
    private const int Align = 64;
    private const int GrowthAxisMaxDigits = 21;

    /// <summary>The Python repr of a shape tuple: <c>()</c>, <c>(10,)</c>, <c>(2, 3)</c>.</summary>
    public static string ShapeText(IReadOnlyList<int> shape) => shape.Count switch
    {
        0 => "()",
        1 => $"({shape[0].ToString(CultureInfo.InvariantCulture)},)",
        _ => "(" + string.Join(", ", shape.Select(d => d.ToString(CultureInfo.InvariantCulture))) + ")",
    };

    /// <summary>Magic, version, header length and padded header: everything before the data.</summary>
    public static byte[] Preamble(IReadOnlyList<int> shape)
    {
        if (shape.Any(d => d < 0)) throw new ArgumentException("negative dimension", nameof(shape));
        var dict = new StringBuilder("{'descr': '<f4', 'fortran_order': False, 'shape': ").Append(ShapeText(shape)).Append(", }");
        if (shape.Count > 0) dict.Append(' ', GrowthAxisMaxDigits - shape[0].ToString(CultureInfo.InvariantCulture).Length);
        int withNewline = dict.Length + 1;
        int pad = Align - (Magic.Length + 2 + 2 + withNewline) % Align;
        dict.Append(' ', pad).Append('\n');
        if (dict.Length > ushort.MaxValue) throw new ArgumentException("shape too long for a version 1.0 header", nameof(shape));
        var bytes = new byte[Magic.Length + 4 + dict.Length];
        Magic.CopyTo(bytes, 0);
        bytes[6] = 1;
        bytes[7] = 0;
        BinaryPrimitives.WriteUInt16LittleEndian(bytes.AsSpan(8), (ushort)dict.Length);
        Encoding.ASCII.GetBytes(dict.ToString(), bytes.AsSpan(10));
        return bytes;
    }

    public static void Write(Stream stream, IReadOnlyList<int> shape, ReadOnlySpan<float> data)
    {
        long count = shape.Aggregate(1L, (a, d) => a * d);
        if (count != data.Length) throw new ArgumentException($"shape {ShapeText(shape)} holds {count} values, not {data.Length}");
        if (!BitConverter.IsLittleEndian) throw new PlatformNotSupportedException("big-endian hosts are not supported");
        stream.Write(Preamble(shape));
        stream.Write(MemoryMarshal.AsBytes(data));
    }

    /// <summary>Writes <paramref name="path"/> atomically.</summary>
    public static void Save(string path, IReadOnlyList<int> shape, float[] data) =>
        AtomicFile.Write(path, stream => Write(stream, shape, data));

    public static NpyArray Load(string path)
    {
        byte[] bytes;
        try { bytes = File.ReadAllBytes(path); }
        catch (Exception e) when (e is FileNotFoundException or DirectoryNotFoundException)
        {
            throw new UserFacingException($"{path}: file not found");
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new UserFacingException($"{path}: cannot read ({e.Message})");
        }
        return Parse(bytes, path);
    }

    /// <summary>Reads a .npy file of little-endian float32 in C order (versions 1.0, 2.0 and 3.0 of the format).</summary>
    public static NpyArray Parse(byte[] bytes, string path)
    {
        if (bytes.Length < 10 || !bytes.AsSpan(0, Magic.Length).SequenceEqual(Magic))
            throw new UserFacingException($"{path}: not a NumPy .npy file (bad magic)");
        int major = bytes[6];
        int lengthSize = major switch
        {
            1 => 2,
            2 or 3 => 4,
            _ => throw new UserFacingException($"{path}: .npy format version {major}.{bytes[7]} is not supported"),
        };
        int prefix = 8 + lengthSize;
        if (bytes.Length < prefix) throw new UserFacingException($"{path}: truncated .npy file");
        long headerLength = lengthSize == 2 ? BinaryPrimitives.ReadUInt16LittleEndian(bytes.AsSpan(8)) : BinaryPrimitives.ReadUInt32LittleEndian(bytes.AsSpan(8));
        if (prefix + headerLength > bytes.Length) throw new UserFacingException($"{path}: truncated .npy header");
        string header = (major == 3 ? Encoding.UTF8 : Encoding.Latin1).GetString(bytes, prefix, (int)headerLength);

        string descr = HeaderValue(DescrPattern(), header, "descr", path);
        if (descr != "<f4" && descr != "|f4")
            throw new UserFacingException($"{path}: holds dtype '{descr}'; only little-endian float32 ('<f4') is supported");
        if (HeaderValue(FortranPattern(), header, "fortran_order", path) != "False")
            throw new UserFacingException($"{path}: Fortran-ordered arrays are not supported (save with numpy.ascontiguousarray)");
        string shapeText = HeaderValue(ShapePattern(), header, "shape", path);
        int[] shape;
        try
        {
            shape = shapeText.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)
                .Select(d => int.Parse(d.TrimEnd('L'), NumberStyles.None, CultureInfo.InvariantCulture)).ToArray();
        }
        catch (Exception e) when (e is FormatException or OverflowException)
        {
            throw new UserFacingException($"{path}: unreadable shape ({shapeText})");
        }
        long count = shape.Aggregate(1L, (a, d) => a * d);
        long dataStart = prefix + headerLength;
        if (bytes.Length - dataStart != count * 4)
            throw new UserFacingException($"{path}: shape ({shapeText}) needs {count * 4} bytes of data, the file has {bytes.Length - dataStart}");
        var data = new float[count];
        MemoryMarshal.Cast<byte, float>(bytes.AsSpan((int)dataStart)).CopyTo(data);
        return new NpyArray(shape, data);
    }

    private static string HeaderValue(Regex pattern, string header, string key, string path)
    {
        var match = pattern.Match(header);
        if (!match.Success) throw new UserFacingException($"{path}: .npy header has no readable '{key}'");
        return match.Groups[1].Value;
    }

    [GeneratedRegex(@"['""]descr['""]\s*:\s*['""]([^'""]*)['""]")]
    private static partial Regex DescrPattern();

    [GeneratedRegex(@"['""]fortran_order['""]\s*:\s*(True|False)")]
    private static partial Regex FortranPattern();

    [GeneratedRegex(@"['""]shape['""]\s*:\s*\(([^)]*)\)")]
    private static partial Regex ShapePattern();
}
