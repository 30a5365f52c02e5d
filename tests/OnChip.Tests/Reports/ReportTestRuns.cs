using System.Globalization;
using System.Text;
using System.Text.Json.Nodes;
using OnChip.Cli.Commands;
using OnChip.Configuration;
using OnChip.Data;
using OnChip.Training;

namespace OnChip.Tests.Reports;

/// <summary>
/// Run directories for report tests: two tiny real training runs on the embedded data, a real GDU check, and a
/// synthetic run with the files other commands will write (extra per-epoch metrics, device response,
/// conductances, RBM filters).
/// </summary>
internal sealed class ReportTestRuns : IDisposable
{
    public string Root { get; } = Directory.CreateTempSubdirectory("onchip-report-").FullName;
    public void Dispose() => Directory.Delete(Root, recursive: true);

    public string Dir(string name) => Path.Combine(Root, name);

    public string TrainRun(string name, string rule, bool cosine = false)
    {
        var embedded = DatasetLoader.Load("embedded");
        var config = new TrainingConfig
        {
            Archi = "784-16-10", Rule = rule, Epochs = 3, Threads = 2, Cosine = cosine, Lr = [2e-3f], Out = Dir(name),
        };
        TrainingRun.Execute(config, new DataSplit(embedded.Train.Take(300), embedded.Test.Take(100)));
        return Dir(name);
    }

    public string GduRun(string name)
    {
        var config = new GduConfig { Symmetric = true };
        config.Shared.Archi = "784-20-10";
        config.Shared.T1 = 60;
        config.Shared.T2 = 5;
        config.Shared.Batch = 4;
        config.Shared.Threads = 2;
        config.Shared.Out = Dir(name);
        Assert.Equal(0, GduCommand.Execute(config, new HashSet<string>(), TextWriter.Null));
        return Dir(name);
    }

    public string GradcheckRun(string name, string rule)
    {
        var config = new GradcheckConfig { Betas = [0.2f, 0.1f, 0.05f] };
        config.Shared.Archi = "784-12-10";
        config.Shared.Rule = rule;
        config.Shared.T1 = 150;
        config.Shared.T2 = 150;
        config.Shared.Batch = 4;
        config.Shared.Threads = 2;
        config.Shared.Out = Dir(name);
        Assert.Equal(0, GradcheckCommand.Execute(config, new HashSet<string>(), TextWriter.Null));
        return Dir(name);
    }

    /// <summary>A synthetic run: metrics.jsonl with metrics beyond the known ones (one corrupt line), plus
    /// device_response.csv, conductances.csv and filters.json (<paramref name="filters"/> 28×28 filters).</summary>
    public string SyntheticRun(string name, int filters = 12)
    {
        string dir = Directory.CreateDirectory(Dir(name)).FullName;
        var metrics = new StringBuilder();
        for (int e = 1; e <= 4; e++)
            metrics.Append(new JsonObject
            {
                ["epoch"] = e, ["test_acc"] = 0.5 + 0.05 * e, ["recon_error"] = 1.0 / e, ["pulses"] = 1000 * e, ["energy_j"] = 2.5e-6 * e,
                ["note"] = "text values are ignored",
            }.ToJsonString()).Append('\n');
        metrics.Append("{\"epoch\": 5, \"recon_err\n"); // a run killed mid-write
        File.WriteAllText(Path.Combine(dir, "metrics.jsonl"), metrics.ToString());

        var device = new StringBuilder("device,pulse,conductance\n");
        for (int d = 0; d < 3; d++)
            for (int p = 0; p <= 60; p++)
                device.Append(CultureInfo.InvariantCulture, $"d{d},{p},{(1 - Math.Exp(-p / (10.0 + 5 * d))) * 1e-6:G6}\n");
        File.WriteAllText(Path.Combine(dir, "device_response.csv"), device.ToString());

        var random = new Random(1);
        var conductances = new StringBuilder("tensor,value\n");
        foreach (var tensor in new[] { "W0", "W1" })
            for (int i = 0; i < 2000; i++)
                conductances.Append(CultureInfo.InvariantCulture, $"{tensor},{random.NextDouble() * random.NextDouble():G6}\n");
        File.WriteAllText(Path.Combine(dir, "conductances.csv"), conductances.ToString());

        var list = new JsonArray();
        for (int k = 0; k < filters; k++)
            list.Add(new JsonArray(Enumerable.Range(0, 784).Select(i => (JsonNode)Math.Round(Math.Sin((i % 28) * (k + 1) / 9.0 + i / 28 * 0.2), 4)).ToArray()));
        File.WriteAllText(Path.Combine(dir, "filters.json"), new JsonObject { ["width"] = 28, ["height"] = 28, ["filters"] = list }.ToJsonString());
        return dir;
    }
}
