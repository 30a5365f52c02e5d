using System.CommandLine;
using OnChip.Cli.Output;
using OnChip.Configuration;
using OnChip.Data;
using OnChip.Training;

namespace OnChip.Cli.Commands;

/// <summary><c>onchip train</c>: train a layered EP network and write a run directory.</summary>
internal static class TrainCommand
{
    public static Command Create(TextWriter output, TextWriter error)
    {
        var command = new Command("train", "Train an energy-based network (EP and variants) and save config.yaml, metrics.jsonl and model.onchip in a run directory.");
        var options = new ConfigOptions<TrainingConfig>(command, TrainingConfig.Keys, new TrainingConfig(), "read settings from a YAML file (keys as the option names); flags given here override it");
        ResumableRun.SetAction(command, options, () => new TrainingConfig(), TrainingRun.ReadConfig,
            (config, resuming) => Execute(config, output, error, resuming), error);
        return command;
    }

    public static int Execute(TrainingConfig config, TextWriter output, TextWriter error, bool resuming)
    {
        config.Validate();
        var data = LoadData(config);
        output.WriteLine($"data: {data.Train.Name} ({data.Train.Count} train, {data.Test.Count} test) from {data.Source}");
        output.WriteLine($"network: {config.NetworkText}, rule {config.Rule} (β={config.Beta}, T1={config.T1}, T2={config.T2}{ScheduleText(config)}), " +
                         $"{config.Optim} lr={string.Join(",", config.Lr)}, batch {config.Batch}, {config.Epochs} epochs, seed {config.Seed}, {config.Threads} threads");

        using var interrupt = new InterruptHandler();
        int batches = (data.Train.Count + config.Batch - 1) / config.Batch;
        var outcome = ProgressReporter.Run(output, "training", batches * config.Epochs,
            reporter => resuming
                ? TrainingRun.Resume(config, data, reporter, interrupt.Token)
                : TrainingRun.Execute(config, data, reporter, interrupt.Token));
        if (outcome.Warning is not null) error.WriteLine($"warning: {outcome.Warning}");

        if (outcome.History.Count > 0)
        {
            var last = outcome.History[^1];
            output.WriteLine($"test accuracy: {100 * last.TestAccuracy:F2}% after {last.Epoch} epoch(s)  (train {100 * last.TrainAccuracy:F2}%)");
        }
        return ResumableRun.Finish(output, outcome, resuming, "onchip train");
    }

    private static string ScheduleText(TrainingConfig config) =>
        (config.Schedule is null ? "" : $", {config.Schedule} schedule") + (config.NudgedSchedule is null ? "" : $", {config.NudgedSchedule} in nudged phases") +
        (config.Nudge == "state" ? ", nudge after the activation" : "");

    /// <summary>The run's data with its limits, as the trainer will see it (the counts are printed before it is built).</summary>
    public static DataSplit LoadData(TrainingConfig config) =>
        DatasetLoader.Load(config.Data).Limit(config.TrainLimit, config.TestLimit);
}
