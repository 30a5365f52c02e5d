using System.Text.Json.Nodes;
using OnChip.Networks;
using OnChip.Persistence;

namespace OnChip.Tests.Persistence;

public class ModelFileTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("onchip-model-").FullName;
    public void Dispose() => Directory.Delete(_dir, recursive: true);

    private LayeredNetwork Saved(string path, string loss = "ce")
    {
        var network = HopfieldNetwork.Create(new NetworkSpec([7, 5, 3], "tanh", loss));
        network.Initialize(new Randomness.Rng(3));
        ModelFile.Save(path, network, new JsonObject { ["t1"] = 17 });
        return network;
    }

    [Theory]
    [InlineData("mse")]
    [InlineData("ce")]
    public void Round_trip_restores_every_parameter_bit_for_bit(string loss)
    {
        string path = Path.Combine(_dir, "m.onchip");
        var network = Saved(path, loss);
        var loaded = ModelFile.Load(path);
        Assert.Equal(17, loaded.FreeSteps);
        Assert.Equal(network.Spec.ArchiText, loaded.Network.Spec.ArchiText);
        Assert.Equal(loss, loaded.Network.Spec.Loss);
        foreach (var p in network.Parameters) Assert.Equal(p.Value.Data, loaded.Network.Parameter(p.Name).Value.Data);
        Assert.Empty(Directory.GetFiles(_dir, "*.tmp"));
    }

    [Fact]
    public void Flipped_byte_is_reported_as_corrupt()
    {
        string path = Path.Combine(_dir, "m.onchip");
        Saved(path);
        var bytes = File.ReadAllBytes(path);
        bytes[bytes.Length / 2] ^= 0x40;
        File.WriteAllBytes(path, bytes);
        var e = Assert.Throws<UserFacingException>(() => ModelFile.Load(path));
        Assert.Contains("checksum", e.Message);
    }

    [Fact]
    public void Truncated_file_is_reported()
    {
        string path = Path.Combine(_dir, "m.onchip");
        Saved(path);
        var bytes = File.ReadAllBytes(path);
        File.WriteAllBytes(path, bytes[..(bytes.Length - 100)]);
        var e = Assert.Throws<UserFacingException>(() => ModelFile.Load(path));
        Assert.Contains(path, e.Message);
    }

    [Fact]
    public void Other_files_are_rejected()
    {
        string path = Path.Combine(_dir, "notes.txt");
        File.WriteAllText(path, "hello, this is not a model");
        Assert.Contains("not an OnChip model", Assert.Throws<UserFacingException>(() => ModelFile.Load(path)).Message);
        Assert.Contains("not found", Assert.Throws<UserFacingException>(() => ModelFile.Load(Path.Combine(_dir, "missing"))).Message);
    }
}
