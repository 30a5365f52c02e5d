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
        var resume = new Option<string>("--resume") { Description = "continue an interrupted run from its latest checkpoint (only --epochs and --threads may be given with it)", HelpName = "RUN_DIR" };
        command.Options.Add(resume);
        command.SetAction(parse => CliErrors.Guard(error, () =>
        {
            if (parse.GetValue(resume) is not string directory) return Execute(options.Resolve(parse, new TrainingConfig()), output, error, resuming: false);
            var given = options.ExplicitKeys(parse).Except(["epochs", "threads"]).ToArray();
            if (given.Length > 0 || parse.GetValue(options.ConfigFileOption) is not null)
                throw new ConfigException($"--resume: the run keeps its own configuration; only --epochs and --threads may be given (got --{(given.Length > 0 ? given[0] : "config")})");
            var config = options.Resolve(parse, TrainingRun.ReadConfig(directory));
            return Execute(config, output, error, resuming: true);
        }));
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
        else if (resuming && !outcome.Interrupted)
        {
            output.WriteLine($"the run already has its {outcome.CompletedEpochs} epoch(s); nothing to do (give --epochs N to train further)");
        }
        output.WriteLine($"run saved in {outcome.Directory.Path}");
        if (outcome.Interrupted)
        {
            output.WriteLine($"interrupted after {outcome.CompletedEpochs} complete epoch(s); checkpoint saved. Resume with: onchip train --resume {outcome.Directory.Path}");
            return CliErrors.Interrupted;
        }
        return 0;
    }

    private static string ScheduleText(TrainingConfig config) =>
        (config.Schedule is null ? "" : $", {config.Schedule} schedule") + (config.NudgedSchedule is null ? "" : $", {config.NudgedSchedule} in nudged phases") +
        (config.Nudge == "state" ? ", nudge after the activation" : "");

    /// <summary>The run's data with its limits, as the trainer will see it (the counts are printed before it is built).</summary>
    public static DataSplit LoadData(TrainingConfig config) =>
        DatasetLoader.Load(config.Data).Limit(config.TrainLimit, config.TestLimit);
}

/// <summary>Ctrl-C / SIGTERM ask the run to stop after the current mini-batch instead of killing it.</summary>
internal sealed class InterruptHandler : IDisposable
{
    private readonly CancellationTokenSource _source = new();
    private readonly System.Runtime.InteropServices.PosixSignalRegistration _sigint, _sigterm;

    public InterruptHandler()
    {
        _sigint = System.Runtime.InteropServices.PosixSignalRegistration.Create(System.Runtime.InteropServices.PosixSignal.SIGINT, Handle);
        _sigterm = System.Runtime.InteropServices.PosixSignalRegistration.Create(System.Runtime.InteropServices.PosixSignal.SIGTERM, Handle);
    }

    public CancellationToken Token => _source.Token;

    private void Handle(System.Runtime.InteropServices.PosixSignalContext context)
    {
        if (_source.IsCancellationRequested) return;  // a second signal kills the process as usual
        context.Cancel = true;
        Console.Error.WriteLine("stopping after the current mini-batch (press Ctrl-C again to abort)...");
        _source.Cancel();
    }

    public void Dispose()
    {
        _sigint.Dispose();
        _sigterm.Dispose();
        _source.Dispose();
    }
}
