using System.Text.Json.Nodes;
using OnChip.Configuration;
using OnChip.Data;
using OnChip.Persistence;
using OnChip.Training;

namespace OnChip.Rbm;

/// <summary>
/// An RBM training run with its files (<see cref="RunDirectory"/>): config.yaml first, then after every epoch a line of
/// metrics.jsonl and model.onchip (kind <c>rbm</c>, written atomically), and filters.json when training stops (also
/// after an interruption: the weights as they are then). <c>prepare</c> runs on the initialised trainer before the
/// first update: the place to give the parameters another storage (device arrays) or add metric sources.
/// </summary>
internal static class RbmRun
{
    public static (RunDirectory Directory, IReadOnlyList<RbmEpochResult> History) Execute(
        RbmConfig config, DataSplit data, ITrainingObserver? observer = null, CancellationToken cancel = default,
        Action<RbmTrainer>? prepare = null)
    {
        config.Validate();
        using var trainer = new RbmTrainer(config, data);
        prepare?.Invoke(trainer);
        var run = RunDirectory.Create(config.Out, "rbm-", [RunDirectory.MetricsFileName, RunDirectory.ModelFileName]);
        var resolved = config.Clone();
        resolved.Shared.Out = run.Path;
        AtomicFile.WriteAllText(run.ConfigPath, ConfigFile.Write(resolved, RbmConfig.Keys,
            $"OnChip RBM training run, resolved configuration ({DateTime.UtcNow:yyyy-MM-dd HH:mm:ss} UTC)\nRe-run with: onchip rbm train --config {run.ConfigPath} --out NEW_DIR"));
        var log = new MetricsLog(run.MetricsPath);
        var train = data.Train;
        var history = trainer.Run(observer, cancel, result =>
        {
            log.Append(result.Metrics, result.Extra);
            RbmModelFile.Save(run.ModelPath, trainer.Machine, Metadata(resolved, train, result));
        });
        FilterFile.Write(run.FilePath(FilterFile.FileName), trainer.Machine, train.Width, train.Height * train.Channels);
        return (run, history);
    }

    public static JsonObject Metadata(RbmConfig config, Dataset train, RbmEpochResult result) => new()
    {
        ["binarize"] = config.Binarize,
        ["device"] = config.Devices.IsIdeal ? "ideal" : config.Devices.Device,
        ["width"] = train.Width,
        ["height"] = train.Height * train.Channels,
        ["cd_k"] = config.CdK,
        ["persistent"] = config.Persistent,
        ["chains"] = config.Chains,
        ["lr"] = config.Lr,
        ["batch"] = config.Batch,
        ["data"] = config.Data,
        ["seed"] = config.Seed.ToString(),
        ["epoch"] = result.Metrics.Epoch,
        ["test_error"] = double.IsFinite(result.Extra["test_error"]) ? result.Extra["test_error"] : null,
    };
}
