using System.Diagnostics;
using System.Text;
using OnChip.Persistence;

namespace OnChip.Tests.Persistence;

public class NpyFileTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("onchip-npy-").FullName;
    public void Dispose() => Directory.Delete(_dir, recursive: true);

    /// <summary>The exact preamble numpy.save writes (NumPy ≥ 1.24: 21 − len(str(shape[0])) spaces of growth room, then
    /// spaces up to a multiple of 64 bytes and '\n'), spelled out by hand.</summary>
    private static byte[] NumpyPreamble(string dict, int spaces, int headerLength)
    {
        var bytes = new List<byte> { 0x93 };
        bytes.AddRange("NUMPY"u8.ToArray());
        bytes.AddRange([1, 0, (byte)(headerLength & 0xFF), (byte)(headerLength >> 8)]);
        bytes.AddRange(Encoding.ASCII.GetBytes(dict + new string(' ', spaces) + "\n"));
        return bytes.ToArray();
    }

    [Fact]
    public void Header_is_byte_exact_for_a_matrix()
    {
        // numpy.save(f, numpy.zeros((2, 3), numpy.float32)): 128-byte preamble, header length 118 = 0x76.
        var expected = NumpyPreamble("{'descr': '<f4', 'fortran_order': False, 'shape': (2, 3), }", 58, 118);
        Assert.Equal(128, expected.Length);
        Assert.Equal(expected, NpyFile.Preamble([2, 3]));
    }

    [Fact]
    public void Header_is_byte_exact_for_a_vector_and_a_large_matrix()
    {
        Assert.Equal(NumpyPreamble("{'descr': '<f4', 'fortran_order': False, 'shape': (10,), }", 59, 118), NpyFile.Preamble([10]));
        Assert.Equal(NumpyPreamble("{'descr': '<f4', 'fortran_order': False, 'shape': (512, 784), }", 54, 118), NpyFile.Preamble([512, 784]));
        Assert.Equal(NumpyPreamble("{'descr': '<f4', 'fortran_order': False, 'shape': (), }", 62, 118), NpyFile.Preamble([]));
    }

    [Fact]
    public void Header_that_is_already_aligned_gets_a_full_block_of_padding()
    {
        // NumPy pads by 64 − (len % 64), i.e. a whole 64 bytes when the unpadded preamble is already aligned:
        // 10 + 97 + 20 growth spaces + 1 = 128, so 64 more spaces follow (total 192, header length 182).
        int[] shape = [.. Enumerable.Repeat(1, 13), 100];
        string dict = "{'descr': '<f4', 'fortran_order': False, 'shape': (1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 100), }";
        Assert.Equal(97, dict.Length);
        Assert.Equal(NumpyPreamble(dict, 20 + 64, 182), NpyFile.Preamble(shape));
    }

    [Theory]
    [InlineData(new[] { 1 })]
    [InlineData(new[] { 7, 3 })]
    [InlineData(new[] { 123456, 1 })]
    [InlineData(new[] { 2, 3, 4, 5, 6 })]
    public void Preamble_is_64_byte_aligned_and_ends_with_a_newline(int[] shape)
    {
        var preamble = NpyFile.Preamble(shape);
        Assert.Equal(0, preamble.Length % 64);
        Assert.Equal((byte)'\n', preamble[^1]);
        Assert.Equal(preamble.Length - 10, BitConverter.ToUInt16(preamble, 8));
    }

    [Fact]
    public void Data_follows_in_C_order_little_endian_and_reads_back()
    {
        // Row-major: element [i, j] of a 2×3 array is at i*3 + j.
        float[] data = [0f, 1f, 2f, 10f, 11f, 12.5f];
        string path = Path.Combine(_dir, "a.npy");
        NpyFile.Save(path, [2, 3], data);
        var bytes = File.ReadAllBytes(path);
        Assert.Equal(128 + 6 * 4, bytes.Length);
        Assert.Equal(new byte[] { 0, 0, 0x20, 0x41 }, bytes[(128 + 3 * 4)..(128 + 4 * 4)]); // element [1, 0] = 10f = 0x41200000
        var back = NpyFile.Load(path);
        Assert.Equal([2, 3], back.Shape);
        Assert.Equal(data, back.Data);
    }

    [Fact]
    public void One_dimensional_arrays_round_trip()
    {
        var random = new Random(3);
        var data = Enumerable.Range(0, 1000).Select(_ => (float)random.NextDouble() - 0.5f).ToArray();
        data[5] = float.NaN;
        data[6] = float.NegativeInfinity;
        data[7] = -0f;
        string path = Path.Combine(_dir, "v.npy");
        NpyFile.Save(path, [1000], data);
        Assert.Contains("'shape': (1000,), }", Encoding.ASCII.GetString(File.ReadAllBytes(path), 10, 118));
        var back = NpyFile.Load(path);
        Assert.Equal([1000], back.Shape);
        Assert.Equal(data.Select(BitConverter.SingleToInt32Bits), back.Data.Select(BitConverter.SingleToInt32Bits));
    }

    [Fact]
    public void Shape_must_match_the_data()
    {
        Assert.Throws<ArgumentException>(() => NpyFile.Write(new MemoryStream(), [2, 2], new float[5]));
    }

    [Fact]
    public void Other_dtypes_and_corrupt_files_are_rejected()
    {
        string path = Path.Combine(_dir, "f8.npy");
        var header = Encoding.ASCII.GetBytes("{'descr': '<f8', 'fortran_order': False, 'shape': (1,), }".PadRight(117) + "\n");
        File.WriteAllBytes(path, [0x93, .. "NUMPY"u8.ToArray(), 1, 0, 118, 0, .. header, .. new byte[8]]);
        Assert.Contains("'<f8'", Assert.Throws<UserFacingException>(() => NpyFile.Load(path)).Message);

        string truncated = Path.Combine(_dir, "t.npy");
        NpyFile.Save(truncated, [4], [1, 2, 3, 4]);
        File.WriteAllBytes(truncated, File.ReadAllBytes(truncated)[..^2]);
        Assert.Contains("bytes of data", Assert.Throws<UserFacingException>(() => NpyFile.Load(truncated)).Message);

        string junk = Path.Combine(_dir, "junk.npy");
        File.WriteAllText(junk, "not numpy");
        Assert.Contains("bad magic", Assert.Throws<UserFacingException>(() => NpyFile.Load(junk)).Message);
    }

    [NumpyFact]
    public void NumPy_writes_the_same_bytes_and_reads_ours()
    {
        string ours = Path.Combine(_dir, "ours.npy");
        string theirs = Path.Combine(_dir, "theirs.npy");
        NpyFile.Save(ours, [2, 3], [0f, 1f, 2f, 3f, 4f, 5f]);
        string script = $"import numpy as np; a = np.load(r'{ours}'); assert a.dtype == np.float32 and a.shape == (2, 3), a; " +
                        $"assert a[1, 0] == 3.0; np.save(r'{theirs}', np.arange(6, dtype=np.float32).reshape(2, 3)); print('ok')";
        var (code, output) = NumpyFactAttribute.Python(script);
        Assert.True(code == 0, output);
        Assert.Equal(File.ReadAllBytes(theirs), File.ReadAllBytes(ours));
    }
}

/// <summary>A fact that runs only where python3 can import numpy (an extra check; the byte-exact tests stand alone).</summary>
public sealed class NumpyFactAttribute : FactAttribute
{
    private static readonly Lazy<bool> Available = new(() =>
    {
        try { return Python("import numpy").Code == 0; }
        catch (Exception e) when (e is System.ComponentModel.Win32Exception or InvalidOperationException) { return false; }
    });

    public NumpyFactAttribute()
    {
        if (!Available.Value) Skip = "python3 with numpy is not installed";
    }

    public static (int Code, string Output) Python(string script)
    {
        var info = new ProcessStartInfo("python3") { RedirectStandardOutput = true, RedirectStandardError = true };
        info.ArgumentList.Add("-c");
        info.ArgumentList.Add(script);
        using var process = Process.Start(info)!;
        var stdout = process.StandardOutput.ReadToEndAsync();
        string stderr = process.StandardError.ReadToEnd();
        if (!process.WaitForExit(60_000)) { process.Kill(entireProcessTree: true); return (-1, "python3 timed out"); }
        return (process.ExitCode, stdout.Result + stderr);
    }
}
