using System.CommandLine;
using System.Text.Json;
using OnChip.Cli.Commands;
using OnChip.Persistence;
using OnChip.Training;

namespace OnChip.Tests.Rbm;

/// <summary><c>onchip rbm train|eval</c> end to end, through a root command holding only <see cref="RbmCommand"/>.</summary>
public class RbmCommandTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("onchip-rbm-cli-").FullName;
    public void Dispose() => Directory.Delete(_dir, recursive: true);

    private static (int Code, string Out, string Err) Run(params string[] args)
    {
        var output = new StringWriter();
        var error = new StringWriter();
        var root = new RootCommand { RbmCommand.Create(output, error) };
        int code = root.Parse(args).Invoke(new InvocationConfiguration { Output = output, Error = error });
        return (code, output.ToString(), error.ToString());
    }

    private string[] SmallTrain(string outDir, params string[] extra) =>
        ["rbm", "train", "--hidden", "40", "--epochs", "2", "--train-limit", "600", "--test-limit", "200", "--threads", "2", "--out", outDir, .. extra];

    [Fact]
    public void Train_writes_the_run_directory_and_eval_reads_the_model_back()
    {
        string run = Path.Combine(_dir, "run");
        var (code, output, error) = Run(SmallTrain(run));
        Assert.True(code == 0, error);
        Assert.Contains("test error:", output);
        foreach (var file in new[] { "config.yaml", "metrics.jsonl", "model.onchip", "filters.json" })
            Assert.True(File.Exists(Path.Combine(run, file)), file);

        var metrics = MetricsLog.Read(Path.Combine(run, "metrics.jsonl"));
        Assert.Equal(2, metrics.Count);
        foreach (var key in new[] { "epoch", "test_error", "test_acc", "train_acc", "train_loss", "test_loss", "recon_error", "epoch_seconds" })
            Assert.True(metrics[0].ContainsKey(key), key);
        Assert.Equal(1 - metrics[1]["test_acc"].GetDouble(), metrics[1]["test_error"].GetDouble(), 5);

        using (var filters = JsonDocument.Parse(File.ReadAllText(Path.Combine(run, "filters.json"))))
        {
            Assert.Equal(28, filters.RootElement.GetProperty("width").GetInt32());
            Assert.Equal(28, filters.RootElement.GetProperty("height").GetInt32());
            var list = filters.RootElement.GetProperty("filters");
            Assert.Equal(40, list.GetArrayLength());  // min(100, hidden)
            Assert.Equal(784, list[0].GetArrayLength());
        }

        var (evalCode, evalOut, evalErr) = Run("rbm", "eval", "--model", Path.Combine(run, "model.onchip"), "--limit", "200", "--threads", "1");
        Assert.True(evalCode == 0, evalErr);
        Assert.Contains($"error {100 * metrics[^1]["test_error"].GetDouble():F2}%", evalOut);
    }

    [Fact]
    public void Resolved_config_repeats_the_run()
    {
        string yaml = Path.Combine(_dir, "c.yaml");
        File.WriteAllText(yaml, "hidden: 16\nepochs: 3\ntrain-limit: 200\ntest-limit: 50\ncd-k: 2\nmodel: rbm\npersistent: true\n");
        string run = Path.Combine(_dir, "run");
        var (code, _, error) = Run("rbm", "train", "--config", yaml, "--epochs", "1", "--out", run);
        Assert.True(code == 0, error);
        string resolved = File.ReadAllText(Path.Combine(run, "config.yaml"));
        foreach (var line in new[] { "epochs: 1", "hidden: 16", "cd-k: 2", "model: rbm", "persistent: true", "batch: 100" })
            Assert.Contains(line, resolved);
        string again = Path.Combine(_dir, "again");
        var (code2, _, error2) = Run("rbm", "train", "--config", Path.Combine(run, "config.yaml"), "--out", again);
        Assert.True(code2 == 0, error2);
        Assert.Equal(Strip(MetricsLog.Read(Path.Combine(run, "metrics.jsonl"))), Strip(MetricsLog.Read(Path.Combine(again, "metrics.jsonl"))));
    }

    private static string Strip(IReadOnlyList<Dictionary<string, JsonElement>> metrics) =>
        string.Join("\n", metrics.Select(m => string.Join(",", m.Where(kv => !kv.Key.Contains("second")).Select(kv => $"{kv.Key}={kv.Value}"))));

    [Theory]
    [InlineData("--cd-k", "0", "cd-k")]
    [InlineData("--hidden", "0", "hidden")]
    [InlineData("--binarize", "foo", "binarize")]
    [InlineData("--chains", "0", "chains")]
    [InlineData("--model", "dbn", "model")]
    [InlineData("--lr", "-1", "lr")]
    [InlineData("--batch", "0", "batch")]
    [InlineData("--data", "/nonexistent/dir", "/nonexistent/dir")]
    [InlineData("--train-limit", "99999999", "has only")]
    public void Bad_values_give_one_line_and_a_nonzero_exit(string option, string value, string expected)
    {
        var (code, _, error) = Run("rbm", "train", option, value, "--out", Path.Combine(_dir, "bad"));
        Assert.NotEqual(0, code);
        Assert.Contains(expected, error);
        Assert.StartsWith("error: ", error);
        Assert.Single(error.Trim().Split('\n'));
        Assert.DoesNotContain("   at ", error);
        Assert.False(Directory.Exists(Path.Combine(_dir, "bad")));  // nothing is created before the settings are valid
    }

    [Fact]
    public void Typo_in_yaml_key_is_named_with_a_suggestion()
    {
        string yaml = Path.Combine(_dir, "c.yaml");
        File.WriteAllText(yaml, "cdk: 3\n");
        var (code, _, error) = Run("rbm", "train", "--config", yaml, "--out", Path.Combine(_dir, "bad"));
        Assert.NotEqual(0, code);
        Assert.Contains("unknown key 'cdk'", error);
        Assert.Contains("cd-k", error);
    }

    [Fact]
    public void Eval_rejects_a_model_of_another_kind_or_a_missing_file()
    {
        string notRbm = Path.Combine(_dir, "other.onchip");
        TensorArchive.Save(notRbm, "layered-ep", [], []);
        var (code, _, error) = Run("rbm", "eval", "--model", notRbm);
        Assert.NotEqual(0, code);
        Assert.Contains("not an RBM model", error);
        Assert.Single(error.Trim().Split('\n'));

        var (code2, _, error2) = Run("rbm", "eval", "--model", Path.Combine(_dir, "missing.onchip"));
        Assert.NotEqual(0, code2);
        Assert.Contains("file not found", error2);
    }
}
