using OnChip.Randomness;

namespace OnChip.Tests.Data;

/// <summary>Writes small files in the CIFAR binary formats (no CIFAR data exists on the test machines).</summary>
internal static class CifarTestFiles
{
    /// <summary>
    /// A synthetic, learnable CIFAR-10 directory: the label sets which of 10 (channel, half) blocks is bright, the
    /// rest is noise. Pixel (c, y, x) of record r is written at byte 1 + c·1024 + y·32 + x, as the format says.
    /// </summary>
    public static void WriteCifar10(string directory, int perBatch, int test, ulong seed = 1)
    {
        Directory.CreateDirectory(directory);
        var rng = new Rng(seed);
        for (int b = 1; b <= 5; b++) File.WriteAllBytes(Path.Combine(directory, $"data_batch_{b}.bin"), Records(perBatch, rng, coarse: false));
        File.WriteAllBytes(Path.Combine(directory, "test_batch.bin"), Records(test, rng, coarse: false));
    }

    public static void WriteCifar100(string directory, int train, int test, ulong seed = 2)
    {
        Directory.CreateDirectory(directory);
        var rng = new Rng(seed);
        File.WriteAllBytes(Path.Combine(directory, "train.bin"), Records(train, rng, coarse: true));
        File.WriteAllBytes(Path.Combine(directory, "test.bin"), Records(test, rng, coarse: true));
    }

    public static byte Label(int record, bool coarse) => (byte)(coarse ? (record * 37) % 100 : record % 10);

    private static byte[] Records(int count, Rng rng, bool coarse)
    {
        int labelBytes = coarse ? 2 : 1;
        var bytes = new byte[count * (labelBytes + 3072)];
        for (int r = 0; r < count; r++)
        {
            int at = r * (labelBytes + 3072);
            byte label = Label(r, coarse);
            if (coarse) bytes[at] = (byte)(label / 5);
            bytes[at + labelBytes - 1] = label;
            int block = label % 10, channel = block % 3, half = block / 3;  // 10 blocks: (channel, quarter of the rows)
            for (int c = 0; c < 3; c++)
                for (int y = 0; y < 32; y++)
                    for (int x = 0; x < 32; x++)
                    {
                        bool bright = c == channel && y / 8 == half;
                        bytes[at + labelBytes + c * 1024 + y * 32 + x] = (byte)(bright ? 200 + rng.NextInt(56) : rng.NextInt(80));
                    }
        }
        return bytes;
    }
}
