using OnChip.Persistence;

namespace OnChip.Tests.Persistence;

/// <summary>A write that fails half-way (disk full, I/O error) leaves the previous file intact and no temporary file.</summary>
public class AtomicFileTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("onchip-atomic-").FullName;
    public void Dispose() => Directory.Delete(_dir, recursive: true);

    [Fact]
    public void Disk_full_half_way_keeps_the_good_file()
    {
        string path = Path.Combine(_dir, "model.onchip");
        File.WriteAllText(path, "the good model");
        var e = Assert.Throws<UserFacingException>(() => AtomicFile.Write(path, stream =>
        {
            stream.Write(new byte[1000]);
            throw new IOException("No space left on device");
        }));
        Assert.Contains("No space left on device", e.Message);
        Assert.Contains(path, e.Message);
        Assert.Equal("the good model", File.ReadAllText(path));
        Assert.Equal([path], Directory.GetFiles(_dir));
    }

    [DevFullFact]
    public void Writing_to_a_full_device_is_reported()
    {
        // /dev/full answers every write with ENOSPC: the real "disk full" error, through the real stream.
        var e = Assert.ThrowsAny<IOException>(() =>
        {
            using var full = new FileStream(DevFullFactAttribute.Path, FileMode.Open, FileAccess.Write);
            full.Write(new byte[1 << 16]);
            full.Flush();
        });
        Assert.Contains("space", e.Message, StringComparison.OrdinalIgnoreCase);
    }
}
