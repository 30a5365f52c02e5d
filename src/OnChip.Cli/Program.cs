using System.CommandLine;
using OnChip.Cli.Commands;

namespace OnChip.Cli;

internal static class Program
{
    public static int Main(string[] args) => Run(args, Console.Out, Console.Error);

    /// <summary>Entry point used by tests: the same parsing and error handling as the real command.</summary>
    public static int Run(string[] args, TextWriter output, TextWriter error)
    {
        // A plain command named "onchip" (not RootCommand, which takes the assembly's name) so help reads "onchip train …".
        var root = new Command("onchip", "OnChip: train neural networks the way neuromorphic chips learn on-chip (Equilibrium Propagation and friends).");
        root.Options.Add(new System.CommandLine.Help.HelpOption());
        root.Options.Add(new VersionOption());
        root.Subcommands.Add(TrainCommand.Create(output, error));
        root.Subcommands.Add(EvalCommand.Create(output, error));
        root.Subcommands.Add(GduCommand.Create(output, error));
        root.Subcommands.Add(GradcheckCommand.Create(output, error));
        root.Subcommands.Add(DevicesCommand.Create(output, error));
        root.Subcommands.Add(ExportCommand.Create(output, error));
        root.Subcommands.Add(ReportCommand.Create(output, error));
        root.Subcommands.Add(RbmCommand.Create(output, error));
        root.Subcommands.Add(SweepCommand.Create(output, error));
        var parse = root.Parse(args);
        return parse.Invoke(new InvocationConfiguration { Output = output, Error = error });
    }
}
