using OnChip.Cli;

namespace OnChip.Tests.Sweeps;

/// <summary>A temporary directory for one sweep test, the CLI entry point, and fake run results.</summary>
public abstract class SweepTestDirectory : IDisposable
{
    protected readonly string Dir = Directory.CreateTempSubdirectory("onchip-sweep-").FullName;

    public void Dispose()
    {
        Directory.Delete(Dir, recursive: true);
        GC.SuppressFinalize(this);
    }

    protected static (int Code, string Out, string Err) Cli(params string[] args)
    {
        var output = new StringWriter();
        var error = new StringWriter();
        int code = Program.Run(args, output, error);
        return (code, output.ToString(), error.ToString());
    }

    protected string WriteSpec(string yaml, string name = "spec.yaml")
    {
        string path = Path.Combine(Dir, name);
        File.WriteAllText(path, yaml);
        return path;
    }

    /// <summary>Writes metrics.jsonl lines for epochs 1 … <paramref name="epochs"/> (test_acc = <paramref name="acc"/> + epoch / 100).</summary>
    protected static void WriteMetrics(string runDirectory, int epochs, double acc)
    {
        Directory.CreateDirectory(runDirectory);
        File.WriteAllLines(Path.Combine(runDirectory, "metrics.jsonl"), Enumerable.Range(1, epochs).Select(e =>
            FormattableString.Invariant($"{{\"epoch\":{e},\"train_acc\":{acc},\"test_acc\":{acc + e / 100.0},\"train_loss\":0.5,\"test_loss\":0.4,\"epoch_seconds\":1.5}}")));
    }
}
