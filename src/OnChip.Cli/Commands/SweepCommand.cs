using System.CommandLine;
using System.Globalization;
using System.Runtime.InteropServices;
using OnChip.Cli.Output;
using OnChip.Sweeps;
using Spectre.Console;

namespace OnChip.Cli.Commands;

/// <summary>
/// <c>onchip sweep SPEC --out DIR</c>: expand a spec (cases × grid × random draws × seeds over any option of its
/// training command, <c>train</c> or <c>rbm train</c>) into
/// normal run directories DIR/runs/NNNN and run them, on this machine (<c>--executor local</c>, child processes) or
/// as a Slurm array job (<c>--executor slurm</c>); rerunning continues the sweep. <c>onchip sweep collect DIR</c>
/// summarises it.
/// </summary>
internal static class SweepCommand
{
    public static Command Create(TextWriter output, TextWriter error)
    {
        var command = new Command("sweep",
            "Run a parameter sweep: a spec (YAML: command:, base:, grid:, cases:, random:, seeds:) over any option of onchip train or onchip rbm train (command: rbm train) " +
            "or device parameter (device.KEY) expands into run directories DIR/runs/NNNN, " +
            "run here with bounded parallelism (--executor local) or as a Slurm array job (--executor slurm). Rerunning the same command skips " +
            "finished runs and resumes unfinished ones. Summarise with: onchip sweep collect DIR.");
        var spec = new Argument<string>("SPEC") { Description = "the sweep spec (YAML)" };
        var outDir = new Option<string>("--out", "-o") { Description = "the sweep directory (created; an existing one is continued)", HelpName = "DIR", Required = true };
        var executor = new Option<string>("--executor") { Description = "local (child processes here) or slurm (an sbatch array job)", DefaultValueFactory = _ => "local", HelpName = "local|slurm" };
        executor.AcceptOnlyFromAmong("local", "slurm");
        var jobs = new Option<int?>("--jobs", "-j") { Description = "local: runs at once [default: cores / threads per run, at least 1]", HelpName = "N" };
        var onchipCommand = new Option<string>("--onchip-command") { Description = "how to invoke onchip for each run, a shell command to which the run's arguments (train … or rbm train …) are appended [default: this .NET host and CLI assembly, by absolute path]", HelpName = "COMMAND" };
        var dryRun = new Option<bool>("--dry-run") { Description = "prepare the directory (sweep.json, runs/NNNN/config.yaml, sweep.sbatch for slurm) and list what would run, without running or submitting" };
        var partition = new Option<string>("--partition") { Description = "slurm: partition", HelpName = "NAME" };
        var time = new Option<string>("--time") { Description = "slurm: time limit per run (e.g. 2:00:00) [default: the partition's]", HelpName = "LIMIT" };
        var mem = new Option<string>("--mem") { Description = "slurm: memory per run (e.g. 4G) [default: the cluster's]", HelpName = "SIZE" };
        var maxParallel = new Option<int>("--max-parallel") { Description = "slurm: at most this many runs at once (the array's %M) [default: no limit]", HelpName = "M" };
        var jobName = new Option<string>("--job-name") { Description = "slurm: job name [default: onchip-<DIR name>]", HelpName = "NAME" };
        var sbatchOptions = new Option<string[]>("--sbatch-option") { Description = "slurm: another #SBATCH line, e.g. --sbatch-option=--account=abc (repeatable)", HelpName = "OPTION" };
        var wait = new Option<bool>("--wait") { Description = "slurm: follow the job (squeue) until every run ended, then report each task's state; exit code 1 if any failed" };
        var poll = new Option<double>("--poll") { Description = "slurm --wait: seconds between squeue calls", DefaultValueFactory = _ => 10, HelpName = "SECONDS" };
        command.Arguments.Add(spec);
        Option[] local = [jobs];
        Option[] slurm = [partition, time, mem, maxParallel, jobName, sbatchOptions, wait, poll];
        foreach (var o in new Option[] { outDir, executor, jobs, onchipCommand, dryRun, partition, time, mem, maxParallel, jobName, sbatchOptions, wait, poll })
            command.Options.Add(o);
        command.Subcommands.Add(CreateCollect(output, error));

        command.SetAction(parse => CliErrors.Guard(error, () =>
        {
            string specPath = parse.GetValue(spec)!;
            string dir = parse.GetValue(outDir)!;
            bool useSlurm = parse.GetValue(executor) == "slurm";
            static bool Given(ParseResult p, Option o) => p.GetResult(o) is { Implicit: false };
            foreach (var o in useSlurm ? local : slurm)
                if (Given(parse, o)) throw new UserFacingException($"{o.Name}: only with --executor {(useSlurm ? "local" : "slurm")}");
            if (parse.GetValue(jobs) is < 1) throw new UserFacingException("--jobs: must be at least 1");
            if (parse.GetValue(maxParallel) < 0) throw new UserFacingException("--max-parallel: must be at least 0 (0: no limit)");
            double pollSeconds = parse.GetValue(poll);
            if (!(pollSeconds > 0) || pollSeconds > 3600) throw new UserFacingException("--poll: must be between 0 and 3600 seconds");

            var plan = SweepPlan.Expand(SweepSpec.Load(specPath));
            var sweep = SweepDirectory.Prepare(dir, plan,
                $"OnChip sweep {specPath}: the resolved configuration of one run\ncontinue the whole sweep with: onchip sweep {specPath} --out {dir}");
            var states = sweep.States();
            var todo = states.Where(s => s.Status != RunStatus.Complete).ToArray();
            int threads = plan.Runs.Max(r => r.Threads);
            output.WriteLine($"sweep {specPath} (onchip {plan.Command.Name}): {plan.Runs.Count} run(s) = {plan.Configurations} configuration(s) × {plan.Seeds.Count} seed(s), " +
                             $"swept: {string.Join(", ", plan.SweptKeys)}; directory {dir}");
            output.WriteLine($"{states.Count - todo.Length} complete (skipped), {todo.Count(s => s.Started)} to resume, {todo.Count(s => !s.Started)} to start");
            if (todo.Length == 0)
            {
                output.WriteLine($"nothing to do; summarise with: onchip sweep collect {dir}");
                return 0;
            }
            var cli = parse.GetValue(onchipCommand) is string c ? OnChipCommand.FromShell(c) : OnChipCommand.ForCli(typeof(SweepCommand).Assembly.Location);
            bool dry = parse.GetValue(dryRun);
            if (dry)
                foreach (var s in todo)
                    output.WriteLine($"  run {s.Run.Id}: {(s.Started ? "resume" : "start")} ({s.Run.Label()})");

            if (!useSlurm)
            {
                int parallel = parse.GetValue(jobs) ?? Math.Max(1, Environment.ProcessorCount / Math.Max(1, threads));
                if (dry)
                {
                    output.WriteLine($"dry run: would run {todo.Length} run(s), {parallel} at a time, each as: {cli} {plan.Command.Name} …");
                    return 0;
                }
                return RunLocal(sweep, todo, cli, parallel, threads, output);
            }

            var options = new SlurmOptions
            {
                JobName = parse.GetValue(jobName) ?? DefaultJobName(sweep),
                Partition = parse.GetValue(partition), Time = parse.GetValue(time), Mem = parse.GetValue(mem),
                MaxParallel = parse.GetValue(maxParallel), CpusPerTask = threads, Extra = parse.GetValue(sbatchOptions) ?? [],
            };
            var tasks = todo.Select(s => s.Run.Number).ToArray();
            string script = SlurmExecutor.WriteScript(sweep, SlurmExecutor.Script(sweep, tasks, options, cli, Environment.CurrentDirectory));
            output.WriteLine($"wrote {script}: array {SlurmExecutor.ArraySpec(tasks, options.MaxParallel)}, {threads} CPU(s) per run, each as: {cli} {plan.Command.Name} …");
            if (dry)
            {
                output.WriteLine($"dry run: not submitted (submit with: sbatch {script})");
                return 0;
            }
            return RunSlurm(sweep, script, tasks, TimeSpan.FromSeconds(pollSeconds), parse.GetValue(wait), output);
        }));
        return command;
    }

    private static string DefaultJobName(SweepDirectory sweep)
    {
        string name = Path.GetFileName(Path.TrimEndingDirectorySeparator(sweep.FullPath));
        name = new string(name.Select(c => char.IsAsciiLetterOrDigit(c) || c is '-' or '_' or '.' ? c : '_').ToArray());
        return "onchip-" + (name.Length > 0 ? name : "sweep");
    }

    /// <summary>Runs <paramref name="todo"/> here, stopping cleanly on SIGINT/SIGTERM; prints one line per run and a summary.</summary>
    internal static int RunLocal(SweepDirectory sweep, IReadOnlyList<RunState> todo, OnChipCommand cli, int jobs, int threads, TextWriter output)
    {
        using var held = sweep.Lock();
        output.WriteLine($"running {todo.Count} run(s), {Math.Min(jobs, todo.Count)} at a time ({threads} thread(s) each); logs in {Path.Combine(sweep.Path, "runs", "NNNN")}/stdout.log and stderr.log");
        // On a terminal, a live bar counts finished runs; each run's line is printed above it.
        ProgressTask? bar = null;
        var lines = ProgressReporter.IsInteractive(output) ? new LineWriter(line => AnsiConsole.MarkupLine(Markup.Escape(line))) : output;
        var executor = new LocalExecutor(cli, jobs, lines) { Finished = _ => bar?.Increment(1) };
        using var stop = new CancellationTokenSource();
        void OnSignal(PosixSignalContext context)
        {
            if (stop.IsCancellationRequested) return; // a second signal ends the sweep at once
            context.Cancel = true;
            Console.Error.WriteLine("stopping: no new run starts; the runs under way stop at a checkpoint (or finish); rerun the sweep to continue");
            stop.Cancel();
            // Ctrl-C reaches the runs too (same process group); a SIGTERM sent to the sweep alone is passed on.
            if (context.Signal == PosixSignal.SIGTERM) executor.Terminate();
        }
        using var sigint = PosixSignalRegistration.Create(PosixSignal.SIGINT, OnSignal);
        using var sigterm = PosixSignalRegistration.Create(PosixSignal.SIGTERM, OnSignal);

        IReadOnlyList<RunResult> results = [];
        if (lines == output) results = executor.Run(sweep, todo, stop.Token);
        else
            AnsiConsole.Progress().AutoClear(true)
                .Columns(new TaskDescriptionColumn { Alignment = Justify.Left }, new ProgressBarColumn(), new PercentageColumn(),
                    new ElapsedTimeColumn(), new RemainingTimeColumn())
                .Start(ctx =>
                {
                    bar = ctx.AddTask($"{todo.Count} run(s)", maxValue: todo.Count);
                    results = executor.Run(sweep, todo, stop.Token);
                });
        var failed = results.Where(r => r.ExitCode is not (0 or 130) || (r.ExitCode == 0 && r.State.Status != RunStatus.Complete)).ToArray();
        int interrupted = results.Count(r => r.ExitCode == 130);
        int notStarted = todo.Count - results.Count;
        int complete = sweep.States().Count(s => s.Status == RunStatus.Complete);
        output.WriteLine($"done: {complete} of {sweep.Plan.Runs.Count} run(s) complete" +
                         (failed.Length > 0 ? $", {failed.Length} failed ({string.Join(", ", failed.Select(f => f.State.Run.Id))})" : "") +
                         (interrupted > 0 ? $", {interrupted} interrupted" : "") + (notStarted > 0 ? $", {notStarted} not started" : ""));
        foreach (var f in failed)
            output.WriteLine($"  run {f.State.Run.Id} failed: {f.Error ?? $"exit code {f.ExitCode}"} (see {Path.Combine(sweep.DisplayPath(f.State.Run), SweepDirectory.StderrFile)})");
        if (failed.Length > 0 || interrupted > 0 || notStarted > 0)
            output.WriteLine($"rerun the same command to retry failed runs and resume the others; summarise with: onchip sweep collect {sweep.Path}");
        else
            output.WriteLine($"summarise with: onchip sweep collect {sweep.Path}");
        return failed.Length > 0 ? CliErrors.UserError : stop.IsCancellationRequested || interrupted > 0 ? CliErrors.Interrupted : 0;
    }

    private static int RunSlurm(SweepDirectory sweep, string script, IReadOnlyList<int> tasks, TimeSpan poll, bool wait, TextWriter output)
    {
        var slurm = new SlurmExecutor(new SlurmTools(), output);
        string job = slurm.Submit(script);
        string digits = new('0', sweep.Plan.Digits);
        output.WriteLine($"submitted Slurm job {job}: {tasks.Count} task(s); logs in {Path.Combine(sweep.Path, SweepDirectory.LogsFolder)}/{job}_NNNN.out and .err");
        if (!wait)
        {
            output.WriteLine($"follow it with: squeue -j {job}; when it ended: onchip sweep collect {sweep.Path}");
            return 0;
        }
        using var stop = new CancellationTokenSource();
        void OnSignal(PosixSignalContext context)
        {
            if (stop.IsCancellationRequested) return;
            context.Cancel = true;
            stop.Cancel();
        }
        using var sigint = PosixSignalRegistration.Create(PosixSignal.SIGINT, OnSignal);
        using var sigterm = PosixSignalRegistration.Create(PosixSignal.SIGTERM, OnSignal);
        var states = slurm.Wait(job, sweep, tasks, poll, stop.Token);
        if (states is null) return CliErrors.Interrupted;

        int bad = 0;
        foreach (var t in states)
        {
            var run = sweep.State(sweep.Plan.Runs[t.Task]);
            bool ok = t.State == "COMPLETED" && run.Status == RunStatus.Complete;
            if (!ok) bad++;
            string exit = t.ExitCode is null ? "" : $", exit {t.ExitCode}";
            string where = ok ? "" : $"; see {Path.Combine(sweep.DisplayPath(run.Run), SweepDirectory.StderrFile)} and " +
                                     $"{Path.Combine(sweep.Path, SweepDirectory.LogsFolder, $"{job}_{t.Task.ToString(digits, CultureInfo.InvariantCulture)}.err")}";
            string why = ok ? "" : SweepDirectory.LastError(run.Path) is string e ? $": {e}" : "";
            output.WriteLine($"task {t.Task} (run {run.Run.Id}): {t.State}{exit}, {run.EpochsDone}/{run.Run.Epochs} epoch(s), {run.StatusName}{why}{where}");
        }
        output.WriteLine(bad == 0
            ? $"job {job}: all {states.Count} task(s) completed; summarise with: onchip sweep collect {sweep.Path}"
            : $"job {job}: {bad} of {states.Count} task(s) did not complete; rerun the same command to retry them (complete runs are skipped)");
        return bad == 0 ? 0 : CliErrors.UserError;
    }

    private static Command CreateCollect(TextWriter output, TextWriter error)
    {
        var command = new Command("collect",
            "Summarise a sweep: DIR/summary.csv (one row per run: status, swept values, final and best metrics), DIR/summary_by_config.csv " +
            "(mean and std over seeds per configuration) and DIR/report.html (the configurations compared). Missing, partial and failed runs are reported.");
        var dir = new Argument<string>("DIR") { Description = "the sweep directory (--out of onchip sweep)" };
        var runsReport = new Option<bool>("--runs-report") { Description = "also write DIR/runs-report.html: onchip report of every run with metrics (each run's curves overlaid)" };
        var noReport = new Option<bool>("--no-report") { Description = "write the CSV files only" };
        command.Arguments.Add(dir);
        command.Options.Add(runsReport);
        command.Options.Add(noReport);
        command.SetAction(parse => CliErrors.Guard(error, () =>
        {
            string path = parse.GetValue(dir)!;
            var result = SweepCollector.Collect(path, w => error.WriteLine($"warning: {w}"), report: !parse.GetValue(noReport), runsReport: parse.GetValue(runsReport));
            output.WriteLine($"{result.Runs.Count} run(s): {result.Count(RunStatus.Complete)} complete, {result.Count(RunStatus.Partial)} partial, " +
                             $"{result.Count(RunStatus.Failed)} failed, {result.Count(RunStatus.Missing)} missing");
            var best = result.Runs.Where(r => r.State.Status == RunStatus.Complete)
                .GroupBy(r => r.State.Run.Configuration)
                .Select(g => (Group: g, Stats: SweepCollector.Stats(g.Select(r => r.Final("test_acc")).OfType<double>().ToArray())))
                .Where(x => x.Stats.Mean is not null)
                .MaxBy(x => x.Stats.Mean);
            if (best.Group is not null && result.Runs.Select(r => r.State.Run.Configuration).Distinct().Count() > 1)
                output.WriteLine($"best mean test acc: configuration {best.Group.Key} ({best.Group.First().State.Run.Label(withSeed: false)}): " +
                                 $"{(100 * best.Stats.Mean!.Value).ToString("F2", CultureInfo.InvariantCulture)}%" +
                                 (best.Stats.Std is double s ? $" ± {(100 * s).ToString("F2", CultureInfo.InvariantCulture)}" : "") + $" (n = {best.Group.Count()})");
            output.WriteLine($"written {result.SummaryPath}, {result.ByConfigPath}" +
                             (result.ReportPath is null ? "" : $", {result.ReportPath}") + (result.RunsReportPath is null ? "" : $", {result.RunsReportPath}"));
            return 0;
        }));
        return command;
    }
}
