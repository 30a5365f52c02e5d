using System.Globalization;
using OnChip.Configuration;
using OnChip.Sweeps;

namespace OnChip.Tests.Sweeps;

/// <summary>Spec parsing and expansion: grid × random draws × seeds, numbering, deterministic draws, bad keys.</summary>
public class SweepSpecTests
{
    private static SweepSpec Parse(string yaml) => SweepSpec.Parse(yaml, "spec.yaml", Path.GetTempPath());

    private static SweepPlan Expand(string yaml) => SweepPlan.Expand(Parse(yaml));

    private static string Error(string yaml) => Assert.Throws<ConfigException>(() => Expand(yaml)).Message;

    private const string IssueExample = """
        base: {data: fashion-mnist, archi: 784-512-10, epochs: 5, device: ecram}
        grid: {programming: [pulse-train, mixed-precision], beta: [0.1, 0.5]}
        random: {count: 8, lr: {log-uniform: [1e-3, 1e-1]}}
        seeds: 3
        """;

    [Fact]
    public void The_issue_example_expands_to_grid_times_draws_times_seeds_in_a_fixed_order()
    {
        var plan = Expand(IssueExample);
        Assert.Equal(2 * 2 * 8 * 3, plan.Runs.Count);
        Assert.Equal(2 * 2 * 8, plan.Configurations);
        Assert.Equal(["programming", "beta", "lr", "seed"], plan.SweptKeys);
        Assert.Equal(Enumerable.Range(0, plan.Runs.Count), plan.Runs.Select(r => r.Number));
        Assert.Equal("0000", plan.Runs[0].Id);
        Assert.Equal("runs/0095", plan.Runs[95].Directory);

        // Seeds vary fastest, then draws, then the last grid key, the first grid key slowest.
        Assert.Equal(["0", "1", "2", "0"], plan.Runs.Take(4).Select(r => r.Setting("seed")));
        Assert.Equal(plan.Runs[0].Setting("lr"), plan.Runs[2].Setting("lr"));
        Assert.NotEqual(plan.Runs[0].Setting("lr"), plan.Runs[3].Setting("lr"));
        Assert.Equal("0.1", plan.Runs[0].Setting("beta"));
        Assert.Equal("0.5", plan.Runs[24].Setting("beta"));
        Assert.Equal("pulse-train", plan.Runs[47].Setting("programming"));
        Assert.Equal("mixed-precision", plan.Runs[48].Setting("programming"));
        Assert.Equal(0, plan.Runs[2].Configuration);
        Assert.Equal(1, plan.Runs[3].Configuration);

        // The base applies to every run, and every run is a valid config of onchip train.
        Assert.All(plan.Runs, r =>
        {
            Assert.Equal("fashion-mnist", r.Setting("data"));
            Assert.Equal("784-512-10", r.Setting("archi"));
            Assert.Equal("ecram", r.Setting("device"));
            Assert.Equal("1", r.Setting("threads"));
            r.ToConfig().Validate();
        });
        // Every configuration is distinct, and its runs differ only by seed.
        Assert.Equal(plan.Configurations, plan.Runs.Select(r => r.Label(withSeed: false)).Distinct().Count());
        Assert.All(plan.Runs.GroupBy(r => r.Configuration), g => Assert.Single(g.Select(r => r.Label(withSeed: false)).Distinct()));
    }

    [Fact]
    public void Random_draws_are_deterministic_for_a_spec_seed_and_stay_within_their_bounds()
    {
        var a = Expand(IssueExample);
        var b = Expand(IssueExample);
        Assert.Equal(a.Runs.Select(r => r.Setting("lr")), b.Runs.Select(r => r.Setting("lr")));
        Assert.Equal(a.ToJson(), b.ToJson());

        var draws = a.Runs.Where(r => r.Setting("seed") == "0" && r.Configuration < 8).Select(r => double.Parse(r.Setting("lr")!, CultureInfo.InvariantCulture)).ToArray();
        Assert.Equal(8, draws.Length);
        Assert.Equal(8, draws.Distinct().Count());
        Assert.All(draws, lr => Assert.InRange(lr, 1e-3, 1e-1));
        // Log-uniform: not all in the top decade, where a uniform draw would put 90% of them.
        Assert.Contains(draws, lr => lr < 1e-2);
        // The same draws are paired with every grid point.
        var second = a.Runs.Where(r => r.Setting("seed") == "0" && r.Configuration is >= 8 and < 16).Select(r => double.Parse(r.Setting("lr")!, CultureInfo.InvariantCulture));
        Assert.Equal(draws, second);

        var other = Expand(IssueExample.Replace("random: {count: 8,", "random: {count: 8, seed: 7,"));
        Assert.NotEqual(a.Runs.Select(r => r.Setting("lr")), other.Runs.Select(r => r.Setting("lr")));
    }

    [Fact]
    public void Ranges_lists_of_seeds_and_integer_draws()
    {
        var plan = Expand("""
            grid: {t1: {range: [10, 30, 10]}, beta: {range: [0.1, 0.3, 0.1]}}
            random: {count: 5, batch: {int-uniform: [8, 12]}, optim: {choice: [sgd, adam]}}
            seeds: [3, 11]
            """);
        Assert.Equal(3 * 3 * 5 * 2, plan.Runs.Count);
        Assert.Equal(["10", "20", "30"], plan.Runs.Select(r => r.Setting("t1")).Distinct());
        Assert.Equal(["0.1", "0.2", "0.3"], plan.Runs.Select(r => r.Setting("beta")).Distinct());
        Assert.Equal(["3", "11"], plan.Runs.Select(r => r.Setting("seed")).Distinct());
        Assert.All(plan.Runs, r => Assert.InRange(int.Parse(r.Setting("batch")!, CultureInfo.InvariantCulture), 8, 12));
        Assert.All(plan.Runs, r => Assert.Contains(r.Setting("optim"), new[] { "sgd", "adam" }));
    }

    [Fact]
    public void No_grid_and_no_random_is_one_configuration_over_the_seeds()
    {
        var plan = Expand("base: {epochs: 1}\nseeds: 4");
        Assert.Equal(4, plan.Runs.Count);
        Assert.Equal(1, plan.Configurations);
        Assert.Equal("base", plan.Runs[0].Label(withSeed: false));
    }

    [Fact]
    public void Dotted_device_keys_become_device_parameters()
    {
        var plan = Expand("""
            base: {device: ecram, device.c2c: 0.1}
            grid: {device.up-down: [0, 0.3]}
            seeds: 1
            """);
        Assert.Equal(2, plan.Runs.Count);
        Assert.Equal(["device.up-down", "seed"], plan.SweptKeys);
        Assert.Equal([new("c2c", "0.1"), new("up-down", "0.3")], plan.Runs[1].DeviceParameters);
        var spec = plan.Runs[1].ToConfig().Devices.ResolveSpec();
        Assert.Equal(0.3f, spec.UpDown);
        Assert.Equal(0.1f, spec.C2c);
    }

    [Theory]
    [InlineData("grid: {betta: [0.1, 0.2]}", "unknown key 'betta'", "did you mean 'beta'?")]
    [InlineData("random: {count: 2, learning-rate: {log-uniform: [1e-3, 1e-1]}}", "unknown key 'learning-rate'", "")]
    [InlineData("base: {epoch: 3}", "unknown key 'epoch'", "did you mean 'epochs'?")]
    [InlineData("grid: {device.updown: [0, 1]}", "unknown key 'device.updown'", "did you mean 'device.up-down'?")]
    [InlineData("grid: {dw-min: [0.001, 0.002]}", "unknown key 'dw-min'", "did you mean 'device.dw-min'?")]
    [InlineData("grid: {optim.lr: [0.1]}", "unknown key 'optim.lr'", "use 'lr'")]
    [InlineData("gird: {beta: [0.1]}", "unknown section 'gird'", "did you mean 'grid'?")]
    public void A_bad_key_is_named_with_the_closest_valid_one(string yaml, string named, string suggestion)
    {
        string message = Error(yaml);
        Assert.StartsWith("spec.yaml: ", message);
        Assert.Contains(named, message);
        Assert.Contains(suggestion, message);
    }

    [Theory]
    [InlineData("grid: {beta: [0.1, -1]}", "beta")]
    [InlineData("grid: {lr: {log-uniform: [1e-3, 1e-1]}}", "put the key under random:")]
    [InlineData("random: {count: 3, batch: {uniform: [10, 100]}}", "int-uniform")]
    [InlineData("random: {lr: {log-uniform: [1e-3, 1e-1]}}", "count: missing")]
    [InlineData("random: {count: 2, lr: {log-uniform: [0, 1e-1]}}", "bounds must be positive")]
    [InlineData("grid: {out: [a, b]}", "--out")]
    [InlineData("grid: {seed: [1, 2]}", "seeds:")]
    [InlineData("grid: {beta: [0.1]}\nrandom: {count: 2, beta: {uniform: [0.1, 1]}}", "both in grid: and in random:")]
    [InlineData("grid: {act: [mysig, sigmod]}", "did you mean 'sigmoid'?")]
    [InlineData("seeds: [1, 1]", "listed twice")]
    [InlineData("grid: {device.dw-min: [0]}", "device.dw-min")]
    [InlineData("seed: 3", "the runs' seeds are seeds:")]
    [InlineData("grid: {beta: [0.1\n", "not valid YAML")]
    public void A_bad_value_or_form_is_reported_before_anything_runs(string yaml, string expected)
    {
        Assert.Contains(expected, Error(yaml));
    }

    [Fact]
    public void Runs_that_are_invalid_together_are_named()
    {
        // bptt-steps above t1 only fails for the combination, not for either value alone.
        string message = Error("base: {rule: bptt, bptt-steps: 20}\ngrid: {t1: [30, 10]}");
        Assert.Contains("run 0001", message);
        Assert.Contains("t1=10", message);
        Assert.Contains("bptt-steps", message);
    }

    [Fact]
    public void A_base_config_file_is_read_relative_to_the_spec()
    {
        string dir = Directory.CreateTempSubdirectory("onchip-spec-").FullName;
        try
        {
            File.WriteAllText(Path.Combine(dir, "base.yaml"), "archi: 784-20-10\nepochs: 2\n");
            File.WriteAllText(Path.Combine(dir, "spec.yaml"), "base: base.yaml\ngrid: {beta: [0.2, 0.4]}\n");
            var plan = SweepPlan.Expand(SweepSpec.Load(Path.Combine(dir, "spec.yaml")));
            Assert.All(plan.Runs, r => Assert.Equal("784-20-10", r.Setting("archi")));
            Assert.All(plan.Runs, r => Assert.Equal(2, r.Epochs));

            File.WriteAllText(Path.Combine(dir, "bad.yaml"), "archi: 784-20-10\nbatchsize: 2\n");
            File.WriteAllText(Path.Combine(dir, "spec2.yaml"), "base: bad.yaml\n");
            var e = Assert.Throws<ConfigException>(() => SweepSpec.Load(Path.Combine(dir, "spec2.yaml")));
            Assert.Contains("bad.yaml", e.Message);
            Assert.Contains("'batchsize'", e.Message);
        }
        finally { Directory.Delete(dir, recursive: true); }
    }

    [Fact]
    public void Sweep_json_round_trips()
    {
        var plan = Expand(IssueExample);
        string dir = Directory.CreateTempSubdirectory("onchip-spec-").FullName;
        try
        {
            string path = Path.Combine(dir, SweepPlan.FileName);
            File.WriteAllText(path, plan.ToJson());
            var read = SweepPlan.Read(path);
            Assert.Null(plan.Difference(read));
            Assert.Equal(plan.ToJson(), read.ToJson());
            Assert.NotNull(plan.Difference(Expand(IssueExample.Replace("0.5]", "0.6]"))));
        }
        finally { Directory.Delete(dir, recursive: true); }
    }
}
