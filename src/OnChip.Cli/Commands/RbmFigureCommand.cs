using System.CommandLine;
using System.Globalization;
using OnChip.Cli.Output;
using OnChip.Configuration;
using OnChip.Rbm;
using OnChip.Persistence;
using OnChip.Sweeps;

namespace OnChip.Cli.Commands;

/// <summary>
/// <c>onchip rbm figure</c>: Ernoult 2019's device studies as CSV tables (see <see cref="RbmFigure"/>), a thin
/// convenience over <c>onchip sweep</c>: it writes the figure's spec, runs it as a local sweep (<c>--jobs</c> runs at a
/// time, each with <c>--threads</c> workers; complete runs kept, unfinished ones resumed), collects it and tabulates.
/// </summary>
internal static class RbmFigureCommand
{
    public static Command Create(TextWriter output, TextWriter error)
    {
        var d = new RbmFigureSettings();
        var command = new Command("figure", "Ernoult 2019's device studies on DRBMs as CSV tables: test error vs nonlinearity βd (mini-batch 1/100, 1/20 chains), " +
                                            "vs cycle-to-cycle noise, Cst vs RProp across pulse widths, and the software reference. Runs as a sweep of DIR/figure.yaml (every run under DIR/runs/NNNN, summarised by onchip sweep collect) and writes DIR/figure.csv and one CSV per table.");
        var outDir = new Option<string>("--out") { Description = "the figure's sweep directory: tables, spec and runs (rerunning it skips finished runs and resumes the others)", Required = true, HelpName = "DIR" };
        var options = new (string Name, string Help, string Default)[]
        {
            ("--data", "dataset (as onchip train)", d.Data),
            ("--train-limit", "training examples (first N; 0 = all)", d.TrainLimit.ToString()!),
            ("--test-limit", "test examples (first N; 0 = all)", d.TestLimit.ToString()!),
            ("--epochs", "epochs per run", d.Epochs.ToString(CultureInfo.InvariantCulture)),
            ("--hidden", "hidden units", d.Hidden.ToString(CultureInfo.InvariantCulture)),
            ("--lr", "learning rate of software rows with mini-batch 100 (mini-batch 1 uses a tenth; Cst and RProp ignore it)", ConfigParse.Format(d.Lr)),
            ("--seed", "seed of every run", d.Seed.ToString(CultureInfo.InvariantCulture)),
            ("--threads", "worker threads per run", d.Threads.ToString(CultureInfo.InvariantCulture)),
            ("--jobs", "runs at a time (default: cores / threads)", ""),
            ("--tables", "comma-separated subset of " + string.Join(",", RbmFigure.TableNames), string.Join(",", d.Tables)),
            ("--beta-d", "nonlinearities βd of the nonlinearity table", ConfigParse.Format(d.BetaD)),
            ("--batches", "mini-batch sizes of the software and nonlinearity tables", string.Join(",", d.Batches)),
            ("--chains", "Gibbs chains per example of the nonlinearity table", string.Join(",", d.Chains)),
            ("--c2c", "cycle-to-cycle noise σ (fraction of the range) of the c2c table", ConfigParse.Format(d.C2c)),
            ("--widths", "pulse widths Δt0/Δt_max of the programming table", ConfigParse.Format(d.Widths)),
            ("--width", "Cst pulse width of the nonlinearity (mini-batch > 1) and c2c tables", ConfigParse.Format(d.Width)),
            ("--width-batch1", "Cst pulse width of mini-batch 1 rows", ConfigParse.Format(d.WidthBatch1)),
        }.Select(o => (o.Name, Option: new Option<string>(o.Name) { Description = o.Help + (o.Default.Length > 0 ? $" [default: {o.Default}]" : "") })).ToArray();
        command.Options.Add(outDir);
        foreach (var (_, o) in options) command.Options.Add(o);

        command.SetAction(parse => CliErrors.Guard(error, () =>
        {
            var values = options.Where(o => parse.GetValue(o.Option) is not null).ToDictionary(o => o.Name, o => parse.GetValue(o.Option)!);
            var (settings, jobs) = Parse(values);
            return Execute(settings, parse.GetValue(outDir)!, jobs, output);
        }));
        return command;
    }

    public static (RbmFigureSettings Settings, int Jobs) Parse(IReadOnlyDictionary<string, string> v)
    {
        var s = new RbmFigureSettings();
        int? Limit(string key, string text) => ConfigParse.Int(key, text, 0) is var n && n > 0 ? n : null;
        int[] Ints(string key, string text, int min) => text.Split(',').Select(t => ConfigParse.Int(key, t.Trim(), min)).ToArray();
        foreach (var (key, text) in v)
        {
            switch (key)
            {
                case "--data": s.Data = text; break;
                case "--train-limit": s.TrainLimit = Limit(key, text); break;
                case "--test-limit": s.TestLimit = Limit(key, text); break;
                case "--epochs": s.Epochs = ConfigParse.Int(key, text, 1, 100_000); break;
                case "--hidden": s.Hidden = ConfigParse.Int(key, text, 1, 100_000); break;
                case "--lr": s.Lr = ConfigParse.Float(key, text, 0f, exclusiveMin: true); break;
                case "--seed": s.Seed = ConfigParse.Seed(key, text); break;
                case "--threads": s.Threads = ConfigParse.Int(key, text, 1, 1024); break;
                case "--tables":
                    s.Tables = text.Split(',').Select(t => ConfigParse.Choice(key, t.Trim(), RbmFigure.TableNames)).Distinct().ToArray();
                    break;
                case "--beta-d": s.BetaD = ConfigParse.FloatList(key, text, 0f, exclusiveMin: true); break;
                case "--batches": s.Batches = Ints(key, text, 1); break;
                case "--chains": s.Chains = Ints(key, text, 1); break;
                case "--c2c": s.C2c = ConfigParse.FloatList(key, text, 0f, exclusiveMin: false); break;
                case "--widths": s.Widths = ConfigParse.FloatList(key, text, 0f, exclusiveMin: true); break;
                case "--width": s.Width = ConfigParse.Float(key, text, 0f, exclusiveMin: true); break;
                case "--width-batch1": s.WidthBatch1 = ConfigParse.Float(key, text, 0f, exclusiveMin: true); break;
            }
        }
        int jobs = v.TryGetValue("--jobs", out var j) ? ConfigParse.Int("--jobs", j, 1, 1024) : Math.Max(1, Environment.ProcessorCount / s.Threads);
        return (s, jobs);
    }

    /// <summary>
    /// Runs the figure's spec (<see cref="RbmFigure.Spec"/>) as a sweep in <paramref name="directory"/> (written there
    /// as figure.yaml), then collects it and writes the tables. Complete runs are skipped and unfinished ones resumed,
    /// so rerunning finishes an interrupted figure, and a directory swept from examples/rbm-figure.yaml (for instance
    /// on Slurm) is only tabulated.
    /// </summary>
    public static int Execute(RbmFigureSettings settings, string directory, int jobs, TextWriter output)
    {
        if (settings.Tables.Length == 0) throw new ConfigException("--tables: nothing to run");
        string specPath = Path.Combine(directory, RbmFigure.SpecFile);
        string specText = RbmFigure.Spec(settings);
        var plan = SweepPlan.Expand(SweepSpec.Parse(specText, specPath, directory));  // every row's settings are valid before any training
        var sweep = SweepDirectory.Prepare(directory, plan,
            $"onchip rbm figure: the resolved configuration of one run\ncontinue the whole figure with the same onchip rbm figure command, or: onchip sweep {specPath} --out {directory}");
        AtomicFile.WriteAllText(specPath, specText);

        var todo = sweep.States().Where(s => s.Status != RunStatus.Complete).ToArray();
        output.WriteLine($"rbm figure: {plan.Runs.Count} runs ({plan.Runs.Count - todo.Length} already finished) in {directory}, the sweep of {specPath}; " +
                         $"{settings.Epochs} epoch(s) on {settings.TrainLimit?.ToString() ?? "all"} training images, {jobs} at a time, {settings.Threads} thread(s) each");
        int code = todo.Length == 0 ? 0
            : SweepCommand.RunLocal(sweep, todo, OnChipCommand.ForCli(typeof(RbmFigureCommand).Assembly.Location), jobs, settings.Threads, output);

        var collected = SweepCollector.Collect(directory, w => output.WriteLine($"warning: {w}"));
        var tables = RbmFigure.WriteTables(directory, collected.Runs);
        var complete = collected.Runs.Where(r => r.State.Status == RunStatus.Complete).ToArray();
        foreach (var table in complete.GroupBy(r => r.State.Run.Swept.FirstOrDefault(s => s.Key == SweepSpec.CaseKey).Value ?? ""))
        {
            output.WriteLine($"{table.Key}:");
            foreach (var r in table)
            {
                double error = r.Final("test_error") ?? double.NaN;
                double last3 = r.Epochs.TakeLast(3).Select(e => e["test_error"] ?? double.NaN).DefaultIfEmpty(double.NaN).Average();
                output.WriteLine($"  {Describe(r.State.Run),-90} test error {100 * error,6:F2}%  last 3 epochs {100 * last3,6:F2}%");
            }
        }
        output.WriteLine($"tables written: {Path.Combine(directory, RbmFigure.FigureFile)} and {string.Join(", ", tables.Select(t => t + ".csv"))}; " +
                         $"every run: {collected.SummaryPath}");
        if (code != 0) output.WriteLine($"{complete.Length} of {plan.Runs.Count} runs are finished and tabulated; rerun the same command to finish the rest");
        return code;
    }

    private static string Describe(SweepRun run) =>
        string.Join(" ", RbmFigure.Columns.Select(c => (c, v: run.Swept.FirstOrDefault(s => s.Key == c).Value)).Where(x => x.v is not null).Select(x => $"{x.c}={x.v}"));
}
