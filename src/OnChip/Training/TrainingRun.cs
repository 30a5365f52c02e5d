using System.Text.Json.Nodes;
using OnChip.Configuration;
using OnChip.Data;
using OnChip.Persistence;

namespace OnChip.Training;

/// <summary>
/// A training run with its files: writes config.yaml first, then after every epoch appends metrics.jsonl and
/// saves model.onchip, so an interrupted run keeps everything up to its last finished epoch.
/// </summary>
public static class TrainingRun
{
    public static (RunDirectory Directory, IReadOnlyList<EpochMetrics> History) Execute(
        TrainingConfig config, DataSplit data, ITrainingObserver? observer = null, CancellationToken cancel = default)
    {
        config.Validate();
        using var trainer = new Trainer(config, data);
        var run = RunDirectory.Create(config.Out);
        var resolved = config.Clone();
        resolved.Out = run.Path;
        AtomicFile.WriteAllText(run.ConfigPath, ConfigFile.Write(resolved, TrainingConfig.Keys,
            $"OnChip training run, resolved configuration ({DateTime.UtcNow:yyyy-MM-dd HH:mm:ss} UTC)\nRe-run with: onchip train --config {run.ConfigPath} --out NEW_DIR"));
        var log = new MetricsLog(run.MetricsPath);
        var recorder = new Recorder(observer, log, run, trainer, resolved);
        var history = trainer.Run(recorder, cancel);
        return (run, history);
    }

    private sealed class Recorder(ITrainingObserver? inner, MetricsLog log, RunDirectory run, Trainer trainer, TrainingConfig config)
        : ITrainingObserver
    {
        public void OnBatch(in BatchProgress progress) => inner?.OnBatch(progress);

        public void OnEpoch(EpochMetrics metrics)
        {
            log.Append(metrics);
            ModelFile.Save(run.ModelPath, trainer.Network, new JsonObject
            {
                ["t1"] = config.T1,
                ["t2"] = config.T2,
                ["beta"] = config.Beta,
                ["rule"] = config.Rule,
                ["data"] = config.Data,
                ["seed"] = config.Seed.ToString(),
                ["epoch"] = metrics.Epoch,
                ["test_acc"] = double.IsFinite(metrics.TestAccuracy) ? metrics.TestAccuracy : null,
            });
            inner?.OnEpoch(metrics);
        }
    }
}
