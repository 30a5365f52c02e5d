using System.CommandLine;
using OnChip.Cli.Output;
using OnChip.Configuration;
using OnChip.Persistence;

namespace OnChip.Cli.Commands;

/// <summary><c>onchip export</c>: write the tensors of a model (or any OnChip tensor file) in a format other tools read.</summary>
public static class ExportCommand
{
    public static readonly IReadOnlyList<string> Formats = ["npy"];

    public static Command Create(TextWriter output, TextWriter error)
    {
        var command = new Command("export", "Export the tensors of a model file (or any OnChip tensor file) to NumPy: one NAME.npy per tensor plus manifest.json.");
        var model = new Argument<string>("MODEL") { Description = "model or checkpoint file written by OnChip (e.g. RUN_DIR/model.onchip)" };
        var format = new Option<string>("--format") { Description = "output format: npy (NumPy .npy, float32, C order)", DefaultValueFactory = _ => "npy", HelpName = "FORMAT" };
        var outDir = new Option<string>("--out", "-o") { Description = "output directory (created; refused if it already holds a manifest.json)", Required = true, HelpName = "DIR" };
        command.Arguments.Add(model);
        command.Options.Add(format);
        command.Options.Add(outDir);

        command.SetAction(parse => CliErrors.Guard(error, () =>
        {
            ConfigParse.Choice("--format", parse.GetValue(format)!, Formats);
            string source = parse.GetValue(model)!;
            string directory = parse.GetValue(outDir)!;
            var tensors = NpyExport.Export(source, directory);
            int nameWidth = tensors.Select(t => t.Name.Length).DefaultIfEmpty(0).Max();
            int shapeWidth = tensors.Select(t => ShapeText(t.Shape).Length).DefaultIfEmpty(0).Max();
            foreach (var t in tensors)
                output.WriteLine($"{t.Name.PadRight(nameWidth)}  {ShapeText(t.Shape).PadRight(shapeWidth)}  {Path.Combine(directory, t.File)}");
            output.WriteLine($"exported {tensors.Count} tensor(s) from {source} to {directory} (see {Path.Combine(directory, NpyExport.ManifestFileName)})");
            return 0;
        }));
        return command;
    }

    private static string ShapeText(int[] shape) => "[" + string.Join(", ", shape) + "]";
}
