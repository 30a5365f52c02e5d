using OnChip.Cli;
using OnChip.Tests.Data;
using OnChip.Training;

namespace OnChip.Tests.Convolution;

/// <summary>
/// The published CIFAR architecture's shape (4 conv layers, paddings 1-1-1-0, max pools) end to end on synthetic
/// CIFAR-10 files, narrowed to a few channels so it runs in seconds: normalisation, augmentation, training, eval.
/// </summary>
public class CifarSmokeTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("onchip-cifar-smoke-").FullName;
    public void Dispose() => Directory.Delete(_dir, recursive: true);

    private static (int Code, string Out, string Err) Run(params string[] args)
    {
        var output = new StringWriter();
        var error = new StringWriter();
        int code = Program.Run(args, output, error);
        return (code, output.ToString(), error.ToString());
    }

    [Fact]
    public void Synthetic_cifar10_trains_with_normalisation_and_augmentation_and_evaluates()
    {
        string data = Path.Combine(_dir, "cifar10");
        CifarTestFiles.WriteCifar10(data, perBatch: 80, test: 100);
        string run = Path.Combine(_dir, "run");
        var (code, output, error) = Run("train", "--data", data, "--model", "conv", "--channels", "6-8-8-8", "--kernels", "3-3-3-3",
            "--pools", "mmmm", "--paddings", "1-1-1-0", "--fc", "10", "--loss", "ce", "--rule", "ep-symmetric", "--beta", "0.5",
            "--t1", "20", "--t2", "5", "--batch", "20", "--epochs", "3", "--act", "mysig", "--optim", "adam", "--lr", "0.002", "--cosine", "false", "--normalize", "--augment", "--crop-padding", "2",
            "--update-order", "async", "--seed", "3", "--out", run);
        Assert.True(code == 0, error);
        Assert.Contains("400 train, 100 test", output);
        var metrics = MetricsLog.Read(Path.Combine(run, "metrics.jsonl"));
        double accuracy = metrics[^1]["test_acc"].GetDouble();
        Assert.True(accuracy > 0.3, $"test accuracy {accuracy:P1} on an easy synthetic task (chance 10%)");
        var (evalCode, evalOut, evalErr) = Run("eval", "--model", Path.Combine(run, "model.onchip"), "--data", data);
        Assert.True(evalCode == 0, evalErr);
        Assert.Contains($"accuracy {100 * accuracy:F2}%", evalOut);
        // The GDU check runs on the trained conv model, through the synchronous dynamics although it trained async.
        var (gduCode, gduOut, gduErr) = Run("gdu", "--model", Path.Combine(run, "model.onchip"), "--data", data, "--batch", "8",
            "--t1", "20", "--t2", "5", "--out", Path.Combine(_dir, "gdu"));
        Assert.True(gduCode == 0, gduErr);
        Assert.Contains("W3", gduOut);
    }
}
