using System.Text.Json;
using OnChip.Cli;
using OnChip.Reports;
using OnChip.Training;

namespace OnChip.Tests.Rbm;

/// <summary>RBM model files are a kind of <see cref="ModelKinds"/>: <c>onchip eval</c>, <c>export</c> and <c>report</c> read them.</summary>
public class RbmModelKindTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("onchip-rbm-kind-").FullName;
    public void Dispose() => Directory.Delete(_dir, recursive: true);

    private static (int Code, string Out, string Err) Run(params string[] args)
    {
        var output = new StringWriter();
        var error = new StringWriter();
        return (Program.Run(args, output, error), output.ToString(), error.ToString());
    }

    private string Train(string model)
    {
        string run = Path.Combine(_dir, model);
        var (code, _, error) = Run("rbm", "train", "--model", model, "--hidden", "30", "--epochs", "2", "--train-limit", "500", "--test-limit", "200",
            "--threads", "2", "--out", run);
        Assert.True(code == 0, error);
        return run;
    }

    [Theory]
    [InlineData("drbm")]
    [InlineData("rbm")]
    public void Eval_scores_an_rbm_file_as_the_run_measured_it(string model)
    {
        string run = Train(model);
        var last = MetricsLog.Read(Path.Combine(run, "metrics.jsonl"))[^1];
        var (code, output, error) = Run("eval", "--model", Path.Combine(run, "model.onchip"), "--limit", "200", "--threads", "1");
        Assert.True(code == 0, error);
        Assert.Contains($"{model} 784{(model == "drbm" ? "+10" : "")}-30", output);
        Assert.Contains($"accuracy {100 * last["test_acc"].GetDouble():F2}%", output);
        Assert.Contains($"recon_error {last["recon_error"].GetDouble():G6}"[..18], output);
        // An RBM has no relaxation to shorten.
        (code, _, error) = Run("eval", "--model", Path.Combine(run, "model.onchip"), "--t1", "5");
        Assert.Equal(1, code);
        Assert.StartsWith("error: --t1:", error);
    }

    [Fact]
    public void Export_describes_every_rbm_tensor_and_report_names_the_model()
    {
        string run = Train("rbm");
        string npy = Path.Combine(_dir, "npy");
        var (code, _, error) = Run("export", Path.Combine(run, "model.onchip"), "--out", npy);
        Assert.True(code == 0, error);
        using (var manifest = JsonDocument.Parse(File.ReadAllText(Path.Combine(npy, "manifest.json"))))
        {
            Assert.Equal("rbm", manifest.RootElement.GetProperty("kind").GetString());
            var tensors = manifest.RootElement.GetProperty("tensors").EnumerateArray().ToDictionary(t => t.GetProperty("name").GetString()!);
            Assert.Equal(["W", "a", "b", "R", "c"], tensors.Keys);
            Assert.StartsWith("weights [visible, hidden] = [784, 30]", tensors["W"].GetProperty("description").GetString());
            Assert.StartsWith("read-out weights [hidden, classes] = [30, 10]", tensors["R"].GetProperty("description").GetString());
        }

        var warnings = new List<string>();
        var read = RunReader.Read(run, warnings.Add);
        Assert.Empty(warnings);
        Assert.Equal("rbm 784-30, binarize sample (epoch 2)", read.Model);
        Assert.NotNull(read.Filters);
        Assert.Equal(2, read.Epochs.Count);
        string html = Path.Combine(_dir, "report.html");
        (code, var output, error) = Run("report", run, "--out", html);
        Assert.True(code == 0, error);
        Assert.Contains("filter image(s)", output);
        Assert.Contains("rbm 784-30, binarize sample (epoch 2)", File.ReadAllText(html));
    }

    [Fact]
    public void A_checkpoint_is_not_a_model_for_eval()
    {
        string run = Train("drbm");
        var (code, _, error) = Run("eval", "--model", Path.Combine(run, Checkpoint.FileName));
        Assert.Equal(1, code);
        Assert.Contains("holds a 'onchip-checkpoint' file, not a model", error);
    }
}
