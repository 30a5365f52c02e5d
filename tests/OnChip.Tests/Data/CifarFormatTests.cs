using OnChip.Data;
using OnChip.Randomness;
using OnChip.Tensors;

namespace OnChip.Tests.Data;

public class CifarFormatTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("onchip-cifar-").FullName;
    public void Dispose() => Directory.Delete(_dir, recursive: true);

    [Fact]
    public void Cifar10_directory_loads_channel_major_images_and_labels()
    {
        CifarTestFiles.WriteCifar10(_dir, perBatch: 3, test: 4);
        var split = DatasetLoader.Load(_dir);
        Assert.Equal((15, 4), (split.Train.Count, split.Test.Count));
        Assert.Equal((3, 32, 32, 10), (split.Train.Channels, split.Train.Height, split.Train.Width, split.Train.ClassCount));
        // record 1 of data_batch_2 is training example 4; its bytes are at 4·3073
        var bytes = File.ReadAllBytes(Path.Combine(_dir, "data_batch_2.bin"));
        Assert.Equal(bytes[3073], split.Train.Labels[4]);
        Assert.Equal(CifarTestFiles.Label(1, coarse: false), split.Train.Labels[4]);
        var x = split.Train.Example(4);
        foreach (var (c, y, xx) in new[] { (0, 0, 0), (1, 5, 7), (2, 31, 31) })
            Assert.Equal(bytes[3073 + 1 + c * 1024 + y * 32 + xx] / 255f, x[c * 1024 + y * 32 + xx]);
    }

    [Fact]
    public void Cifar100_uses_the_fine_labels()
    {
        CifarTestFiles.WriteCifar100(_dir, train: 7, test: 3);
        var split = DatasetLoader.Load(_dir);
        Assert.Equal(100, split.Train.ClassCount);
        Assert.Equal(Enumerable.Range(0, 7).Select(r => CifarTestFiles.Label(r, coarse: true)), split.Train.Labels);
    }

    [Fact]
    public void Truncated_file_is_rejected_naming_the_file_and_the_leftover()
    {
        CifarTestFiles.WriteCifar10(_dir, perBatch: 2, test: 2);
        string path = Path.Combine(_dir, "data_batch_3.bin");
        var bytes = File.ReadAllBytes(path);
        File.WriteAllBytes(path, bytes[..^100]);
        var e = Assert.Throws<DataException>(() => DatasetLoader.Load(_dir));
        Assert.Contains("data_batch_3.bin: 6046 bytes is not a whole number of 3073-byte CIFAR-10 records (1 records and 2973 bytes left over)", e.Message);
    }

    [Fact]
    public void Out_of_range_label_and_empty_file_are_rejected()
    {
        CifarTestFiles.WriteCifar10(_dir, perBatch: 2, test: 2);
        string path = Path.Combine(_dir, "test_batch.bin");
        var bytes = File.ReadAllBytes(path);
        bytes[3073] = 10;
        File.WriteAllBytes(path, bytes);
        var e = Assert.Throws<DataException>(() => DatasetLoader.Load(_dir));
        Assert.Contains("test_batch.bin: record 1 has label 10, expected 0..9", e.Message);
        File.WriteAllBytes(path, []);
        e = Assert.Throws<DataException>(() => DatasetLoader.Load(_dir));
        Assert.Contains("test_batch.bin: empty file", e.Message);
    }

    [Fact]
    public void Incomplete_directory_names_the_missing_files()
    {
        CifarTestFiles.WriteCifar10(_dir, perBatch: 1, test: 1);
        File.Delete(Path.Combine(_dir, "data_batch_5.bin"));
        var e = Assert.Throws<DataException>(() => DatasetLoader.Load(_dir));
        Assert.Contains("is missing data_batch_5.bin; the CIFAR-10 format needs", e.Message);
    }

    [Fact]
    public void Normalisation_gives_each_training_channel_zero_mean_and_unit_variance()
    {
        CifarTestFiles.WriteCifar10(_dir, perBatch: 4, test: 3);
        var split = DatasetLoader.Load(_dir);
        var norm = ChannelNormalization.Of(split.Train);
        var train = norm.Apply(split).Train;
        for (int c = 0; c < 3; c++)
        {
            var values = Enumerable.Range(0, train.Count).SelectMany(i => train.Example(i).Slice(c * 1024, 1024).ToArray()).Select(v => (double)v).ToArray();
            Assert.Equal(0, values.Average(), 4);
            Assert.Equal(1, Math.Sqrt(values.Select(v => v * v).Average()), 3);
        }
    }

    [Fact]
    public void Augmentation_shifts_flips_and_is_deterministic_per_seed()
    {
        var aug = new Augmentation(2, 3, 4, padding: 1, flip: true);
        float[] image = Enumerable.Range(0, 24).Select(i => (float)(i + 1)).ToArray();
        var shifted = (float[])image.Clone();
        aug.Transform(shifted, dy: 1, dx: -1, mirror: false);
        // out[c, y, x] = in[c, y + 1, x − 1]: row 0 of channel 0 reads row 1 shifted right, zero at x = 0
        Assert.Equal([0f, 5f, 6f, 7f], shifted[..4]);
        Assert.Equal([0f, 0f, 0f, 0f], shifted[8..12]);
        var mirrored = (float[])image.Clone();
        aug.Transform(mirrored, 0, 0, mirror: true);
        Assert.Equal([4f, 3f, 2f, 1f, 8f, 7f, 6f, 5f], mirrored[..8]);
        Assert.Equal([16f, 15f, 14f, 13f], mirrored[12..16]);

        Matrix Batch(ulong seed)
        {
            var m = new Matrix(6, 24);
            for (int r = 0; r < 6; r++) image.CopyTo(m.Row(r));
            aug.Apply(m, 6, new Rng(seed));
            return m;
        }
        Assert.Equal(Batch(5).Data, Batch(5).Data);
        Assert.NotEqual(Batch(5).Data, Batch(6).Data);
    }
}
