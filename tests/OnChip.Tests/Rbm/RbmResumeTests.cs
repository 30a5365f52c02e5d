using System.Diagnostics;
using OnChip.Cli;
using OnChip.Cli.Output;
using OnChip.Configuration;
using OnChip.Data;
using OnChip.Rbm;
using OnChip.Tests.Training;
using OnChip.Training;

namespace OnChip.Tests.Rbm;

/// <summary>
/// <c>onchip rbm train</c> on the shared loop: a run killed (kill -9), interrupted (SIGINT) or cancelled mid-epoch and
/// resumed with <c>--resume</c> ends with exactly the model file and metrics (timings aside) of an uninterrupted run:
/// the Gibbs streams, persistent chains, read-out, momentum and device state all travel in the checkpoint.
/// </summary>
[Collection(nameof(ResumeTests))]
public class RbmResumeTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("onchip-rbm-resume-").FullName;
    public void Dispose() => Directory.Delete(_dir, recursive: true);

    /// <summary>A generative rbm with PCD (chains carried across batches), its read-out and momentum: about a second per epoch here.</summary>
    private static string[] Pcd(int epochs) =>
        ["--model", "rbm", "--hidden", "400", "--persistent", "--chains", "4", "--cd-k", "3", "--momentum", "0.5", "--batch", "50",
         "--epochs", epochs.ToString(), "--train-limit", "3000", "--test-limit", "300", "--threads", "2"];

    /// <summary>A drbm on Ernoult's nonlinear device with cycle-to-cycle noise, RProp programming (which keeps per-device state).</summary>
    private static string[] Device(int epochs) =>
        ["--hidden", "300", "--chains", "8", "--device", "ernoult-nonlinear", "--programming", "rprop", "--pulse-width", "0.01", "--c2c", "0.01",
         "--epochs", epochs.ToString(), "--train-limit", "3000", "--test-limit", "300", "--threads", "2"];

    private const int KillEpochs = 4;
    /// <summary>The interrupted device run's epochs: about 0.17 s each on an idle machine, so that the signal, sent after the first checkpoint, lands mid-run even on a busy one.</summary>
    private const int SigintEpochs = 10;

    private static (int Code, string Out, string Err) Run(params string[] args) => ChildRuns.Run(args);

    private string Reference(string[] settings)
    {
        string path = Path.Combine(_dir, "reference");
        var (code, _, error) = Run(["rbm", "train", .. settings, "--out", path]);
        Assert.True(code == 0, error);
        return path;
    }

    private static Process StartChild(string outDir, string[] settings) => ChildRuns.Start(["rbm", "train"], settings, outDir);

    private static void AssertSameRun(string expected, string actual) => ChildRuns.AssertSameRun(expected, actual, "model.onchip", "filters.json");

    [Fact]
    public void Killed_mid_epoch_and_resumed_ends_exactly_like_an_uninterrupted_run()
    {
        string reference = Reference(Pcd(KillEpochs));
        string run = Path.Combine(_dir, "killed");
        using (var child = StartChild(run, Pcd(KillEpochs)))
        {
            ChildRuns.WaitForCheckpoint(run, child);
            Thread.Sleep(150);
            child.Kill(entireProcessTree: true);
            child.WaitForExit();
        }
        Assert.True(MetricsLog.Read(Path.Combine(run, "metrics.jsonl")).Count < KillEpochs, "the kill came too late to test anything");
        var (code, output, error) = Run("rbm", "train", "--resume", run);
        Assert.True(code == 0, error);
        Assert.Contains("test error:", output);
        AssertSameRun(reference, run);
    }

    [Fact]
    public void Sigint_finishes_the_batch_checkpoints_and_resume_on_a_device_matches()
    {
        string reference = Reference(Device(SigintEpochs));
        string run = Path.Combine(_dir, "interrupted");
        string output;
        using (var child = StartChild(run, Device(SigintEpochs)))
            output = ChildRuns.Interrupt(run, child);
        Assert.Contains("onchip rbm train --resume", output);
        Assert.True(MetricsLog.Read(Path.Combine(run, "metrics.jsonl")).Count < SigintEpochs, "the signal came too late to test anything");
        var (code, _, error) = Run("rbm", "train", "--resume", run);
        Assert.True(code == 0, error);
        AssertSameRun(reference, run);
    }

    /// <summary>Stops after a given number of mini-batches (in-process, so the stop lands exactly mid-epoch).</summary>
    private sealed class StopAfter(int batches, CancellationTokenSource source) : ITrainingObserver
    {
        private int _seen;
        public void OnBatch(in BatchProgress progress)
        {
            if (++_seen == batches) source.Cancel();
        }
        public void OnEpoch(EpochMetrics metrics) { }
    }

    [Theory]
    [InlineData(RbmKinds.Discriminative, false, 1, 7)]
    [InlineData(RbmKinds.Generative, true, 3, 12)]
    public void Cancelled_mid_epoch_twice_and_resumed_with_other_epochs_equals_one_run(string model, bool persistent, int chains, int stopAt)
    {
        RbmConfig Config(string dir, int epochs)
        {
            var config = new RbmConfig { Model = model, Hidden = 40, Persistent = persistent, Chains = chains, CdK = 2 };
            (config.Shared.Batch, config.Shared.Epochs, config.Shared.Seed, config.Shared.Threads, config.Shared.Momentum) = (40, epochs, 9, 2, 0.3f);
            (config.Shared.TrainLimit, config.Shared.TestLimit, config.Shared.Out) = (400, 100, dir);
            return config;
        }
        var full = DatasetLoader.Load("embedded");
        var data = new DataSplit(full.Train.Take(400), full.Test.Take(100));
        string reference = Path.Combine(_dir, "whole"), run = Path.Combine(_dir, "parts");
        Assert.Equal(3, TrainingRun.Execute(new RbmJob(Config(reference, 3)), data).CompletedEpochs);

        using (var stop = new CancellationTokenSource())
        {
            var outcome = TrainingRun.Execute(new RbmJob(Config(run, 2)), data, new StopAfter(stopAt, stop), stop.Token);
            Assert.True(outcome.Interrupted);
            Assert.Equal(stopAt / 10, outcome.CompletedEpochs);  // 10 batches per epoch: the stop lands mid-epoch
        }
        using (var stop = new CancellationTokenSource())
        {
            var resumed = RbmJob.ReadConfig(run);
            Assert.Equal(2, resumed.Epochs);
            Assert.True(TrainingRun.Resume(new RbmJob(resumed), data, new StopAfter(5, stop), stop.Token).Interrupted);
        }
        var last = RbmJob.ReadConfig(run);
        last.Shared.Epochs = 3;  // --epochs 3: train one more than the run was started with
        var final = TrainingRun.Resume(new RbmJob(last), data);
        Assert.False(final.Interrupted);
        AssertSameRun(reference, run);
    }

    [Fact]
    public void Resume_refuses_other_options_and_train_runs()
    {
        var (code, _, error) = Run("rbm", "train", "--resume", Path.Combine(_dir, "nothing"));
        Assert.Equal(CliErrors.UserError, code);
        Assert.Contains("no such run directory", error);
        (code, _, error) = Run("rbm", "train", "--resume", _dir, "--hidden", "20");
        Assert.Equal(CliErrors.UserError, code);
        Assert.Contains("only --epochs and --threads", error);
        string train = Path.Combine(_dir, "train-run");
        (code, _, error) = Run("train", "--archi", "784-16-10", "--epochs", "1", "--train-limit", "200", "--test-limit", "50", "--out", train);
        Assert.True(code == 0, error);
        (code, _, error) = Run("rbm", "train", "--resume", train);
        Assert.Equal(CliErrors.UserError, code);
        Assert.StartsWith("error: ", error);
        Assert.DoesNotContain("   at ", error);
    }
}
