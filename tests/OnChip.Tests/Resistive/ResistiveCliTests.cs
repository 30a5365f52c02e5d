using System.Diagnostics;
using System.Globalization;
using OnChip.Cli;
using OnChip.Training;

namespace OnChip.Tests.Resistive;

/// <summary>Deep resistive networks through the command line: training, tools, devices and clear errors.</summary>
public class ResistiveCliTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("onchip-resistive-").FullName;
    public void Dispose() => Directory.Delete(_dir, recursive: true);

    private static (int Code, string Out, string Err) Run(params string[] args)
    {
        var output = new StringWriter();
        var error = new StringWriter();
        return (Program.Run(args, output, error), output.ToString(), error.ToString());
    }

    /// <summary>The published DRN training settings, with <paramref name="overrides"/> (option, value pairs) replacing or adding to them.</summary>
    internal static string[] Published(params string[] overrides)
    {
        var settings = new List<(string Key, string Value)>
        {
            ("--model", "resistive"), ("--t1", "4"), ("--t2", "4"), ("--rule", "ep-symmetric"), ("--beta", "0.5"), ("--optim", "sgd"),
            ("--momentum", "0.9"), ("--lr", "0.005"), ("--lr-decay", "0.99"), ("--batch", "32"),
        };
        for (int i = 0; i + 1 < overrides.Length; i += 2)
        {
            int at = settings.FindIndex(s => s.Key == overrides[i]);
            if (at >= 0) settings[at] = (overrides[i], overrides[i + 1]);
            else settings.Add((overrides[i], overrides[i + 1]));
        }
        return settings.SelectMany(s => new[] { s.Key, s.Value }).ToArray();
    }

    /// <summary>The published protocol on the embedded Fashion-MNIST subset: learns, and reports the circuit's power.</summary>
    [Fact]
    public void Trains_with_the_published_protocol_and_reports_power()
    {
        string run = Path.Combine(_dir, "drn");
        var (code, output, error) = Run(["train", .. Published("--archi", "784-256-10", "--input-gain", "150", "--epochs", "1"), "--out", run]);
        Assert.True(code == 0, error);
        Assert.Contains("resistive", output);
        var metrics = MetricsLog.Read(Path.Combine(run, "metrics.jsonl")).Single();
        Assert.True(metrics["test_acc"].GetDouble() > 0.70, $"test accuracy {metrics["test_acc"].GetDouble()}");
        Assert.True(metrics["power"].GetDouble() > 0, "power at the free equilibrium");
        Assert.Contains("model: resistive", File.ReadAllText(Path.Combine(run, "config.yaml")));

        (code, output, error) = Run("eval", "--model", Path.Combine(run, "model.onchip"));
        Assert.True(code == 0, error);
        Assert.Contains("resistive network", output);
        Assert.Contains("power", output);
        Assert.Contains($"accuracy {100 * metrics["test_acc"].GetDouble():F2}%", output);

        string npy = Path.Combine(_dir, "npy");
        (code, output, error) = Run("export", Path.Combine(run, "model.onchip"), "--format", "npy", "--out", npy);
        Assert.True(code == 0, error);
        Assert.Contains("exported 4 tensor(s)", output);
        Assert.Contains("conductances", File.ReadAllText(Path.Combine(npy, "manifest.json")));

        (code, output, error) = Run("gdu", "--model", Path.Combine(run, "model.onchip"), "--batch", "4", "--t1", "20", "--t2", "5", "--out", Path.Combine(_dir, "gdu"));
        Assert.True(code == 0, error);
        Assert.Contains("W0", output);

        string html = Path.Combine(_dir, "report.html");
        (code, output, error) = Run("report", run, "--out", html);
        Assert.True(code == 0, error);
        Assert.Contains("\"power\"", File.ReadAllText(html));
    }

    /// <summary>--lr-decay multiplies every rate by γ after every epoch (and a resumed run picks the schedule up where it was).</summary>
    [Fact]
    public void Lr_decay_multiplies_the_rate_after_every_epoch()
    {
        string run = Path.Combine(_dir, "decay");
        var (code, _, error) = Run("train", "--archi", "784-8-10", "--optim", "sgd", "--lr", "0.1,0.05", "--lr-decay", "0.5", "--epochs", "3",
            "--train-limit", "100", "--test-limit", "20", "--out", run);
        Assert.True(code == 0, error);
        var rates = MetricsLog.Read(Path.Combine(run, "metrics.jsonl")).Select(m => m["lr"].GetDouble()).ToArray();
        Assert.Equal([0.1, 0.05, 0.025], rates.Select(r => Math.Round(r, 6)));
        (code, _, error) = Run("train", "--resume", run, "--epochs", "4");
        Assert.True(code == 0, error);
        Assert.Equal(0.0125, Math.Round(MetricsLog.Read(Path.Combine(run, "metrics.jsonl"))[^1]["lr"].GetDouble(), 6));
    }

    [Fact]
    public void Gdu_checks_an_untrained_resistive_network()
    {
        var (code, output, error) = Run("gdu", "--model", "resistive", "--archi", "784-32-10", "--input-gain", "20", "--batch", "4", "--t1", "40", "--t2", "8",
            "--beta", "0.01", "--symmetric", "--out", Path.Combine(_dir, "gdu"));
        Assert.True(code == 0, error);
        Assert.Contains("resistive network", output);
        Assert.Contains("untrained", output);
    }

    [Theory]
    [InlineData("input-gain: must be greater than 0", "--model", "resistive", "--input-gain", "0")]
    [InlineData("input-gain: must be greater than 0", "--model", "resistive", "--input-gain", "-3")]
    [InlineData("rule: bp does not train --model resistive", "--model", "resistive", "--rule", "bp")]
    [InlineData("must be even", "--model", "resistive", "--archi", "784-1023-10")]
    [InlineData("act: not a setting of --model resistive", "--model", "resistive", "--act", "tanh")]
    [InlineData("loss: a resistive network", "--model", "resistive", "--loss", "ce")]
    [InlineData("input-gain: not a setting of --model layered", "--input-gain", "5")]
    [InlineData("nudged-schedule: unknown value", "--model", "resistive", "--nudged-schedule", "sideways")]
    public void Bad_settings_give_one_clear_error_line(string message, params string[] args)
    {
        var (code, _, error) = Run(["train", .. args, "--epochs", "1", "--train-limit", "64", "--out", Path.Combine(_dir, "bad")]);
        Assert.Equal(1, code);
        Assert.Contains(message, error);
        Assert.StartsWith("error: ", error);
        Assert.Single(error.Split('\n', StringSplitOptions.RemoveEmptyEntries));
    }

    [Fact]
    public void Export_spice_refuses_bad_targets_with_one_clear_line()
    {
        string run = Path.Combine(_dir, "small");
        var (code, _, error) = Run(["train", .. Published("--data", "bars", "--archi", "64-8-4", "--input-gain", "10", "--epochs", "1"), "--out", run]);
        Assert.True(code == 0, error);
        string model = Path.Combine(run, "model.onchip");
        foreach (var (args, message) in new (string[], string)[]
        {
            ([model, "--format", "spice", "--data", "bars", "--out", Path.Combine(_dir, "no", "such", "dir", "net.cir")], "cannot write"),
            ([model, "--format", "spice", "--data", "bars", "--out", _dir], "is a directory"),
            ([model, "--format", "spice", "--data", "bars", "--index", "5000", "--out", Path.Combine(_dir, "n.cir")], "--index: bars/test has 200 examples"),
            ([model, "--format", "spice", "--out", Path.Combine(_dir, "n.cir")], "--data: embedded/test has 784 features"),
        })
        {
            (code, _, error) = Run(["export", .. args]);
            Assert.Equal(1, code);
            Assert.StartsWith("error: ", error);
            Assert.Contains(message, error);
            Assert.Single(error.Split('\n', StringSplitOptions.RemoveEmptyEntries));
        }
        string hopfield = Path.Combine(_dir, "hopfield");
        (code, _, error) = Run("train", "--archi", "784-16-10", "--epochs", "1", "--train-limit", "100", "--out", hopfield);
        Assert.True(code == 0, error);
        (code, _, error) = Run("export", Path.Combine(hopfield, "model.onchip"), "--format", "spice", "--out", Path.Combine(_dir, "h.cir"));
        Assert.Equal(1, code);
        Assert.Contains("exports resistive networks", error);
    }

    /// <summary>
    /// SPICE is the referee: a small trained circuit (2·64 inputs, 32 hidden nodes, 4 outputs), exported for several
    /// examples; ngspice's DC operating point must give every node OnChip's free-equilibrium voltage within 1% of the
    /// input voltage scale, and the same predicted class. Parsed here, independently of onchip's own --check.
    /// </summary>
    [NgspiceFact]
    public void Ngspice_operating_point_equals_the_relaxed_free_state()
    {
        string run = Path.Combine(_dir, "bars");
        var (code, _, error) = Run(["train", .. Published("--data", "bars", "--archi", "64-32-4", "--input-gain", "10", "--t1", "6", "--t2", "6",
            "--lr", "0.01", "--batch", "16", "--epochs", "10"), "--out", run]);
        Assert.True(code == 0, error);
        Assert.True(MetricsLog.Read(Path.Combine(run, "metrics.jsonl"))[^1]["test_acc"].GetDouble() > 0.6, "the circuit should have learnt something");
        int agreed = 0;
        foreach (int index in new[] { 0, 1, 2, 3, 17, 42, 99, 150 })
        {
            string netlist = Path.Combine(_dir, $"bars-{index}.cir");
            string output;
            (code, output, error) = Run("export", Path.Combine(run, "model.onchip"), "--format", "spice", "--data", "bars", "--index", index.ToString(), "--out", netlist);
            Assert.True(code == 0, error);
            int onchipClass = int.Parse(output.Split("predicts class ")[1].Split(';')[0], CultureInfo.InvariantCulture);
            var expected = File.ReadLines(netlist + ".voltages.csv").Skip(1).Select(l => l.Split(','))
                .ToDictionary(p => p[0], p => double.Parse(p[1], CultureInfo.InvariantCulture));
            var spice = NgspiceFactAttribute.OperatingPoint(netlist);
            double scale = expected.Where(kv => kv.Key.StartsWith("in", StringComparison.Ordinal)).Max(kv => Math.Abs(kv.Value));
            foreach (var (node, voltage) in expected)
            {
                Assert.True(spice.ContainsKey(node), $"ngspice has no node {node}");
                Assert.True(Math.Abs(spice[node] - voltage) <= 0.01 * scale, $"example {index}, node {node}: SPICE {spice[node]} V, OnChip {voltage} V");
            }
            var outputs = expected.Keys.Where(k => k.StartsWith("out", StringComparison.Ordinal)).OrderBy(k => int.Parse(k[3..], CultureInfo.InvariantCulture)).ToArray();
            int spiceClass = Array.IndexOf(outputs, outputs.MaxBy(k => spice[k]));
            Assert.Equal(onchipClass, spiceClass);
            agreed++;
        }
        Assert.Equal(8, agreed);
    }

    /// <summary>A model trained on standardised inputs is exported with its sources at the standardised inputs, and SPICE agrees.</summary>
    [NgspiceFact]
    public void Export_of_a_normalized_model_drives_the_standardised_inputs()
    {
        string run = Path.Combine(_dir, "normalized");
        var (code, _, error) = Run(["train", .. Published("--data", "bars", "--archi", "64-8-4", "--input-gain", "5", "--normalize", "true", "--epochs", "1"), "--out", run]);
        Assert.True(code == 0, error);
        string netlist = Path.Combine(_dir, "n.cir");
        (code, var output, error) = Run("export", Path.Combine(run, "model.onchip"), "--format", "spice", "--data", "bars", "--index", "0", "--out", netlist, "--check");
        Assert.True(code == 0, error + output);
        var data = OnChip.Data.DatasetLoader.Load("bars").Test;
        var normalization = OnChip.Data.ChannelNormalization.FromMetadata(OnChip.Persistence.TensorArchive.Load(Path.Combine(run, "model.onchip")).Metadata)!;
        float expected = 5f * normalization.Apply(data).Features[0];
        var source = File.ReadLines(netlist).First(l => l.StartsWith("V0 ", StringComparison.Ordinal));
        Assert.Equal(expected, float.Parse(source.Split(' ')[^1], CultureInfo.InvariantCulture), 4);
        Assert.NotEqual(5f * data.Features[0], expected);
        // A second export to the same file is refused; npy options are refused with spice-only settings.
        (code, _, error) = Run("export", Path.Combine(run, "model.onchip"), "--format", "spice", "--data", "bars", "--out", netlist);
        Assert.Equal(1, code);
        Assert.Contains("exists", error);
        (code, _, error) = Run("export", Path.Combine(run, "model.onchip"), "--format", "npy", "--index", "3", "--out", Path.Combine(_dir, "npy"));
        Assert.Equal(1, code);
        Assert.Contains("--index: only for --format spice", error);
    }

    [NgspiceFact]
    public void Export_check_runs_ngspice_and_reports_the_agreement()
    {
        string run = Path.Combine(_dir, "check");
        var (code, _, error) = Run(["train", .. Published("--data", "bars", "--archi", "64-8-4", "--input-gain", "10", "--epochs", "2"), "--out", run]);
        Assert.True(code == 0, error);
        (code, var output, error) = Run("export", Path.Combine(run, "model.onchip"), "--format", "spice", "--data", "bars", "--index", "3",
            "--out", Path.Combine(_dir, "c.cir"), "--check");
        Assert.True(code == 0, error + output);
        Assert.Contains("SPICE check: 140 nodes", output);
    }
}

/// <summary>A fact that needs Debian's ngspice (scripts/test.sh installs it); skipped, with the reason, where it is missing.</summary>
public sealed class NgspiceFactAttribute : FactAttribute
{
    public NgspiceFactAttribute()
    {
        if (OnChip.Resistive.SpiceCheck.FindNgspice() is null) Skip = "ngspice is not installed (apt-get install ngspice; scripts/test.sh does it)";
    }

    /// <summary>Node voltages of ngspice's DC operating point, read from its "Node Voltage" table.</summary>
    public static Dictionary<string, double> OperatingPoint(string netlist)
    {
        var info = new ProcessStartInfo("ngspice") { RedirectStandardOutput = true, RedirectStandardError = true };
        info.ArgumentList.Add("-b");
        info.ArgumentList.Add(netlist);
        using var process = Process.Start(info)!;
        var stderr = process.StandardError.ReadToEndAsync();
        string stdout = process.StandardOutput.ReadToEnd();
        Assert.True(process.WaitForExit(120_000), "ngspice timed out");
        var table = stdout.Split('\n').SkipWhile(l => !(l.Contains("Node") && l.Contains("Voltage"))).Skip(1)
            .Select(l => l.Trim()).Where(l => !l.StartsWith("--", StringComparison.Ordinal)).TakeWhile(l => l.Length > 0);
        var result = table.Select(l => l.Split(' ', StringSplitOptions.RemoveEmptyEntries))
            .ToDictionary(p => p[0], p => double.Parse(p[1], CultureInfo.InvariantCulture));
        Assert.True(result.Count > 0, $"no operating point in ngspice's output: {stderr.Result}");
        return result;
    }
}
