using System.Diagnostics;
using OnChip.Training;

namespace OnChip.Tests.Training;

[CollectionDefinition(nameof(ResumeTests), DisableParallelization = true)]
public class ResumeTestsCollection;

/// <summary>
/// Nothing is lost: a run killed at any moment (kill -9) or interrupted (SIGINT) and resumed ends with exactly the
/// weights and metrics of an uninterrupted run (timings aside). Runs alone: it times a child process.
/// </summary>
[Collection(nameof(ResumeTests))]
public class ResumeTests : IDisposable
{
    /// <summary>Epochs long enough (about half a second each here) that a kill 150 ms after the first checkpoint lands mid-run.</summary>
    private static string[] Settings(int epochs) =>
        ["--archi", "784-256-10", "--epochs", epochs.ToString(), "--rule", "ep-random-sign", "--device", "ecram", "--programming", "pulse-train",
         "--optim", "sgd", "--lr", "0.05", "--train-limit", "6000", "--test-limit", "500", "--threads", "2"];

    /// <summary>A resistive network on EC-RAM conductances: its training free phase starts from the previous batch's state, which a checkpoint must carry.</summary>
    private static string[] ResistiveSettings(int epochs) =>
        ["--model", "resistive", "--archi", "784-128-10", "--input-gain", "60", "--epochs", epochs.ToString(), "--t1", "4", "--t2", "4",
         "--rule", "ep-symmetric", "--beta", "0.5", "--device", "ecram", "--programming", "mixed-precision", "--weight-range", "0.2",
         "--optim", "sgd", "--momentum", "0.9", "--lr", "0.005", "--lr-decay", "0.9", "--batch", "32", "--train-limit", "4000", "--test-limit", "500", "--threads", "2"];
    /// <summary>The estimator family's state: holomorphic EP with noisy neurons (draws keyed by epoch and batch), expanded
    /// outputs, on binary synapses whose flip rule keeps a filtered update and a sign per weight.</summary>
    private static string[] EstimatorSettings(int epochs) =>
        ["--archi", "784-96-10", "--epochs", epochs.ToString(), "--rule", "hep", "--points", "4", "--beta", "0.2", "--state-noise", "0.03",
         "--output-expand", "2", "--device", "binary", "--programming", "flip", "--flip-gamma", "1e-3", "--flip-threshold", "1e-5",
         "--optim", "sgd", "--lr", "0.05", "--train-limit", "4000", "--test-limit", "500", "--threads", "2"];
    /// <summary>Epochs of the runs that are killed or interrupted: enough that the signal always lands mid-run.</summary>
    private const int KillEpochs = 6;
    /// <summary>
    /// The interrupted run's epochs: an epoch of these settings takes about 0.1 s on an idle machine, and SIGINT is sent
    /// after the first checkpoint; 16 leave more than a second for it to land even when the machine is busy.
    /// </summary>
    private const int SigintEpochs = 16;
    private readonly string _dir = Directory.CreateTempSubdirectory("onchip-resume-").FullName;
    public void Dispose() => Directory.Delete(_dir, recursive: true);

    private static (int Code, string Out, string Err) Run(params string[] args) => ChildRuns.Run(args);

    private string Reference(string[]? settings = null)
    {
        string path = Path.Combine(_dir, "reference");
        var (code, _, error) = Run(["train", .. settings ?? Settings(3), "--out", path]);
        Assert.True(code == 0, error);
        return path;
    }

    private static Process StartChild(string outDir, string[]? settings = null) => ChildRuns.Start(["train"], settings ?? Settings(3), outDir);

    private static void AssertSameRun(string expected, string actual) => ChildRuns.AssertSameRun(expected, actual, "model.onchip");

    [Theory]
    [InlineData("layered")]
    [InlineData("resistive")]
    [InlineData("estimators")]
    public void Killed_mid_epoch_and_resumed_ends_exactly_like_an_uninterrupted_run(string model)
    {
        // Six epochs: however fast the machine, a kill 150 ms after the first checkpoint lands before the end.
        var settings = model switch { "resistive" => ResistiveSettings(KillEpochs), "estimators" => EstimatorSettings(KillEpochs), _ => Settings(KillEpochs) };
        string reference = Reference(settings);
        string run = Path.Combine(_dir, "killed");
        using (var child = StartChild(run, settings))
        {
            // Kill at a moment that varies with the machine: some time after the first epoch's checkpoint.
            ChildRuns.WaitForCheckpoint(run, child);
            Thread.Sleep(150);
            child.Kill(entireProcessTree: true);
            child.WaitForExit();
        }
        Assert.True(MetricsLog.Read(Path.Combine(run, "metrics.jsonl")).Count < KillEpochs, "the kill came too late to test anything");
        var (code, _, error) = Run("train", "--resume", run);
        Assert.True(code == 0, error);
        AssertSameRun(reference, run);
    }

    [Fact]
    public void Sigint_finishes_the_batch_checkpoints_and_says_how_to_resume()
    {
        string reference = Reference(Settings(SigintEpochs));
        string run = Path.Combine(_dir, "interrupted");
        string output;
        using (var child = StartChild(run, Settings(SigintEpochs)))
            output = ChildRuns.Interrupt(run, child);
        Assert.Contains("onchip train --resume", output);
        var (code, _, error) = Run("train", "--resume", run);
        Assert.True(code == 0, error);
        AssertSameRun(reference, run);
    }

    [Fact]
    public void A_corrupt_checkpoint_is_reported_and_the_previous_one_used()
    {
        string reference = Reference();
        string run = Path.Combine(_dir, "corrupt");
        var (code, _, error) = Run(["train", .. Settings(2), "--out", run]);
        Assert.True(code == 0, error);
        string latest = Path.Combine(run, "checkpoint.onchip");
        var bytes = File.ReadAllBytes(latest);
        bytes[bytes.Length / 3] ^= 0x10;
        File.WriteAllBytes(latest, bytes);
        (code, _, error) = Run("train", "--resume", run, "--epochs", "3");
        Assert.True(code == 0, error);
        Assert.Contains("checksum", error);
        Assert.Contains("using the previous checkpoint", error);
        AssertSameRun(reference, run);
    }

    [Fact]
    public void Resume_refuses_other_options_and_missing_runs()
    {
        var (code, _, error) = Run("train", "--resume", Path.Combine(_dir, "nothing"));
        Assert.NotEqual(0, code);
        Assert.Contains("no such run directory", error);
        (code, _, error) = Run("train", "--resume", _dir, "--beta", "0.5");
        Assert.NotEqual(0, code);
        Assert.Contains("only --epochs and --threads", error);
    }

    [Fact]
    public void Divergence_stops_with_a_clear_message_and_keeps_the_last_good_checkpoint()
    {
        string run = Path.Combine(_dir, "nan");
        var (code, _, error) = Run("train", "--archi", "784-32-10", "--epochs", "1", "--train-limit", "500", "--test-limit", "100", "--out", run);
        Assert.True(code == 0, error);
        // A weight turned NaN (as a blown-up update would leave it), in an otherwise valid checkpoint.
        string latest = Path.Combine(run, "checkpoint.onchip");
        var contents = OnChip.Persistence.TensorArchive.Load(latest);
        contents.Tensor("param/W0", latest).Data[7] = float.NaN;
        OnChip.Persistence.TensorArchive.Save(latest, contents.Kind, contents.Metadata, contents.Tensors);
        var saved = File.ReadAllBytes(latest);
        var model = File.ReadAllBytes(Path.Combine(run, "model.onchip"));

        (code, _, error) = Run("train", "--resume", run, "--epochs", "2");
        Assert.NotEqual(0, code);
        Assert.Contains("diverged", error);
        Assert.Contains("last good checkpoint are kept", error);
        Assert.DoesNotContain("   at ", error);
        Assert.Equal(saved, File.ReadAllBytes(latest));
        Assert.Equal(model, File.ReadAllBytes(Path.Combine(run, "model.onchip")));
    }
}
