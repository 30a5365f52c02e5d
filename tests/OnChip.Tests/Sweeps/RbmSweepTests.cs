using System.Globalization;
using OnChip.Configuration;
using OnChip.Rbm;
using OnChip.Sweeps;
using OnChip.Training;

namespace OnChip.Tests.Sweeps;

/// <summary>onchip sweep over onchip rbm train (command: rbm train): tiny RBMs on the embedded data, in child processes.</summary>
public class RbmSweepTests : SweepTestDirectory
{
    private const string Spec = """
        command: rbm train
        base: {data: embedded, hidden: 8, epochs: 1, train-limit: 100, test-limit: 50, threads: 1}
        grid: {chains: [1, 2]}
        seeds: [3]
        """;

    [Fact]
    public void An_rbm_sweep_runs_locally_and_collects_the_runs_metrics()
    {
        string spec = WriteSpec(Spec);
        string sweep = Path.Combine(Dir, "sweep");
        var (code, output, error) = Cli("sweep", spec, "--out", sweep, "--jobs", "2");
        Assert.True(code == 0, error + output);
        Assert.Contains("(onchip rbm train): 2 run(s) = 2 configuration(s) × 1 seed(s)", output);
        Assert.Contains("done: 2 of 2 run(s) complete", output);

        var dir = SweepDirectory.Open(sweep);
        Assert.Same(TrainingCommand.RbmTrain, dir.Plan.Command);
        Assert.Contains("\"command\": \"rbm train\"", File.ReadAllText(Path.Combine(sweep, SweepPlan.FileName)));
        foreach (var run in dir.Plan.Runs)
        {
            string path = dir.RunPath(run);
            // An ordinary rbm train run directory, filters included, with the run's settings.
            Assert.True(File.Exists(Path.Combine(path, FilterFile.FileName)), path);
            var config = RbmJob.ReadConfig(path);
            Assert.Equal(8, config.Hidden);
            Assert.Equal(run.Setting("chains"), config.Chains.ToString(CultureInfo.InvariantCulture));
            Assert.Equal(3UL, config.Seed);
        }

        // Run 0001 is exactly what onchip rbm train gives alone for its settings (2 chains, seed 3).
        string alone = Path.Combine(Dir, "alone");
        (code, _, error) = Cli("rbm", "train", "--data", "embedded", "--hidden", "8", "--epochs", "1", "--train-limit", "100", "--test-limit", "50",
            "--threads", "1", "--chains", "2", "--seed", "3", "--out", alone);
        Assert.True(code == 0, error);
        static string WithoutTimes(string metrics) => string.Join(",", metrics.Split(',').Where(f => !f.Contains("seconds") && !f.Contains("examples_per_second")));
        Assert.Equal(WithoutTimes(File.ReadAllText(Path.Combine(alone, "metrics.jsonl"))),
            WithoutTimes(File.ReadAllText(Path.Combine(dir.RunPath(dir.Plan.Runs[1]), "metrics.jsonl"))));

        (code, output, error) = Cli("sweep", "collect", sweep, "--no-report");
        Assert.True(code == 0, error);
        Assert.Contains("2 run(s): 2 complete, 0 partial, 0 failed, 0 missing", output);
        var summary = File.ReadAllLines(Path.Combine(sweep, SweepCollector.SummaryFile));
        var header = summary[0].Split(',');
        Assert.Equal(3, summary.Length);
        foreach (var (line, run) in summary.Skip(1).Zip(dir.Plan.Runs))
        {
            var cells = line.Split(',');
            Assert.Equal("complete", cells[Array.IndexOf(header, "status")]);
            Assert.Equal(run.Setting("chains"), cells[Array.IndexOf(header, "chains")]);
            // The RBM's own metrics are columns, with the values of the run's last epoch.
            foreach (var metric in new[] { "test_error", "recon_error", "test_acc" })
            {
                double expected = SweepCollector.FinalMetric(dir.RunPath(run), metric) ?? throw new Xunit.Sdk.XunitException($"no {metric}");
                Assert.Equal(expected, double.Parse(cells[Array.IndexOf(header, metric)], CultureInfo.InvariantCulture));
            }
        }

        // The sweep continues as an rbm train sweep: nothing left to do, sweep.json unchanged.
        string before = File.ReadAllText(Path.Combine(sweep, SweepPlan.FileName));
        (code, output, _) = Cli("sweep", spec, "--out", sweep);
        Assert.Equal(0, code);
        Assert.Contains("2 complete (skipped), 0 to resume, 0 to start", output);
        Assert.Equal(before, File.ReadAllText(Path.Combine(sweep, SweepPlan.FileName)));
    }

    [Fact]
    public void Runs_start_and_resume_with_the_sweeps_command_locally_and_on_slurm()
    {
        var plan = SweepPlan.Expand(SweepSpec.Parse(Spec, "spec.yaml", Dir));
        var sweep = SweepDirectory.Prepare(Path.Combine(Dir, "sweep"), plan, "test");
        var state = sweep.State(plan.Runs[0]);
        Assert.Equal(["rbm", "train", "--config", Path.Combine(state.Path, "config.yaml"), "--out", state.Path], LocalExecutor.TrainArguments(plan.Command, state));
        File.WriteAllText(Path.Combine(state.Path, "metrics.jsonl"), "");
        Assert.Equal(["rbm", "train", "--resume", state.Path], LocalExecutor.TrainArguments(plan.Command, sweep.State(plan.Runs[0])));
        // config.yaml is the rbm train configuration of the run, and says how to run it alone.
        string config = File.ReadAllText(Path.Combine(state.Path, "config.yaml"));
        Assert.Contains("onchip rbm train --config", config);
        Assert.Equal(2, RbmJob.ReadConfig(sweep.RunPath(plan.Runs[1])).Chains);

        string script = SlurmExecutor.Script(sweep, [0, 1], new SlurmOptions(), OnChipCommand.FromArgv("/opt/onchip"), Dir);
        Assert.Contains("set -- rbm train --resume \"$run\"", script);
        Assert.Contains("set -- rbm train --config \"$run/config.yaml\" --out \"$run\"", script);
        Assert.DoesNotContain("set -- train", script);
    }

    [Fact]
    public void Sweep_json_records_the_command_and_an_older_one_without_it_is_a_train_sweep()
    {
        var rbm = SweepPlan.Expand(SweepSpec.Parse(Spec, "spec.yaml", Dir));
        string path = Path.Combine(Dir, "sweep.json");
        File.WriteAllText(path, rbm.ToJson());
        var read = SweepPlan.Read(path);
        Assert.Same(TrainingCommand.RbmTrain, read.Command);
        Assert.Equal(rbm.ToJson(), read.ToJson());

        var train = SweepPlan.Expand(SweepSpec.Parse("base: {epochs: 1}\nseeds: 2", "spec.yaml", Dir));
        string old = string.Join("\n", train.ToJson().Split('\n').Where(l => !l.Contains("\"command\"")));
        Assert.DoesNotContain("command", old);
        File.WriteAllText(path, old);
        read = SweepPlan.Read(path);
        Assert.Same(TrainingCommand.Train, read.Command);
        Assert.Null(read.Difference(train));
        Assert.Equal(train.ToJson(), read.ToJson());

        // A directory of one command is not continued with a spec of the other.
        Assert.Equal("it runs onchip rbm train, the spec now runs onchip train", rbm.Difference(train));
        File.WriteAllText(path, train.ToJson().Replace("\"command\": \"train\"", "\"command\": \"gan train\""));
        var e = Assert.Throws<UserFacingException>(() => SweepPlan.Read(path));
        Assert.Contains("unknown command 'gan train'", e.Message);
    }

    [Fact]
    public void Prepare_refuses_a_train_sweep_directory_for_an_rbm_spec()
    {
        string dir = Path.Combine(Dir, "sweep");
        SweepDirectory.Prepare(dir, SweepPlan.Expand(SweepSpec.Parse("base: {epochs: 1}\nseeds: 1", "a.yaml", Dir)), "test");
        var e = Assert.Throws<UserFacingException>(() =>
            SweepDirectory.Prepare(dir, SweepPlan.Expand(SweepSpec.Parse("command: rbm train\nbase: {epochs: 1}\nseeds: 1", "b.yaml", Dir)), "test"));
        Assert.Contains("holds a different sweep (it runs onchip train, the spec now runs onchip rbm train)", e.Message);
    }

    private static string Error(string yaml) =>
        Assert.Throws<ConfigException>(() => SweepPlan.Expand(SweepSpec.Parse(yaml, "spec.yaml", Path.GetTempPath()))).Message;

    [Theory]
    [InlineData("command: rbm\nseeds: 1", "spec.yaml: command: unknown command 'rbm' (a sweep runs train or rbm train)")]
    [InlineData("command: [rbm, train]\nseeds: 1", "spec.yaml: command: expected a command name, e.g. command: rbm train")]
    [InlineData("grid: {hidden: [8, 16]}", "spec.yaml: grid: unknown key 'hidden' at line 1: it is an option of onchip rbm train, not of onchip train (the spec runs train, the default; to sweep rbm train, add command: rbm train)")]
    [InlineData("command: rbm train\ngrid: {beta: [0.1, 0.5]}", "spec.yaml: grid: unknown key 'beta' at line 2: it is an option of onchip train, not of onchip rbm train (the spec runs rbm train; to sweep train, add command: train)")]
    [InlineData("command: rbm train\nbase: {chians: 2}", "spec.yaml: base: unknown key 'chians' at line 2; did you mean 'chains'?")]
    [InlineData("command: rbm train\nbase: {model: mlp}", "spec.yaml: base: model: ")]
    public void A_bad_command_or_a_key_of_the_other_command_is_one_clear_line(string yaml, string expected)
    {
        string message = Error(yaml);
        Assert.StartsWith(expected, message);
        Assert.DoesNotContain("\n", message);
    }

    [Fact]
    public void Rbm_keys_are_checked_and_applied_like_train_keys()
    {
        var plan = SweepPlan.Expand(SweepSpec.Parse("""
            command: rbm train
            base: {data: embedded, device: ernoult-nonlinear, programming: sign, device.c2c: 0.01}
            grid: {beta-d: [1, 3], persistent: [false, true]}
            seeds: 2
            """, "spec.yaml", Dir));
        Assert.Equal(2 * 2 * 2, plan.Runs.Count);
        Assert.Equal(["beta-d", "persistent", "seed"], plan.SweptKeys);
        var job = (RbmJob)plan.Runs[7].ToJob(plan.Command);
        Assert.True(job.Config.Persistent);
        Assert.Equal(3f, job.Config.Devices.BetaD);
        Assert.Equal(1UL, job.Config.Seed);
        Assert.Equal(0.01f, job.Config.Devices.ResolveSpec().C2c);
        Assert.Equal("1", plan.Runs[0].Setting("threads"));
        // Every setting of the run is an rbm train key, and none of onchip train's own.
        Assert.Null(plan.Runs[0].Setting("beta"));
        Assert.Equal("8", SweepPlan.Expand(SweepSpec.Parse("command: rbm train\nbase: {hidden: 8}\nseeds: 1", "s", Dir)).Runs[0].Setting("hidden"));
    }
}
