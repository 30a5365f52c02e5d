using System.CommandLine;
using OnChip.Cli.Output;
using OnChip.Configuration;
using OnChip.Data;
using OnChip.Parallelism;
using OnChip.Persistence;
using OnChip.Training;

namespace OnChip.Cli.Commands;

/// <summary><c>onchip eval</c>: score a saved model on a dataset's test (or training) split.</summary>
public static class EvalCommand
{
    public static Command Create(TextWriter output, TextWriter error)
    {
        var command = new Command("eval", "Evaluate a saved model (model.onchip) on a dataset: free phase only, prints accuracy and loss.");
        var model = new Option<string>("--model") { Description = "model file written by onchip train (RUN_DIR/model.onchip)", Required = true, HelpName = "FILE" };
        var data = new Option<string>("--data") { Description = "dataset: embedded, fashion-mnist, mnist or a directory of IDX files", DefaultValueFactory = _ => "embedded" };
        var split = new Option<string>("--split") { Description = "which split to score: test or train", DefaultValueFactory = _ => "test" };
        var t1 = new Option<string>("--t1") { Description = "free-phase steps (default: the value the model was trained with)" };
        var limit = new Option<string>("--limit") { Description = "use only the first N examples of the split" };
        var threads = new Option<string>("--threads") { Description = "worker threads (default: all cores)" };
        foreach (var o in new Option[] { model, data, split, t1, limit, threads }) command.Options.Add(o);

        command.SetAction(parse => CliErrors.Guard(error, () =>
        {
            var loaded = ModelFile.Load(parse.GetValue(model)!);
            string splitName = ConfigParse.Choice("--split", parse.GetValue(split)!, ["test", "train"]);
            int steps = parse.GetValue(t1) is string s ? ConfigParse.Int("--t1", s, 1) : loaded.FreeSteps;
            int workers = parse.GetValue(threads) is string w ? ConfigParse.Int("--threads", w, 1, 1024) : Environment.ProcessorCount;
            var split_ = DatasetLoader.Load(parse.GetValue(data));
            var set = splitName == "test" ? split_.Test : split_.Train;
            if (parse.GetValue(limit) is string l) set = set.Take(ConfigParse.Int("--limit", l, 1));
            var archi = loaded.Network.Spec.Archi;
            if (archi[0] != set.FeatureCount || archi[^1] != set.ClassCount)
                throw new ConfigException($"--model: the model ({loaded.Network.Spec.ArchiText}) does not fit {set.Name} ({set.FeatureCount} features, {set.ClassCount} classes)");

            using var pool = new WorkerPool(workers);
            var (accuracy, loss) = new Evaluator(loaded.Network, pool).Evaluate(set, steps);
            output.WriteLine($"model: {loaded.Network.Spec.ArchiText} {loaded.Network.Spec.Activation} {loaded.Network.Spec.Loss}, T1={steps}");
            output.WriteLine($"{set.Name}: {set.Count} examples  accuracy {100 * accuracy:F2}%  loss {loss:F4}");
            return 0;
        }));
        return command;
    }
}
