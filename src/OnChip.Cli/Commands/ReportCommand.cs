using System.CommandLine;
using OnChip.Cli.Output;
using OnChip.Reports;

namespace OnChip.Cli.Commands;

/// <summary><c>onchip report</c>: one self-contained HTML file with interactive charts of one or more run directories.</summary>
internal static class ReportCommand
{
    public static Command Create(TextWriter output, TextWriter error)
    {
        var command = new Command("report",
            "Write a self-contained HTML report (interactive Vega-Lite charts, works offline) of one or more run directories: " +
            "learning curves overlaid, settings and final metrics, and the GDU check, device and filter files when present.");
        var runs = new Argument<string[]>("RUN_DIR") { Description = "run directories (onchip train or gdu output)", Arity = ArgumentArity.OneOrMore };
        var outFile = new Option<string>("--out", "-o") { Description = "HTML file to write (replaced if it exists)", DefaultValueFactory = _ => "report.html", HelpName = "FILE" };
        var title = new Option<string>("--title") { Description = "page title", DefaultValueFactory = _ => "OnChip report", HelpName = "TEXT" };
        command.Arguments.Add(runs);
        command.Options.Add(outFile);
        command.Options.Add(title);

        command.SetAction(parse => CliErrors.Guard(error, () =>
        {
            string path = parse.GetValue(outFile)!;
            var summary = ReportBuilder.Write(path, parse.GetValue(runs)!, warning => error.WriteLine($"warning: {warning}"), parse.GetValue(title)!);
            output.WriteLine($"report of {summary.Runs.Count} run(s) ({string.Join(", ", summary.Runs)}): {summary.Charts} chart(s)" +
                             (summary.Images > 0 ? $", {summary.Images} filter image(s)" : "") + $", {summary.Bytes / 1024} KiB");
            output.WriteLine($"written {path}");
            return 0;
        }));
        return command;
    }
}
