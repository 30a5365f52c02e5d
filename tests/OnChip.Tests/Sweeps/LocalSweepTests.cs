using System.Globalization;
using OnChip.Sweeps;
using OnChip.Training;

namespace OnChip.Tests.Sweeps;

/// <summary>onchip sweep --executor local for real: tiny runs of onchip train on the embedded data, in child processes.</summary>
public class LocalSweepTests : SweepTestDirectory
{
    private const string Base = "base: {archi: 784-16-10, epochs: 1, train-limit: 100, test-limit: 50, threads: 1}\n";

    [Fact]
    public void Four_runs_end_to_end_then_collect()
    {
        string spec = WriteSpec(Base + "grid: {beta: [0.1, 0.5]}\nseeds: 2\n");
        string sweep = Path.Combine(Dir, "sweep");
        var (code, output, error) = Cli("sweep", spec, "--out", sweep, "--jobs", "2");
        Assert.True(code == 0, error + output);
        Assert.Contains("4 run(s) = 2 configuration(s) × 2 seed(s)", output);
        Assert.Contains("done: 4 of 4 run(s) complete", output);

        var dir = SweepDirectory.Open(sweep);
        Assert.All(dir.States(), s => Assert.Equal(RunStatus.Complete, s.Status));
        foreach (var run in dir.Plan.Runs)
        {
            string path = dir.RunPath(run);
            // A normal run directory: the resolved config, metrics and a model.
            Assert.True(File.Exists(Path.Combine(path, RunDirectory.ModelFileName)), path);
            var config = TrainingRun.ReadConfig(path);
            Assert.Equal(run.Setting("beta"), config.Beta.ToString(CultureInfo.InvariantCulture));
            Assert.Equal(run.Setting("seed"), config.Seed.ToString(CultureInfo.InvariantCulture));
            Assert.Equal(100, config.TrainLimit);
            Assert.Equal("0\n", File.ReadAllText(Path.Combine(path, SweepDirectory.ExitCodeFile)));
        }

        // Run 0003 is exactly what onchip train gives for its settings (β 0.5, seed 1).
        string alone = Path.Combine(Dir, "alone");
        (code, _, error) = Cli("train", "--archi", "784-16-10", "--epochs", "1", "--train-limit", "100", "--test-limit", "50",
            "--threads", "1", "--beta", "0.5", "--seed", "1", "--out", alone);
        Assert.True(code == 0, error);
        Assert.Equal(File.ReadAllText(Path.Combine(alone, "metrics.jsonl")).Split(",\"epoch_seconds\"")[0],
            File.ReadAllText(Path.Combine(dir.RunPath(dir.Plan.Runs[3]), "metrics.jsonl")).Split(",\"epoch_seconds\"")[0]);

        (code, output, error) = Cli("sweep", "collect", sweep);
        Assert.True(code == 0, error);
        Assert.Contains("4 run(s): 4 complete, 0 partial, 0 failed, 0 missing", output);
        var summary = File.ReadAllLines(Path.Combine(sweep, SweepCollector.SummaryFile));
        Assert.Equal(5, summary.Length);
        Assert.All(summary.Skip(1), row => Assert.Contains(",complete,", row));
        var byConfig = File.ReadAllLines(Path.Combine(sweep, SweepCollector.ByConfigFile));
        Assert.Equal(3, byConfig.Length);
        Assert.StartsWith("0,0.1,2,2,", byConfig[1]);
        Assert.StartsWith("1,0.5,2,2,", byConfig[2]);

        // Run again: nothing to do.
        (code, output, _) = Cli("sweep", spec, "--out", sweep);
        Assert.Equal(0, code);
        Assert.Contains("4 complete (skipped), 0 to resume, 0 to start", output);
    }

    [Fact]
    public void Device_parameters_reach_the_runs_through_their_device_config()
    {
        string spec = WriteSpec(Base.Replace("threads: 1}", "threads: 1, device: ecram}") + "grid: {device.up-down: [0, 0.5]}\nseeds: 1\n");
        string sweep = Path.Combine(Dir, "sweep");
        var (code, output, error) = Cli("sweep", spec, "--out", sweep, "--jobs", "2");
        Assert.True(code == 0, error + output);
        var dir = SweepDirectory.Open(sweep);
        var losses = dir.Plan.Runs.Select(run =>
        {
            string path = dir.RunPath(run);
            var config = TrainingRun.ReadConfig(path);
            Assert.Equal(Path.Combine(path, SweepDirectory.DeviceFileName), config.Devices.DeviceConfigFile);
            Assert.Equal(float.Parse(run.Setting("device.up-down")!, CultureInfo.InvariantCulture), config.Devices.ResolveSpec().UpDown);
            return SweepCollector.FinalMetric(path, "train_loss");
        }).ToArray();
        // The asymmetry changes training.
        Assert.NotEqual(losses[0], losses[1]);
        // And the sweep continues with the same spec (each run's device.yaml is still the spec's).
        (code, output, error) = Cli("sweep", spec, "--out", sweep);
        Assert.True(code == 0, error);
        Assert.Contains("nothing to do", output);
    }

    [Fact]
    public void An_interrupted_run_is_resumed_from_its_checkpoint_and_ends_as_if_never_stopped()
    {
        string spec = WriteSpec(Base.Replace("epochs: 1", "epochs: 2") + "seeds: 2\n");
        string sweep = Path.Combine(Dir, "sweep");
        var (code, output, error) = Cli("sweep", spec, "--out", sweep, "--jobs", "2");
        Assert.True(code == 0, error + output);
        var dir = SweepDirectory.Open(sweep);
        string run = dir.RunPath(dir.Plan.Runs[1]);
        string metrics = Path.Combine(run, "metrics.jsonl");
        static string[] Values(string path) => File.ReadAllLines(path).Select(l => l.Split(",\"epoch_seconds\"")[0]).ToArray();
        var uninterrupted = Values(metrics);
        string untouched = File.ReadAllText(Path.Combine(dir.RunPath(dir.Plan.Runs[0]), "metrics.jsonl"));

        // As if killed during epoch 2: its checkpoint is the one after epoch 1 (checkpoint.prev.onchip), no model yet.
        File.Delete(Path.Combine(run, "checkpoint.onchip"));
        File.Delete(Path.Combine(run, RunDirectory.ModelFileName));
        File.WriteAllLines(metrics, File.ReadAllLines(metrics).Take(1));
        Assert.Equal(RunStatus.Partial, dir.State(dir.Plan.Runs[1]).Status);

        (code, output, error) = Cli("sweep", spec, "--out", sweep);
        Assert.True(code == 0, error + output);
        Assert.Contains("1 complete (skipped), 1 to resume, 0 to start", output);
        Assert.Contains("run 0001 complete", output);
        Assert.DoesNotContain("run 0000", output);
        Assert.Equal(uninterrupted, Values(metrics));
        Assert.True(File.Exists(Path.Combine(run, RunDirectory.ModelFileName)));
        Assert.Equal(untouched, File.ReadAllText(Path.Combine(dir.RunPath(dir.Plan.Runs[0]), "metrics.jsonl")));
    }

    /// <summary>A sweep over schedules and rules of resistive networks: any model family runs in a sweep with no special case.</summary>
    [Fact]
    public void Resistive_networks_sweep_over_schedules_and_rules()
    {
        string spec = WriteSpec("base: {model: resistive, archi: 784-16-10, input-gain: 30, t1: 4, t2: 4, beta: 0.5, optim: sgd, lr: 0.01, batch: 32, " +
                                "epochs: 1, train-limit: 320, test-limit: 50, threads: 1}\n" +
                                "grid: {nudged-schedule: [forward, backward], rule: [ep-symmetric, ep-negative]}\nseeds: 1\n");
        string sweep = Path.Combine(Dir, "sweep");
        var (code, output, error) = Cli("sweep", spec, "--out", sweep, "--jobs", "2");
        Assert.True(code == 0, error + output);
        Assert.Contains("done: 4 of 4 run(s) complete", output);
        var dir = SweepDirectory.Open(sweep);
        foreach (var run in dir.Plan.Runs)
        {
            var config = TrainingRun.ReadConfig(dir.RunPath(run));
            Assert.Equal("resistive", config.Model);
            Assert.Equal(run.Setting("nudged-schedule"), config.NudgedSchedule);
            Assert.True(SweepCollector.FinalMetric(dir.RunPath(run), "power") > 0);
        }
        (code, output, error) = Cli("sweep", "collect", sweep);
        Assert.True(code == 0, error);
        Assert.Contains("4 run(s): 4 complete", output);
    }
}
