using System.Diagnostics;
using OnChip.Training;
using Spectre.Console;

namespace OnChip.Cli.Output;

/// <summary>
/// Shows training progress: a live bar with throughput and running accuracy on a terminal, or plain log lines
/// (a few per epoch) when the output is redirected. Both print one summary line per epoch.
/// </summary>
internal sealed class ProgressReporter : ITrainingObserver
{
    private readonly TextWriter _output;
    private readonly Stopwatch _sinceLine = Stopwatch.StartNew();
    private ProgressTask? _task;

    private ProgressReporter(TextWriter output) => _output = output;

    public static bool IsInteractive(TextWriter output) =>
        ReferenceEquals(output, Console.Out) && !Console.IsOutputRedirected && AnsiConsole.Profile.Capabilities.Interactive;

    /// <summary>Runs <paramref name="work"/> with a reporter suited to <paramref name="output"/>.</summary>
    public static T Run<T>(TextWriter output, string title, int totalBatches, Func<ProgressReporter, T> work)
    {
        var reporter = new ProgressReporter(output);
        if (!IsInteractive(output)) return work(reporter);
        T result = default!;
        AnsiConsole.Progress()
            .AutoClear(true)
            .Columns(new TaskDescriptionColumn { Alignment = Justify.Left }, new ProgressBarColumn(), new PercentageColumn(),
                new ElapsedTimeColumn(), new RemainingTimeColumn())
            .Start(ctx =>
            {
                reporter._task = ctx.AddTask(title, maxValue: totalBatches);
                result = work(reporter);
            });
        return result;
    }

    public void OnBatch(in BatchProgress p)
    {
        string status = $"epoch {p.Epoch}/{p.Epochs}  batch {p.Batch}/{p.Batches}  acc {100 * p.RunningAccuracy:F2}%  loss {p.RunningLoss:F4}  {p.ExamplesPerSecond:F0} ex/s";
        if (_task is not null)
        {
            _task.Description = Markup.Escape(status);
            _task.Value = (p.Epoch - 1) * p.Batches + p.Batch;
            return;
        }
        // Plain logs: at most one progress line every 10 seconds.
        if (_sinceLine.Elapsed.TotalSeconds >= 10 && p.Batch < p.Batches)
        {
            _output.WriteLine(status);
            _sinceLine.Restart();
        }
    }

    public void OnEpoch(EpochMetrics m)
    {
        string line = $"epoch {m.Epoch}: train acc {100 * m.TrainAccuracy:F2}%  test acc {100 * m.TestAccuracy:F2}%  train loss {m.TrainLoss:F4}  " +
                      $"{m.EpochSeconds:F2} s ({m.ExamplesPerSecond:F0} ex/s)";
        if (_task is not null) AnsiConsole.MarkupLine(Markup.Escape(line));
        else _output.WriteLine(line);
        _sinceLine.Restart();
    }
}
