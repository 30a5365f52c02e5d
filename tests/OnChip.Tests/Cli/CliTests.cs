using OnChip.Cli;
using OnChip.Training;

namespace OnChip.Tests.Cli;

/// <summary>The command line end to end, through the same entry point as the real executable.</summary>
public class CliTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("onchip-cli-").FullName;
    public void Dispose() => Directory.Delete(_dir, recursive: true);

    private static (int Code, string Out, string Err) Run(params string[] args)
    {
        var output = new StringWriter();
        var error = new StringWriter();
        int code = Program.Run(args, output, error);
        return (code, output.ToString(), error.ToString());
    }

    private string[] SmallTrain(string outDir, params string[] extra) =>
        ["train", "--archi", "784-32-10", "--epochs", "2", "--train-limit", "600", "--test-limit", "200", "--out", outDir, .. extra];

    [Fact]
    public void Train_writes_config_metrics_and_a_model_that_eval_reads_back()
    {
        string run = Path.Combine(_dir, "run");
        var (code, output, error) = Run(SmallTrain(run));
        Assert.True(code == 0, error);
        Assert.Contains("test accuracy:", output);
        Assert.True(File.Exists(Path.Combine(run, "config.yaml")));
        Assert.True(File.Exists(Path.Combine(run, "model.onchip")));
        var metrics = MetricsLog.Read(Path.Combine(run, "metrics.jsonl"));
        Assert.Equal(2, metrics.Count);
        foreach (var key in new[] { "epoch", "train_acc", "test_acc", "train_loss", "epoch_seconds" }) Assert.True(metrics[0].ContainsKey(key), key);

        var (evalCode, evalOut, evalErr) = Run("eval", "--model", Path.Combine(run, "model.onchip"), "--limit", "200");
        Assert.True(evalCode == 0, evalErr);
        double trained = metrics[^1]["test_acc"].GetDouble();
        Assert.Contains($"accuracy {100 * trained:F2}%", evalOut);
    }

    [Fact]
    public void Config_file_is_read_and_flags_override_it()
    {
        string yaml = Path.Combine(_dir, "c.yaml");
        File.WriteAllText(yaml, "archi: 784-16-10\nepochs: 3\ntrain-limit: 100\ntest-limit: 50\nbeta: 0.3\n");
        string run = Path.Combine(_dir, "run");
        var (code, _, error) = Run("train", "--config", yaml, "--epochs", "1", "--out", run);
        Assert.True(code == 0, error);
        string resolved = File.ReadAllText(Path.Combine(run, "config.yaml"));
        Assert.Contains("epochs: 1", resolved);
        Assert.Contains("beta: 0.3", resolved);
        Assert.Contains("archi: 784-16-10", resolved);
        // The resolved config is itself a valid config file.
        var (again, _, error2) = Run("train", "--config", Path.Combine(run, "config.yaml"), "--out", Path.Combine(_dir, "again"));
        Assert.True(again == 0, error2);
    }

    [Theory]
    [InlineData("--beta", "-0.5", "beta")]
    [InlineData("--batch", "0", "batch")]
    [InlineData("--archi", "100-10", "784 features")]
    [InlineData("--act", "relu", "act")]
    [InlineData("--lr", "0.1,0.2,0.3", "synaptic layers")]
    [InlineData("--data", "/nonexistent/dir", "/nonexistent/dir")]
    [InlineData("--train-limit", "99999999", "has only")]
    public void Bad_values_give_one_line_and_a_nonzero_exit(string option, string value, string expected)
    {
        var (code, _, error) = Run("train", option, value, "--out", Path.Combine(_dir, "bad"));
        Assert.NotEqual(0, code);
        Assert.Contains(expected, error);
        Assert.StartsWith("error: ", error);
        Assert.Single(error.Trim().Split('\n'));
        Assert.DoesNotContain("   at ", error);
    }

    [Fact]
    public void Typo_in_yaml_key_is_named_with_a_suggestion()
    {
        string yaml = Path.Combine(_dir, "c.yaml");
        File.WriteAllText(yaml, "epochs: 1\nbatchsize: 20\n");
        var (code, _, error) = Run("train", "--config", yaml);
        Assert.NotEqual(0, code);
        Assert.Contains("'batchsize'", error);
        Assert.Contains("did you mean 'batch'", error);
    }

    [Fact]
    public void Unknown_option_is_rejected()
    {
        var (code, _, error) = Run("train", "--betta", "0.1");
        Assert.NotEqual(0, code);
        Assert.Contains("--betta", error);
    }

    [Fact]
    public void Existing_run_is_not_overwritten()
    {
        string run = Path.Combine(_dir, "run");
        Assert.Equal(0, Run(SmallTrain(run)).Code);
        var (code, _, error) = Run(SmallTrain(run));
        Assert.NotEqual(0, code);
        Assert.Contains("already holds results", error);
    }

    [Fact]
    public void Eval_reports_missing_or_corrupt_models()
    {
        var (code, _, error) = Run("eval", "--model", Path.Combine(_dir, "nope.onchip"));
        Assert.NotEqual(0, code);
        Assert.Contains("not found", error);
        string junk = Path.Combine(_dir, "junk.onchip");
        File.WriteAllText(junk, "junk");
        (code, _, error) = Run("eval", "--model", junk);
        Assert.NotEqual(0, code);
        Assert.Contains("not an OnChip model", error);
    }

    [Fact]
    public void Unwritable_output_directory_is_reported_before_training()
    {
        string blocker = Path.Combine(_dir, "file");
        File.WriteAllText(blocker, "");
        var (code, _, error) = Run(SmallTrain(Path.Combine(blocker, "sub")));
        Assert.NotEqual(0, code);
        Assert.Contains("cannot create or write", error);
    }

    [Fact]
    public void Gdu_writes_csv_and_json_for_every_tensor()
    {
        string dir = Path.Combine(_dir, "gdu");
        var (code, output, error) = Run("gdu", "--archi", "784-20-10", "--t1", "60", "--t2", "5", "--batch", "4", "--symmetric", "--out", dir);
        Assert.True(code == 0, error);
        Assert.Contains("RMSE sym", output);
        var json = System.Text.Json.Nodes.JsonNode.Parse(File.ReadAllText(Path.Combine(dir, "gdu.json")))!.AsObject();
        Assert.Equal(["W0", "b1", "W1", "b2", "s1", "s2"], json.Select(p => p.Key));
        Assert.True(json["W0"]!["rmse"]!.GetValue<double>() < 0.1);
        Assert.NotNull(json["s1"]!["symmetric"]!["sign_error"]);
        var csv = File.ReadAllLines(Path.Combine(dir, "gdu.csv"));
        Assert.Equal("tensor,series,step,ep,bptt,ep_symmetric", csv[0]);
        Assert.Contains(csv, l => l.StartsWith("W1,norm,5,"));
    }

    [Theory]
    [InlineData("--t2", "40", "t2")]
    [InlineData("--batch", "0", "batch")]
    public void Gdu_rejects_bad_settings(string option, string value, string expected)
    {
        var (code, _, error) = Run("gdu", option, value, "--out", Path.Combine(_dir, "g"));
        Assert.NotEqual(0, code);
        Assert.Contains(expected, error);
    }

    [Fact]
    public void Gdu_on_a_trained_model_refuses_a_conflicting_architecture()
    {
        string run = Path.Combine(_dir, "run");
        Assert.Equal(0, Run(SmallTrain(run)).Code);
        var model = Path.Combine(run, "model.onchip");
        var (code, _, error) = Run("gdu", "--model", model, "--archi", "784-64-10", "--out", Path.Combine(_dir, "g1"));
        Assert.NotEqual(0, code);
        Assert.Contains("--archi", error);
        (code, _, error) = Run("gdu", "--model", model, "--batch", "5", "--out", Path.Combine(_dir, "g2"));
        Assert.True(code == 0, error);
    }

    [Theory]
    [InlineData("bptt")]
    [InlineData("rbp")]
    public void Baseline_rules_train_from_the_command_line(string rule)
    {
        var (code, output, error) = Run(SmallTrain(Path.Combine(_dir, rule), "--rule", rule, "--bptt-steps", "5"));
        Assert.True(code == 0, error);
        Assert.Contains("test accuracy", output);
    }

    [Fact]
    public void Truncation_longer_than_the_free_phase_is_rejected()
    {
        var (code, _, error) = Run(SmallTrain(Path.Combine(_dir, "x"), "--rule", "bptt", "--bptt-steps", "40"));
        Assert.NotEqual(0, code);
        Assert.Contains("bptt-steps", error);
    }

    [Fact]
    public void Training_on_devices_writes_hardware_costs_per_epoch()
    {
        string run = Path.Combine(_dir, "dev");
        var (code, _, error) = Run(SmallTrain(run, "--device", "ecram", "--programming", "pulse-train", "--bl", "15", "--optim", "sgd", "--lr", "0.05"));
        Assert.True(code == 0, error);
        var metrics = MetricsLog.Read(Path.Combine(run, "metrics.jsonl"));
        foreach (var key in new[] { "pulses", "pulses_up", "pulses_down", "device_reads", "update_cycles", "energy_j" })
            Assert.True(metrics[0].ContainsKey(key), key);
        Assert.Contains("device: ecram", File.ReadAllText(Path.Combine(run, "config.yaml")));
        var conductances = File.ReadAllLines(Path.Combine(run, "conductances.csv"));
        Assert.Equal("tensor,value", conductances[0]);
        Assert.Contains(conductances, l => l.StartsWith("W0,"));
    }

    [Theory]
    [InlineData("--device", "ecrom", "did you mean 'ecram'")]
    [InlineData("--programming", "pulsetrain", "programming")]
    [InlineData("--bl", "0", "bl")]
    public void Bad_device_options_are_named(string option, string value, string expected)
    {
        var (code, _, error) = Run("train", option, value, "--out", Path.Combine(_dir, "bad"));
        Assert.NotEqual(0, code);
        Assert.Contains(expected, error);
    }

    [Fact]
    public void Device_config_file_overrides_the_preset_and_typos_are_named()
    {
        string yaml = Path.Combine(_dir, "dev.yaml");
        File.WriteAllText(yaml, "c2c: 0.05\nbeta-d: 2\n");
        var (code, _, error) = Run(SmallTrain(Path.Combine(_dir, "r"), "--device", "ernoult-nonlinear", "--device-config", yaml));
        Assert.True(code == 0, error);
        File.WriteAllText(yaml, "c2k: 0.05\n");
        (code, _, error) = Run(SmallTrain(Path.Combine(_dir, "r2"), "--device", "ecram", "--device-config", yaml));
        Assert.NotEqual(0, code);
        Assert.Contains("did you mean 'c2c'", error);
    }

    [Fact]
    public void Devices_list_and_response_curve()
    {
        var (code, output, _) = Run("devices", "--list");
        Assert.Equal(0, code);
        foreach (var preset in new[] { "ecram", "ecram-mo", "capacitor", "reram-es", "pcm", "ag-a-si", "taox-hfox", "pcmo", "alox-hfo2", "epiram", "hzo-fefet", "ernoult-linear", "ernoult-nonlinear" })
            Assert.Contains(preset, output);
        string csv = Path.Combine(_dir, "resp.csv");
        (code, _, var error) = Run("devices", "--response", "ecram", "--pulses", "50", "--devices", "4", "--out", csv);
        Assert.True(code == 0, error);
        var lines = File.ReadAllLines(csv);
        Assert.Equal("device,pulse,conductance", lines[0]);
        Assert.Equal(1 + 4 * 101, lines.Length);
    }

    [Theory]
    [InlineData("truncated")]
    [InlineData("magic")]
    [InlineData("count")]
    public void Bad_idx_files_give_one_line_naming_the_file(string problem)
    {
        string data = Path.Combine(_dir, "data");
        Directory.CreateDirectory(data);
        void Images(string name, int count, int magic = 0x803, int? bytes = null)
        {
            var header = new List<byte>();
            foreach (int v in new[] { magic, count, 28, 28 }) header.AddRange(BitConverter.GetBytes(v).Reverse());
            File.WriteAllBytes(Path.Combine(data, name), [.. header, .. new byte[bytes ?? count * 784]]);
        }
        void Labels(string name, int count)
        {
            var header = new List<byte>();
            foreach (int v in new[] { 0x801, count }) header.AddRange(BitConverter.GetBytes(v).Reverse());
            File.WriteAllBytes(Path.Combine(data, name), [.. header, .. new byte[count]]);
        }
        Images("train-images-idx3-ubyte", 20, problem == "magic" ? 0x802 : 0x803, problem == "truncated" ? 5000 : null);
        Labels("train-labels-idx1-ubyte", problem == "count" ? 19 : 20);
        Images("t10k-images-idx3-ubyte", 10);
        Labels("t10k-labels-idx1-ubyte", 10);
        var (code, _, error) = Run("train", "--data", data, "--out", Path.Combine(_dir, "r"));
        Assert.NotEqual(0, code);
        Assert.StartsWith("error: ", error);
        Assert.Single(error.Trim().Split('\n'));
        Assert.Contains("train-", error);
        Assert.False(Directory.Exists(Path.Combine(_dir, "r")), "no run directory for a run that could not start");
    }
}
