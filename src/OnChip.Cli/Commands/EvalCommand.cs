using System.CommandLine;
using OnChip.Cli.Output;
using OnChip.Configuration;
using OnChip.Data;
using OnChip.Parallelism;
using OnChip.Training;

namespace OnChip.Cli.Commands;

/// <summary><c>onchip eval</c>: score a saved model on a dataset's test (or training) split.</summary>
internal static class EvalCommand
{
    public static Command Create(TextWriter output, TextWriter error)
    {
        var command = new Command("eval", "Evaluate a saved model (model.onchip) on a dataset: free phase only, prints accuracy and loss (and a resistive network's power).");
        var model = new Option<string>("--model") { Description = "model file written by onchip train (RUN_DIR/model.onchip)", Required = true, HelpName = "FILE" };
        var data = new Option<string>("--data") { Description = "dataset: embedded, fashion-mnist, mnist, cifar10, cifar100, moons, blobs, bars, or a directory of IDX or CIFAR files", DefaultValueFactory = _ => "embedded" };
        var split = new Option<string>("--split") { Description = "which split to score: test or train", DefaultValueFactory = _ => "test" };
        var t1 = new Option<string>("--t1") { Description = "free-phase steps (default: the value the model was trained with)" };
        var limit = new Option<string>("--limit") { Description = "use only the first N examples of the split" };
        var threads = new Option<string>("--threads") { Description = "worker threads (default: all cores)" };
        foreach (var o in new Option[] { model, data, split, t1, limit, threads }) command.Options.Add(o);

        command.SetAction(parse => CliErrors.Guard(error, () =>
        {
            string modelPath = parse.GetValue(model)!;
            string splitName = ConfigParse.Choice("--split", parse.GetValue(split)!, ["test", "train"]);
            int? steps = parse.GetValue(t1) is string s ? ConfigParse.Int("--t1", s, 1) : null;
            int workers = parse.GetValue(threads) is string w ? ConfigParse.Int("--threads", w, 1, 1024) : Environment.ProcessorCount;
            var loaded = DatasetLoader.Load(parse.GetValue(data));
            var set = splitName == "test" ? loaded.Test : loaded.Train;
            if (parse.GetValue(limit) is string l) set = set.Take(ConfigParse.Int("--limit", l, 1));
            using var pool = new WorkerPool(workers);
            var result = ModelEvaluation.Evaluate(modelPath, set, steps, pool);
            output.WriteLine($"model: {result.Description}");
            string extra = string.Concat(result.Extra.Select(kv => $"  {kv.Key} {kv.Value:G6}"));
            output.WriteLine($"{set.Name}: {set.Count} examples  accuracy {100 * result.Accuracy:F2}%  loss {result.Loss:F4}{extra}");
            if (result.Extra.ContainsKey("power"))
                output.WriteLine("power: mean Σ g·ΔV² over the resistors at the free equilibrium, per example (watts when conductances are siemens and voltages volts)");
            return 0;
        }));
        return command;
    }
}
