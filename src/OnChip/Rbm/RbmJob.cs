using System.Text.Json.Nodes;
using OnChip.Configuration;
using OnChip.Data;
using OnChip.Training;

namespace OnChip.Rbm;

/// <summary>
/// <c>onchip rbm train</c> on the shared loop (<see cref="TrainingRun"/>): the run directory of <c>onchip train</c>
/// (config.yaml with the RBM's keys, metrics.jsonl, model.onchip of kind <c>rbm</c>, a checkpoint after every epoch and
/// on interruption, conductances.csv on devices) plus filters.json, rewritten with the model after every epoch.
/// </summary>
internal sealed class RbmJob(RbmConfig config) : TrainingJob
{
    public RbmConfig Config { get; } = config;
    public override TrainingConfig Loop => Config.Shared;
    public override string Command => "rbm train";
    public override string DirectoryPrefix => "rbm-";
    public override void Validate() => Config.Validate();

    public override TrainingJob WithOut(string directory)
    {
        var resolved = Config.Clone();
        resolved.Shared.Out = directory;
        return new RbmJob(resolved);
    }

    public override Trainer CreateTrainer(DataSplit data) => RbmLearner.CreateTrainer(Config, data);

    public override string ConfigText(string header) => ConfigFile.Write(Config, RbmConfig.Keys, header);

    public override JsonObject ModelMetadata(Trainer trainer, EpochMetrics metrics)
    {
        var meta = base.ModelMetadata(trainer, metrics);
        meta["test_error"] = metrics.Hardware?.GetValueOrDefault("test_error") is double e && double.IsFinite(e) ? e : null;
        return meta;
    }

    public override void WriteEpochFiles(RunDirectory run, Trainer trainer) =>
        ((RbmLearner)trainer.Learner).WriteFilters(run.FilePath(FilterFile.FileName));

    /// <summary>The resolved configuration an <c>onchip rbm train</c> run directory was started with.</summary>
    public static RbmConfig ReadConfig(string directory)
    {
        var config = RunDirectory.ReadConfig(directory, RbmConfig.Keys, new RbmConfig(), "rbm train", "train");
        config.Shared.Out = directory;
        return config;
    }
}
