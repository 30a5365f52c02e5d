using System.CommandLine;
using OnChip.Cli.Output;
using OnChip.Configuration;
using OnChip.Training;

namespace OnChip.Cli.Commands;

/// <summary>What the training commands share about runs that can be interrupted and resumed.</summary>
internal static class ResumableRun
{
    /// <summary>
    /// Adds <c>--resume RUN_DIR</c> to a training command and sets its action: a new run from the defaults, the YAML file
    /// and the flags, or a stored run (<paramref name="stored"/> reads its configuration) continued with only
    /// --epochs and --threads changed.
    /// </summary>
    public static void SetAction<TConfig>(Command command, ConfigOptions<TConfig> options, Func<TConfig> defaults, Func<string, TConfig> stored,
        Func<TConfig, bool, int> execute, TextWriter error)
    {
        var resume = new Option<string>("--resume") { Description = "continue an interrupted run from its latest checkpoint (only --epochs and --threads may be given with it)", HelpName = "RUN_DIR" };
        command.Options.Add(resume);
        command.SetAction(parse => CliErrors.Guard(error, () =>
        {
            if (parse.GetValue(resume) is not string directory) return execute(options.Resolve(parse, defaults()), false);
            var given = options.ExplicitKeys(parse).Except(["epochs", "threads"]).ToArray();
            if (given.Length > 0 || parse.GetValue(options.ConfigFileOption) is not null)
                throw new ConfigException($"--resume: the run keeps its own configuration; only --epochs and --threads may be given (got --{(given.Length > 0 ? given[0] : "config")})");
            return execute(options.Resolve(parse, stored(directory)), true);
        }));
    }

    /// <summary>
    /// The lines after a run's own results (a resumed run that had nothing left to train, where the run is, how to resume
    /// an interrupted one) and the exit code. <paramref name="command"/>: how the user started it, e.g. "onchip train".
    /// </summary>
    public static int Finish(TextWriter output, RunOutcome outcome, bool resuming, string command)
    {
        if (outcome.History.Count == 0 && resuming && !outcome.Interrupted)
            output.WriteLine($"the run already has its {outcome.CompletedEpochs} epoch(s); nothing to do (give --epochs N to train further)");
        output.WriteLine($"run saved in {outcome.Directory.Path}");
        if (!outcome.Interrupted) return 0;
        output.WriteLine($"interrupted after {outcome.CompletedEpochs} complete epoch(s); checkpoint saved. Resume with: {command} --resume {outcome.Directory.Path}");
        return CliErrors.Interrupted;
    }
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
