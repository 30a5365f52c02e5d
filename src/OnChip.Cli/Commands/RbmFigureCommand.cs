using System.CommandLine;
using System.Globalization;
using OnChip.Cli.Output;
using OnChip.Configuration;
using OnChip.Rbm;
using OnChip.Training;

namespace OnChip.Cli.Commands;

/// <summary>
/// <c>onchip rbm figure</c>: Ernoult 2019's device studies as CSV tables (see <see cref="RbmFigure"/>). Rows run
/// <c>--jobs</c> at a time, each with <c>--threads</c> workers; finished rows are kept, so an interrupted figure resumes.
/// </summary>
internal static class RbmFigureCommand
{
    public static Command Create(TextWriter output, TextWriter error)
    {
        var d = new RbmFigureSettings();
        var command = new Command("figure", "Ernoult 2019's device studies on DRBMs as CSV tables: test error vs nonlinearity βd (mini-batch 1/100, 1/20 chains), " +
                                            "vs cycle-to-cycle noise, Cst vs RProp across pulse widths, and the software reference. Writes DIR/figure.csv, one CSV per table, and every run under DIR/runs.");
        var outDir = new Option<string>("--out") { Description = "directory for the tables and the runs (rerunning it skips finished runs)", Required = true, HelpName = "DIR" };
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

    public static int Execute(RbmFigureSettings settings, string directory, int jobs, TextWriter output)
    {
        var rows = RbmFigure.Plan(settings);
        if (rows.Count == 0) throw new ConfigException("--tables: nothing to run");
        foreach (var row in rows) RbmFigure.Config(settings, row, directory);  // every row's settings are valid before any training
        RunDirectory.Create(directory, "", []);  // created and checked writable now; finished runs inside are kept

        var results = new RbmFigure.Result?[rows.Count];
        var pending = new List<int>();
        for (int i = 0; i < rows.Count; i++)
        {
            results[i] = RbmFigure.ReadFinished(directory, rows[i], settings.Epochs);
            if (results[i] is null) pending.Add(i);
        }
        output.WriteLine($"rbm figure: {rows.Count} runs ({rows.Count - pending.Count} already finished) in {directory}; " +
                         $"{settings.Epochs} epoch(s) on {settings.TrainLimit?.ToString() ?? "all"} training images, {jobs} at a time, {settings.Threads} thread(s) each");
        if (pending.Count > 0)
        {
            var data = TrainCommand.LoadData(RbmFigure.Config(settings, rows[pending[0]], directory).Shared);
            using var interrupt = new InterruptHandler();
            int done = 0;
            var gate = new object();
            try
            {
                Parallel.ForEach(pending, new ParallelOptions { MaxDegreeOfParallelism = jobs, CancellationToken = interrupt.Token }, i =>
                {
                    var result = RbmFigure.Execute(settings, directory, rows[i], data, interrupt.Token);
                    results[i] = result;
                    lock (gate)
                    {
                        done++;
                        output.WriteLine($"[{done}/{pending.Count}] {rows[i].Name} {Describe(rows[i])}: test error {100 * result.TestError:F2}% (last 3 epochs {100 * result.TestErrorLast3:F2}%, {result.EpochSeconds:F1} s/epoch)");
                    }
                });
            }
            catch (OperationCanceledException)
            {
                RbmFigure.WriteTables(directory, results.OfType<RbmFigure.Result>().ToList());
                output.WriteLine($"interrupted: {results.Count(r => r is not null)} of {rows.Count} runs are finished and tabulated; rerun the same command to finish the rest");
                return CliErrors.Interrupted;
            }
        }
        var finished = results.OfType<RbmFigure.Result>().ToList();
        RbmFigure.WriteTables(directory, finished);
        foreach (var table in finished.GroupBy(r => r.Row.Table))
        {
            output.WriteLine($"{table.Key}:");
            foreach (var r in table) output.WriteLine($"  {Describe(r.Row),-90} test error {100 * r.TestError,6:F2}%  last 3 epochs {100 * r.TestErrorLast3,6:F2}%");
        }
        output.WriteLine($"tables written: {Path.Combine(directory, "figure.csv")} and {string.Join(", ", finished.Select(r => r.Row.Table).Distinct().Select(t => t + ".csv"))}");
        return 0;
    }

    private static string Describe(RbmFigure.Row row) => string.Join(" ", RbmFigure.Columns.Where(row.Settings.ContainsKey).Select(c => $"{c}={row.Settings[c]}"));
}
