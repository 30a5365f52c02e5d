using System.Text.Json.Nodes;
using OnChip.Configuration;
using OnChip.Data;
using OnChip.Persistence;

namespace OnChip.Training;

/// <summary>How a run ended.</summary>
public sealed record RunOutcome(RunDirectory Directory, IReadOnlyList<EpochMetrics> History, int CompletedEpochs, bool Interrupted, string? Warning)
{
    /// <summary>The run directory and the metrics of the epochs trained.</summary>
    public void Deconstruct(out RunDirectory directory, out IReadOnlyList<EpochMetrics> history) => (directory, history) = (Directory, History);
}

/// <summary>
/// A training run with its files. config.yaml is written first; after every epoch the model, a checkpoint and the
/// epoch's metrics line are written (in that order, each atomically), and a checkpoint is also written when the run
/// is interrupted mid-epoch. <see cref="Resume(TrainingConfig, DataSplit, ITrainingObserver?, CancellationToken)"/> continues from the latest good checkpoint and ends with exactly the
/// weights and metrics (timings aside) of an uninterrupted run.
/// </summary>
public static class TrainingRun
{
    /// <summary>Trains as <c>onchip train</c> does: creates the run directory and writes config, model, checkpoints and metrics as it goes.</summary>
    public static RunOutcome Execute(TrainingConfig config, DataSplit data, ITrainingObserver? observer = null, CancellationToken cancel = default) =>
        Execute(new SupervisedJob(config), data, observer, cancel);

    /// <summary>Starts a run of any training command in a new run directory (<see cref="TrainingConfig.Out"/> of its loop, or runs/…).</summary>
    internal static RunOutcome Execute(TrainingJob job, DataSplit data, ITrainingObserver? observer = null, CancellationToken cancel = default)
    {
        job.Validate();
        using var trainer = job.CreateTrainer(data);
        var run = RunDirectory.Create(job.Loop.Out, job.DirectoryPrefix, [RunDirectory.MetricsFileName, RunDirectory.ModelFileName]);
        var resolved = job.WithOut(run.Path);
        WriteConfig(run, resolved);
        return Continue(trainer, run, resolved, observer, cancel, warning: null);
    }

    /// <summary>The resolved configuration a run directory was started with.</summary>
    public static TrainingConfig ReadConfig(string directory)
    {
        var config = RunDirectory.ReadConfig(directory, TrainingConfig.Keys, new TrainingConfig(), "train", "rbm train");
        config.Out = directory;
        return config;
    }

    /// <summary>
    /// Continues the run in <paramref name="config"/>.Out (as read by <see cref="ReadConfig"/>, possibly with more
    /// epochs or another thread count) from its latest good checkpoint, or from the start if it has none yet.
    /// </summary>
    public static RunOutcome Resume(TrainingConfig config, DataSplit data, ITrainingObserver? observer = null, CancellationToken cancel = default) =>
        Resume(new SupervisedJob(config), data, observer, cancel);

    /// <summary>Continues the run of any training command in its loop's <see cref="TrainingConfig.Out"/> (see the overload above).</summary>
    internal static RunOutcome Resume(TrainingJob job, DataSplit data, ITrainingObserver? observer = null, CancellationToken cancel = default)
    {
        job.Validate();
        var config = job.Loop;
        var run = RunDirectory.Open(config.Out!);
        using var trainer = job.CreateTrainer(data);
        string? warning = null;
        var log = new MetricsLog(run.MetricsPath);
        bool hasCheckpoint = File.Exists(Path.Combine(run.Path, Checkpoint.FileName)) || File.Exists(Path.Combine(run.Path, Checkpoint.PreviousFileName));
        if (hasCheckpoint)
        {
            var (contents, path, skipped) = Checkpoint.Load(run.Path);
            warning = skipped;
            int savedThreads = contents.Metadata["threads"]?.GetValue<int>() ?? config.Threads;
            if (savedThreads != config.Threads)
                warning = (warning is null ? "" : warning + "; ") + $"resuming with {config.Threads} threads instead of {savedThreads}: results may differ in the last bits from an uninterrupted run";
            trainer.RestoreState(contents, path);
            log.Repair(trainer.CompletedEpochs, contents.Metadata["last_metrics"]?.GetValue<string>());
        }
        else
        {
            log.Repair(0, null);
        }
        WriteConfig(run, job);
        return Continue(trainer, run, job, observer, cancel, warning);
    }

    private static void WriteConfig(RunDirectory run, TrainingJob job) =>
        AtomicFile.WriteAllText(run.ConfigPath, job.ConfigText(
            $"OnChip {job.Command} run, resolved configuration ({DateTime.UtcNow:yyyy-MM-dd HH:mm:ss} UTC)\nResume with: onchip {job.Command} --resume {run.Path}; repeat with: onchip {job.Command} --config {run.ConfigPath} --out NEW_DIR"));

    private static RunOutcome Continue(Trainer trainer, RunDirectory run, TrainingJob job, ITrainingObserver? observer, CancellationToken cancel, string? warning)
    {
        var config = job.Loop;
        var recorder = new Recorder(observer, new MetricsLog(run.MetricsPath), run, trainer, job);
        IReadOnlyList<EpochMetrics> history;
        try
        {
            history = trainer.Run(recorder, cancel);
        }
        catch (DivergenceException e)
        {
            throw new DivergenceException(trainer.CompletedEpochs == 0
                ? $"{e.Message}; no epoch had completed, so {run.Path} holds only config.yaml"
                : $"{e.Message}; epochs 1..{trainer.CompletedEpochs}, their model and the last good checkpoint are kept in {run.Path}");
        }
        bool interrupted = trainer.CompletedEpochs < config.Epochs;
        if (interrupted && trainer.InEpoch) SaveCheckpoint(trainer, run, lastMetrics: recorder.LastLine);
        return new RunOutcome(run, history, trainer.CompletedEpochs, interrupted, warning);
    }

    private static void SaveCheckpoint(Trainer trainer, RunDirectory run, string? lastMetrics)
    {
        var (metadata, tensors) = trainer.CaptureState();
        metadata["last_metrics"] = lastMetrics;
        Checkpoint.Save(run.Path, metadata, tensors);
    }

    /// <summary>
    /// conductances.csv (tensor,value): the devices' states for histograms, at most 20,000 per tensor and side
    /// (an evenly strided sample), rewritten after every epoch.
    /// </summary>
    private static void WriteConductances(RunDirectory run, Trainer trainer)
    {
        var sb = new System.Text.StringBuilder("tensor,value\n");
        foreach (var array in trainer.Devices)
        {
            foreach (var (side, values) in array.Minus is null ? [("", array.Plus)] : new[] { ("+", array.Plus), ("-", array.Minus) })
            {
                int stride = Math.Max(1, values.Length / 20_000);
                for (int i = 0; i < values.Length; i += stride)
                    sb.Append(array.Name).Append(side).Append(',').Append(values[i].ToString("G7", System.Globalization.CultureInfo.InvariantCulture)).Append('\n');
            }
        }
        AtomicFile.WriteAllText(run.FilePath("conductances.csv"), sb.ToString());
    }

    private sealed class Recorder(ITrainingObserver? inner, MetricsLog log, RunDirectory run, Trainer trainer, TrainingJob job)
        : ITrainingObserver
    {
        public string? LastLine { get; private set; }

        public void OnBatch(in BatchProgress progress) => inner?.OnBatch(progress);

        public void OnEpoch(EpochMetrics metrics)
        {
            // Order matters for crash safety: model, then checkpoint (which carries this epoch's metrics line), then the line.
            trainer.Learner.SaveModel(run.ModelPath, job.ModelMetadata(trainer, metrics));
            job.WriteEpochFiles(run, trainer);
            if (trainer.Devices.Count > 0) WriteConductances(run, trainer);
            LastLine = MetricsLog.Format(metrics, metrics.Hardware);
            SaveCheckpoint(trainer, run, LastLine);
            log.AppendLine(LastLine);
            inner?.OnEpoch(metrics);
        }
    }
}
