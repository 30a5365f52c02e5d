using System.Globalization;
using System.Text.Json.Nodes;
using OnChip.Configuration;
using OnChip.Data;

namespace OnChip.Training;

/// <summary>
/// What one training command adds to the shared loop and its run directory (<see cref="TrainingRun"/>): its settings
/// (config.yaml), its learner, the metadata of its model file and any files of its own. <c>onchip train</c> is a
/// <see cref="SupervisedJob"/>, <c>onchip rbm train</c> an <c>RbmJob</c>.
/// </summary>
internal abstract class TrainingJob
{
    /// <summary>The loop's settings: data, limits, batch, epochs, seed, threads, out, optimizer, learning rates, devices.</summary>
    public abstract TrainingConfig Loop { get; }

    /// <summary>The command that trains and resumes it ("train", "rbm train"), for the hints in config.yaml and messages.</summary>
    public abstract string Command { get; }

    /// <summary>Prefix of the default run directory name (runs/PREFIXyyyyMMdd-HHmmss).</summary>
    public virtual string DirectoryPrefix => "";

    public abstract void Validate();

    /// <summary>The same job writing to <paramref name="directory"/>.</summary>
    public abstract TrainingJob WithOut(string directory);

    public abstract Trainer CreateTrainer(DataSplit data);

    /// <summary>config.yaml: every setting, resolved, under a comment <paramref name="header"/>.</summary>
    public abstract string ConfigText(string header);

    /// <summary>The metadata of the model file written after epoch <paramref name="metrics"/>.Epoch.</summary>
    public virtual JsonObject ModelMetadata(Trainer trainer, EpochMetrics metrics) => new()
    {
        ["data"] = Loop.Data,
        ["seed"] = Loop.Seed.ToString(CultureInfo.InvariantCulture),
        ["epoch"] = metrics.Epoch,
        ["test_acc"] = double.IsFinite(metrics.TestAccuracy) ? metrics.TestAccuracy : null,
    };

    /// <summary>Files of the job's own, written after each epoch's model (atomically: a kill leaves the previous ones).</summary>
    public virtual void WriteEpochFiles(RunDirectory run, Trainer trainer) { }
}

/// <summary><c>onchip train</c>: a model family of <c>--model</c> trained by a rule of <c>--rule</c>.</summary>
internal sealed class SupervisedJob(TrainingConfig config) : TrainingJob
{
    public override TrainingConfig Loop => config;
    public override string Command => "train";
    public override void Validate() => config.Validate();

    public override TrainingJob WithOut(string directory)
    {
        var resolved = config.Clone();
        resolved.Out = directory;
        return new SupervisedJob(resolved);
    }

    public override Trainer CreateTrainer(DataSplit data) => new(config, data);

    public override string ConfigText(string header) => ConfigFile.Write(config, TrainingConfig.Keys, header);

    public override JsonObject ModelMetadata(Trainer trainer, EpochMetrics metrics)
    {
        string? Values(IEnumerable<float>? values) => values is null ? null : string.Join(',', values.Select(v => v.ToString("R", CultureInfo.InvariantCulture)));
        var meta = new JsonObject
        {
            ["normalize_mean"] = Values(trainer.Normalization?.Mean),
            ["normalize_std"] = Values(trainer.Normalization?.Std),
            ["t1"] = config.T1,
            ["t2"] = config.T2,
            ["beta"] = config.Beta,
            ["rule"] = config.Rule,
        };
        foreach (var (key, value) in base.ModelMetadata(trainer, metrics)) meta[key] = value?.DeepClone();
        return meta;
    }
}
