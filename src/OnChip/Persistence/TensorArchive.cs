using System.Buffers.Binary;
using System.Runtime.InteropServices;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace OnChip.Persistence;

/// <summary>A named float32 tensor (row-major).</summary>
internal sealed record NamedTensor(string Name, int[] Shape, float[] Data);

/// <summary>
/// The container of every OnChip model and checkpoint file:
/// <code>
///   8 bytes   magic "OCTENSR" + format version byte (1)
///   4 bytes   header length H (uint32, little-endian)
///   H bytes   UTF-8 JSON header: {"kind": …, "metadata": {…}, "tensors": [{"name", "shape"}, …]}
///   …         each tensor's float32 values, little-endian, row-major, in header order
///   32 bytes  SHA-256 of everything before it
/// </code>
/// The checksum and the declared sizes let a reader reject a truncated or corrupt file with a clear message.
/// </summary>
internal static class TensorArchive
{
    private static readonly byte[] Magic = "OCTENSR"u8.ToArray();
    private const byte Version = 1;

    public static void Save(string path, string kind, JsonObject metadata, IReadOnlyList<NamedTensor> tensors) =>
        AtomicFile.Write(path, stream => Write(stream, kind, metadata, tensors));

    public static void Write(Stream stream, string kind, JsonObject metadata, IReadOnlyList<NamedTensor> tensors)
    {
        var header = new JsonObject
        {
            ["kind"] = kind,
            ["metadata"] = metadata.DeepClone(),
            ["tensors"] = new JsonArray(tensors.Select(t => (JsonNode)new JsonObject
            {
                ["name"] = t.Name,
                ["shape"] = new JsonArray(t.Shape.Select(d => (JsonNode)d).ToArray()),
            }).ToArray()),
        };
        byte[] headerBytes = Encoding.UTF8.GetBytes(header.ToJsonString());
        using var hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        void Emit(ReadOnlySpan<byte> bytes)
        {
            hash.AppendData(bytes);
            stream.Write(bytes);
        }
        Emit(Magic);
        Emit([Version]);
        Span<byte> length = stackalloc byte[4];
        BinaryPrimitives.WriteUInt32LittleEndian(length, (uint)headerBytes.Length);
        Emit(length);
        Emit(headerBytes);
        foreach (var t in tensors)
        {
            long expected = t.Shape.Aggregate(1L, (a, b) => a * b);
            if (expected != t.Data.Length) throw new ArgumentException($"tensor {t.Name}: shape does not match its {t.Data.Length} values");
            if (!BitConverter.IsLittleEndian) throw new PlatformNotSupportedException("big-endian hosts are not supported");
            Emit(MemoryMarshal.AsBytes(t.Data.AsSpan()));
        }
        stream.Write(hash.GetHashAndReset());
    }

    public sealed record Contents(string Kind, JsonObject Metadata, IReadOnlyList<NamedTensor> Tensors)
    {
        public NamedTensor Tensor(string name, string path) => Tensors.FirstOrDefault(t => t.Name == name)
            ?? throw new UserFacingException($"{path}: the file has no tensor named '{name}'");
    }

    public static Contents Load(string path)
    {
        byte[] bytes;
        try { bytes = File.ReadAllBytes(path); }
        catch (FileNotFoundException) { throw new UserFacingException($"{path}: file not found"); }
        catch (DirectoryNotFoundException) { throw new UserFacingException($"{path}: file not found"); }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new UserFacingException($"{path}: cannot read ({e.Message})");
        }
        return Parse(bytes, path);
    }

    public static Contents Parse(byte[] bytes, string path)
    {
        if (bytes.Length < Magic.Length + 1 || !bytes.AsSpan(0, Magic.Length).SequenceEqual(Magic))
            throw new UserFacingException($"{path}: not an OnChip model or checkpoint file (bad magic)");
        if (bytes[Magic.Length] != Version)
            throw new UserFacingException($"{path}: file format version {bytes[Magic.Length]} is not supported (this OnChip reads version {Version})");
        const int prefix = 8 + 4;
        if (bytes.Length < prefix + 32) throw new UserFacingException($"{path}: truncated file ({bytes.Length} bytes)");
        var digest = SHA256.HashData(bytes.AsSpan(0, bytes.Length - 32));
        uint headerLength = BinaryPrimitives.ReadUInt32LittleEndian(bytes.AsSpan(8));
        if (prefix + (long)headerLength + 32 > bytes.Length)
            throw new UserFacingException($"{path}: truncated file (header of {headerLength} bytes does not fit in {bytes.Length} bytes)");
        if (!digest.AsSpan().SequenceEqual(bytes.AsSpan(bytes.Length - 32)))
            throw new UserFacingException($"{path}: checksum mismatch: the file is corrupt or truncated");

        JsonObject header;
        try { header = JsonNode.Parse(bytes.AsSpan(prefix, (int)headerLength))!.AsObject(); }
        catch (Exception e) when (e is JsonException or InvalidOperationException or NullReferenceException)
        {
            throw new UserFacingException($"{path}: unreadable header ({e.Message})");
        }
        string kind = header["kind"]?.GetValue<string>() ?? throw new UserFacingException($"{path}: header has no kind");
        var metadata = header["metadata"] as JsonObject ?? [];
        var tensors = new List<NamedTensor>();
        long offset = prefix + headerLength;
        long end = bytes.Length - 32;
        foreach (var node in header["tensors"]?.AsArray() ?? [])
        {
            string name = node!["name"]!.GetValue<string>();
            int[] shape = node["shape"]!.AsArray().Select(d => d!.GetValue<int>()).ToArray();
            long count = shape.Aggregate(1L, (a, b) => a * b);
            if (shape.Any(d => d < 0) || offset + count * 4 > end)
                throw new UserFacingException($"{path}: tensor {name} does not fit in the file (corrupt header or truncated data)");
            var data = new float[count];
            MemoryMarshal.Cast<byte, float>(bytes.AsSpan((int)offset, (int)(count * 4))).CopyTo(data);
            offset += count * 4;
            tensors.Add(new NamedTensor(name, shape, data));
        }
        if (offset != end) throw new UserFacingException($"{path}: {end - offset} unexpected bytes after the tensors");
        return new Contents(kind, metadata, tensors);
    }
}
