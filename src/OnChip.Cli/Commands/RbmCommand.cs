using System.CommandLine;
using OnChip.Cli.Output;
using OnChip.Configuration;
using OnChip.Data;
using OnChip.Parallelism;
using OnChip.Rbm;
using OnChip.Training;

namespace OnChip.Cli.Commands;

/// <summary>
/// <c>onchip rbm train</c> and <c>onchip rbm eval</c>: Restricted Boltzmann Machines trained by contrastive divergence
/// (Ernoult, Grollier &amp; Querlioz 2019), the discriminative RBM classifying by free energy.
/// </summary>
internal static class RbmCommand
{
    public static Command Create(TextWriter output, TextWriter error)
    {
        var command = new Command("rbm", "Restricted Boltzmann Machines trained on-chip style by contrastive divergence (Ernoult, Grollier & Querlioz 2019).");
        command.Subcommands.Add(CreateTrain(output, error));
        command.Subcommands.Add(CreateEval(output, error));
        command.Subcommands.Add(RbmFigureCommand.Create(output, error));
        return command;
    }

    private static Command CreateTrain(TextWriter output, TextWriter error)
    {
        var command = new Command("train", "Train an RBM (default: discriminative RBM 784+10-300, CD-1, batch 100, 30 epochs) on the shared training loop and save config.yaml, metrics.jsonl, model.onchip, filters.json and checkpoints in a run directory.");
        var options = new ConfigOptions<RbmConfig>(command, RbmConfig.Keys, new RbmConfig(), "read settings from a YAML file (keys as the option names); flags given here override it");
        ResumableRun.SetAction(command, options, () => new RbmConfig(), RbmJob.ReadConfig,
            (config, resuming) => Execute(config, output, error, resuming), error);
        return command;
    }

    public static int Execute(RbmConfig config, TextWriter output) => Execute(config, output, TextWriter.Null, resuming: false);

    public static int Execute(RbmConfig config, TextWriter output, TextWriter error, bool resuming)
    {
        config.Validate();
        var data = TrainCommand.LoadData(config.Shared);
        output.WriteLine($"data: {data.Train.Name} ({data.Train.Count} train, {data.Test.Count} test) from {data.Source}");
        string visible = config.Model == RbmKinds.Discriminative ? $"{data.Train.FeatureCount}+{data.Train.ClassCount}" : $"{data.Train.FeatureCount}";
        output.WriteLine($"model: {config.Model} {visible}-{config.Hidden}, {(config.Persistent ? "PCD" : "CD")}-{config.CdK}, {config.Chains} chain(s) per example, " +
                         $"binarize {config.Binarize}, sgd lr={config.Lr}, batch {config.Batch}, {config.Epochs} epochs, seed {config.Seed}, {config.Threads} threads");

        using var interrupt = new InterruptHandler();
        var job = new RbmJob(config);
        int batch = Math.Min(config.Batch, Math.Max(1, data.Train.Count));
        int batches = (data.Train.Count + batch - 1) / batch;
        var outcome = ProgressReporter.Run(output, "rbm training", batches * config.Epochs,
            reporter => resuming ? TrainingRun.Resume(job, data, reporter, interrupt.Token) : TrainingRun.Execute(job, data, reporter, interrupt.Token));
        if (outcome.Warning is not null) error.WriteLine($"warning: {outcome.Warning}");

        if (outcome.History.Count > 0)
        {
            var last = outcome.History[^1];
            double testError = last.Hardware?.GetValueOrDefault("test_error", double.NaN) ?? double.NaN;
            double recon = last.Hardware?.GetValueOrDefault("recon_error", double.NaN) ?? double.NaN;
            output.WriteLine($"test error: {100 * testError:F2}% (accuracy {100 * last.TestAccuracy:F2}%) after {last.Epoch} epoch(s); " +
                             $"reconstruction error {recon:F4}; {last.EpochSeconds:F2} s per epoch");
        }
        return ResumableRun.Finish(output, outcome, resuming, "onchip rbm train");
    }

    private static Command CreateEval(TextWriter output, TextWriter error)
    {
        var command = new Command("eval", "Evaluate a saved RBM (model.onchip of onchip rbm train) on a dataset: prints the test error (drbm: lowest free energy; rbm: read-out).");
        var model = new Option<string>("--model") { Description = "model file written by onchip rbm train (RUN_DIR/model.onchip)", Required = true, HelpName = "FILE" };
        var data = new Option<string>("--data") { Description = "dataset: embedded, fashion-mnist, mnist or a directory of IDX files", DefaultValueFactory = _ => "embedded" };
        var split = new Option<string>("--split") { Description = "which split to score: test or train", DefaultValueFactory = _ => "test" };
        var limit = new Option<string>("--limit") { Description = "use only the first N examples of the split" };
        var threads = new Option<string>("--threads") { Description = "worker threads (default: all cores)" };
        foreach (var o in new Option[] { model, data, split, limit, threads }) command.Options.Add(o);

        command.SetAction(parse => CliErrors.Guard(error, () =>
        {
            string splitName = ConfigParse.Choice("--split", parse.GetValue(split)!, ["test", "train"]);
            int workers = parse.GetValue(threads) is string w ? ConfigParse.Int("--threads", w, 1, 1024) : Environment.ProcessorCount;
            int? count = parse.GetValue(limit) is string l ? ConfigParse.Int("--limit", l, 1) : null;
            var loaded = RbmModelFile.Load(parse.GetValue(model)!);
            var rbm = loaded.Machine;
            var both = DatasetLoader.Load(parse.GetValue(data));
            var set = splitName == "test" ? both.Test : both.Train;
            if (count is int n) set = set.Take(n);
            if (rbm.ImageSize != set.FeatureCount || rbm.ClassCount < set.ClassCount)
                throw new ConfigException($"--model: the model ({rbm}) does not fit {set.Name} ({set.FeatureCount} pixels, {set.ClassCount} classes)");
            if (!Binarization.Names.Contains(loaded.Binarize))
                throw new ConfigException($"--model: unknown binarize '{loaded.Binarize}' in the model's metadata");

            using var pool = new WorkerPool(workers);
            var result = new RbmEvaluator(rbm, pool, loaded.Binarize).Evaluate(set);
            output.WriteLine($"model: {rbm}, binarize {loaded.Binarize}");
            output.WriteLine($"{set.Name}: {set.Count} examples  error {100 * result.Error:F2}%  accuracy {100 * result.Accuracy:F2}%  " +
                             $"loss {result.Loss:F4}  reconstruction error {result.ReconstructionError:F4}");
            return 0;
        }));
        return command;
    }
}
