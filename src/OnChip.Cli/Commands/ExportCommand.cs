using System.CommandLine;
using System.Globalization;
using System.Text;
using OnChip.Cli.Output;
using OnChip.Configuration;
using OnChip.Data;
using OnChip.Parallelism;
using OnChip.Persistence;
using OnChip.Resistive;
using OnChip.Training;

namespace OnChip.Cli.Commands;

/// <summary><c>onchip export</c>: write a model in a format other tools read (NumPy tensors, or a SPICE netlist of a resistive network).</summary>
internal static class ExportCommand
{
    public static readonly IReadOnlyList<string> Formats = ["npy", "spice"];

    public static Command Create(TextWriter output, TextWriter error)
    {
        var command = new Command("export", "Export a model: its tensors to NumPy (--format npy: one NAME.npy per tensor plus manifest.json), " +
                                            "or a trained resistive network as a SPICE netlist for one input example (--format spice).");
        var model = new Argument<string>("MODEL") { Description = "model or checkpoint file written by OnChip (e.g. RUN_DIR/model.onchip)" };
        var format = new Option<string>("--format") { Description = "npy (NumPy .npy, float32, C order) or spice (netlist of a resistive network, DC operating point)", DefaultValueFactory = _ => "npy", HelpName = "FORMAT" };
        var outPath = new Option<string>("--out", "-o") { Description = "npy: output directory (created; refused if it already holds a manifest.json); spice: the netlist file (NAME.cir)", Required = true, HelpName = "PATH" };
        var data = new Option<string>("--data") { Description = "spice: dataset the input example comes from", DefaultValueFactory = _ => "embedded" };
        var split = new Option<string>("--split") { Description = "spice: test or train", DefaultValueFactory = _ => "test" };
        var index = new Option<string>("--index") { Description = "spice: which example of the split drives the inputs", DefaultValueFactory = _ => "0" };
        var check = new Option<bool>("--check") { Description = "spice: run ngspice -b on the netlist and compare its operating point with OnChip's free equilibrium" };
        var threads = new Option<string>("--threads") { Description = "spice: worker threads for the relaxation (default: all cores)" };
        command.Arguments.Add(model);
        foreach (var o in new Option[] { format, outPath, data, split, index, check, threads }) command.Options.Add(o);

        command.SetAction(parse => CliErrors.Guard(error, () =>
        {
            string chosen = ConfigParse.Choice("--format", parse.GetValue(format)!, Formats);
            string source = parse.GetValue(model)!;
            string target = parse.GetValue(outPath)!;
            if (chosen != "spice")
            {
                var given = new Option[] { data, split, index, check, threads }.FirstOrDefault(o => parse.GetResult(o) is { Implicit: false });
                if (given is not null) throw new ConfigException($"{given.Name}: only for --format spice");
            }
            if (chosen == "spice")
            {
                int workers = parse.GetValue(threads) is string w ? ConfigParse.Int("--threads", w, 1, 1024) : Environment.ProcessorCount;
                return Spice(source, target, parse.GetValue(data)!, ConfigParse.Choice("--split", parse.GetValue(split)!, ["test", "train"]),
                    ConfigParse.Int("--index", parse.GetValue(index)!, 0), parse.GetValue(check), workers, output);
            }
            var tensors = NpyExport.Export(source, target);
            int nameWidth = tensors.Select(t => t.Name.Length).DefaultIfEmpty(0).Max();
            int shapeWidth = tensors.Select(t => ShapeText(t.Shape).Length).DefaultIfEmpty(0).Max();
            foreach (var t in tensors)
                output.WriteLine($"{t.Name.PadRight(nameWidth)}  {ShapeText(t.Shape).PadRight(shapeWidth)}  {Path.Combine(target, t.File)}");
            output.WriteLine($"exported {tensors.Count} tensor(s) from {source} to {target} (see {Path.Combine(target, NpyExport.ManifestFileName)})");
            return 0;
        }));
        return command;
    }

    private static int Spice(string source, string netlist, string dataName, string splitName, int index, bool check, int workers, TextWriter output)
    {
        var model = ModelKinds.Load(source, "onchip export can write as a netlist");
        var network = model.EnergyNetwork;
        if (network is null || network.Family != ResistiveNetwork.Family)
            throw new UserFacingException($"{source}: --format spice exports resistive networks (--model resistive), not a {model.Description}");
        if (Directory.Exists(netlist)) throw new UserFacingException($"{netlist}: is a directory; give the netlist's file name (e.g. {Path.Combine(netlist, "circuit.cir")})");
        if (File.Exists(netlist)) throw new UserFacingException($"{netlist}: exists; remove it or choose another --out (an export never overwrites a file)");
        var loaded = DatasetLoader.Load(dataName);
        var set = splitName == "test" ? loaded.Test : loaded.Train;
        // A model trained on standardised inputs sees them standardised the same way: so do its circuit's sources.
        if (ChannelNormalization.FromMetadata(model.Metadata) is { } normalization) set = normalization.Apply(set);
        if (set.FeatureCount != network.InputSize)
            throw new ConfigException($"--data: {set.Name} has {set.FeatureCount} features, the model reads {network.InputSize}");
        if (index >= set.Count) throw new ConfigException($"--index: {set.Name} has {set.Count} examples (0..{set.Count - 1}), got {index}");
        using var pool = new WorkerPool(workers);
        var state = SpiceNetlist.Relax(network, set.Features.AsSpan(index * set.FeatureCount, set.FeatureCount), pool);
        string title = $"example {index} of {set.Name} (label {set.Labels[index]}), from {Path.GetFullPath(source)}";
        AtomicFile.Write(netlist, stream =>
        {
            using var writer = new StreamWriter(stream, new UTF8Encoding(false), 1 << 16, leaveOpen: true);
            SpiceNetlist.Write(writer, network, state, title);
        });
        string voltages = netlist + ".voltages.csv";
        var csv = new StringBuilder("node,voltage\n");
        foreach (var (node, v) in SpiceNetlist.Nodes(state)) csv.Append(node).Append(',').Append(v.ToString("R", CultureInfo.InvariantCulture)).Append('\n');
        AtomicFile.WriteAllText(voltages, csv.ToString());
        output.WriteLine($"wrote {netlist} ({title}); OnChip predicts class {state.Predicted}; its node voltages are in {voltages}");
        if (!check) return 0;
        var comparison = SpiceCheck.Compare(state, SpiceCheck.OperatingPoint(netlist));
        output.WriteLine($"SPICE check: {comparison.Nodes} nodes, max |V_spice − V_onchip| = {comparison.MaxDifference:G4} V at {comparison.WorstNode} " +
                         $"({100 * comparison.RelativeDifference:G3}% of the input scale {comparison.InputScale:G4} V); class: OnChip {comparison.OnChipClass}, SPICE {comparison.SpiceClass}");
        return comparison.SpiceClass == comparison.OnChipClass && comparison.RelativeDifference <= 0.01 ? 0 : CliErrors.UserError;
    }

    private static string ShapeText(int[] shape) => "[" + string.Join(", ", shape) + "]";
}
