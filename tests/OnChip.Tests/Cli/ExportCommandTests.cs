using System.CommandLine;
using System.Text.Json.Nodes;
using OnChip.Cli.Commands;
using OnChip.Configuration;
using OnChip.Data;
using OnChip.Networks;
using OnChip.Persistence;
using OnChip.Training;

namespace OnChip.Tests.Cli;

/// <summary><c>onchip export</c>, invoked through its own command (as the real root command will).</summary>
public class ExportCommandTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("onchip-export-").FullName;
    public void Dispose() => Directory.Delete(_dir, recursive: true);

    private static (int Code, string Out, string Err) Run(params string[] args)
    {
        var output = new StringWriter();
        var error = new StringWriter();
        var root = new RootCommand { ExportCommand.Create(output, error) };
        int code = root.Parse(["export", .. args]).Invoke(new InvocationConfiguration { Output = output, Error = error });
        return (code, output.ToString(), error.ToString());
    }

    private LayeredNetwork SavedModel(string path, string loss = "mse")
    {
        var network = HopfieldNetwork.Create(new NetworkSpec([784, 20, 10], "mysig", loss));
        network.Initialize(new Randomness.Rng(7));
        ModelFile.Save(path, network, new JsonObject { ["t1"] = 30, ["epoch"] = 2 });
        return network;
    }

    [Fact]
    public void Model_exports_one_npy_per_tensor_and_a_manifest()
    {
        string model = Path.Combine(_dir, "model.onchip");
        var network = SavedModel(model);
        string outDir = Path.Combine(_dir, "npy");
        var (code, output, error) = Run(model, "--format", "npy", "-o", outDir);
        Assert.True(code == 0, error);
        Assert.Contains("exported 4 tensor(s)", output);

        var manifest = JsonNode.Parse(File.ReadAllText(Path.Combine(outDir, "manifest.json")))!.AsObject();
        Assert.Equal(Path.GetFullPath(model), manifest["source"]!.GetValue<string>());
        Assert.Equal("layered-ep", manifest["kind"]!.GetValue<string>());
        Assert.Equal("784-20-10", manifest["metadata"]!["archi"]!.GetValue<string>());
        Assert.Equal(2, manifest["metadata"]!["epoch"]!.GetValue<int>());
        var tensors = manifest["tensors"]!.AsArray();
        Assert.Equal(["W0", "b1", "W1", "b2"], tensors.Select(t => t!["name"]!.GetValue<string>()));
        Assert.Equal(["W0.npy", "W1.npy", "b1.npy", "b2.npy", "manifest.json"],
            Directory.GetFiles(outDir).Select(f => Path.GetFileName(f)).Order(StringComparer.Ordinal));
        foreach (var entry in tensors)
        {
            var parameter = network.Parameter(entry!["name"]!.GetValue<string>());
            int[] shape = entry["shape"]!.AsArray().Select(d => d!.GetValue<int>()).ToArray();
            Assert.Equal(parameter.Shape, shape);
            Assert.Equal("float32", entry["dtype"]!.GetValue<string>());
            var array = NpyFile.Load(Path.Combine(outDir, entry["file"]!.GetValue<string>()));
            Assert.Equal(shape, array.Shape);
            Assert.Equal(parameter.Value.Data, array.Data);
        }
        Assert.Equal([20, 784], NpyFile.Load(Path.Combine(outDir, "W0.npy")).Shape);
        Assert.Contains("layer 0 (columns, 784 units) to layer 1 (rows, 20 units)", tensors[0]!["description"]!.GetValue<string>());
        Assert.Contains("bias b1 of layer 1", tensors[1]!["description"]!.GetValue<string>());
        Assert.Empty(Directory.GetFiles(outDir, "*.tmp", new EnumerationOptions { AttributesToSkip = 0 }));
    }

    [Fact]
    public void Trained_run_exports_and_the_readout_is_named()
    {
        var config = new TrainingConfig
        {
            Archi = "784-16-10", Loss = "ce", Rule = "ep-symmetric", Epochs = 1, Threads = 2, Out = Path.Combine(_dir, "run"),
        };
        var embedded = DatasetLoader.Load("embedded");
        var run = TrainingRun.Execute(config, new DataSplit(embedded.Train.Take(200), embedded.Test.Take(50))).Directory;
        string outDir = Path.Combine(_dir, "out");
        var (code, _, error) = Run(run.ModelPath, "-o", outDir);
        Assert.True(code == 0, error);
        var manifest = JsonNode.Parse(File.ReadAllText(Path.Combine(outDir, "manifest.json")))!;
        Assert.Equal("ce", manifest["metadata"]!["loss"]!.GetValue<string>());
        var readout = manifest["tensors"]!.AsArray().Single(t => t!["name"]!.GetValue<string>() == "W1")!;
        Assert.Contains("softmax readout", readout["description"]!.GetValue<string>());
        Assert.Equal([10, 16], NpyFile.Load(Path.Combine(outDir, "W1.npy")).Shape);
    }

    [Fact]
    public void Any_kind_of_tensor_file_exports_with_generic_descriptions()
    {
        string path = Path.Combine(_dir, "other.onchip");
        TensorArchive.Save(path, "rbm", new JsonObject { ["visible"] = 6 },
            [new NamedTensor("weights", [2, 3], [1, 2, 3, 4, 5, 6]), new NamedTensor("hidden/bias", [2], [7, 8])]);
        string outDir = Path.Combine(_dir, "rbm");
        var (code, _, error) = Run(path, "--out", outDir);
        Assert.True(code == 0, error);
        var manifest = JsonNode.Parse(File.ReadAllText(Path.Combine(outDir, "manifest.json")))!;
        Assert.Equal("rbm", manifest["kind"]!.GetValue<string>());
        Assert.Equal(6, manifest["metadata"]!["visible"]!.GetValue<int>());
        var second = manifest["tensors"]![1]!;
        Assert.Equal("hidden/bias", second["name"]!.GetValue<string>());
        Assert.Equal("hidden_bias.npy", second["file"]!.GetValue<string>());
        Assert.Contains("'rbm' file", second["description"]!.GetValue<string>());
        Assert.Equal([7f, 8f], NpyFile.Load(Path.Combine(outDir, "hidden_bias.npy")).Data);
    }

    [Fact]
    public void Existing_export_is_not_overwritten()
    {
        string model = Path.Combine(_dir, "model.onchip");
        SavedModel(model);
        string outDir = Path.Combine(_dir, "npy");
        Assert.Equal(0, Run(model, "-o", outDir).Code);
        var (code, _, error) = Run(model, "-o", outDir);
        Assert.NotEqual(0, code);
        Assert.StartsWith("error: ", error);
        Assert.Contains("already holds an export", error);
        Assert.Single(error.Trim().Split('\n'));
    }

    [Theory]
    [InlineData("--format", "csv", "expected one of: npy")]
    [InlineData("--format", "npz", "did you mean 'npy'")]
    public void Unknown_format_lists_the_formats(string option, string value, string expected)
    {
        string model = Path.Combine(_dir, "model.onchip");
        SavedModel(model);
        var (code, _, error) = Run(model, option, value, "-o", Path.Combine(_dir, "x"));
        Assert.NotEqual(0, code);
        Assert.Contains(expected, error);
        Assert.False(Directory.Exists(Path.Combine(_dir, "x")));
    }

    [Fact]
    public void Missing_or_corrupt_model_and_missing_out_are_errors()
    {
        var (code, _, error) = Run(Path.Combine(_dir, "nope.onchip"), "-o", Path.Combine(_dir, "x"));
        Assert.NotEqual(0, code);
        Assert.Contains("not found", error);
        Assert.Single(error.Trim().Split('\n'));

        string junk = Path.Combine(_dir, "junk.onchip");
        File.WriteAllText(junk, "junk");
        (code, _, error) = Run(junk, "-o", Path.Combine(_dir, "y"));
        Assert.NotEqual(0, code);
        Assert.Contains("not an OnChip model", error);

        (code, _, error) = Run(junk);
        Assert.NotEqual(0, code);
        Assert.Contains("--out", error);
    }
}
