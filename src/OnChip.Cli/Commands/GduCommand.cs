using System.CommandLine;
using System.Text.Json.Nodes;
using OnChip.Analysis;
using OnChip.Cli.Output;
using OnChip.Configuration;
using OnChip.Data;
using OnChip.Learning;
using OnChip.Models;
using OnChip.Networks;
using OnChip.Parallelism;
using OnChip.Persistence;
using OnChip.Randomness;
using OnChip.Training;

namespace OnChip.Cli.Commands;

/// <summary><c>onchip gdu</c>: EP's step-by-step updates against BPTT's step-by-step gradients on one mini-batch.</summary>
internal static class GduCommand
{
    public static Command Create(TextWriter output, TextWriter error)
    {
        var command = new Command("gdu", "Check the GDU property (Ernoult et al. 2019): compare EP's per-step updates with BPTT's per-step gradients on one mini-batch; writes gdu.csv and gdu.json.");
        var options = new ConfigOptions<GduConfig>(command, GduConfig.Keys, new GduConfig(), "read settings from a YAML file; flags given here override it");
        command.SetAction(parse => CliErrors.Guard(error, () => Execute(options.Resolve(parse, new GduConfig()), options.ExplicitKeys(parse), output)));
        return command;
    }

    public static int Execute(GduConfig config, IReadOnlySet<string> explicitKeys, TextWriter output)
    {
        var shared = config.Shared;
        bool untrainedFamily = ModelUnderCheck.SelectFamily(shared, config.Model, explicitKeys);
        if (!explicitKeys.Contains("act") && !shared.Family.Settings.Contains("act")) shared.Act = new TrainingConfig().Act;
        if (shared.Family is not EnergyModelFamily family)
            throw new ConfigException($"model: gdu compares EP with BPTT on energy-based networks, not on --model {shared.Model}");
        shared.Validate();
        if (shared.T2 > shared.T1) throw new ConfigException($"t2: BPTT runs through the last t2 = {shared.T2} of the t1 = {shared.T1} free steps; t2 must not exceed t1");

        var (network, data) = ModelUnderCheck.Load(shared, family, config.Model, untrainedFamily, explicitKeys,
            "that gdu can check", "gdu compares EP with BPTT on energy-based networks, not on");
        // The theorem is about the synchronous dynamics, whatever schedule the model trained with.
        network.Schedule = Dynamics.Schedule.Synchronous;
        network.NudgedSchedule = null;

        var run = RunDirectory.Create(shared.Out, "gdu-", [GduReport.JsonFileName, GduReport.CsvFileName]);
        using var pool = new WorkerPool(shared.Threads);
        var batch = new BatchContext(network, shared.Batch, pool);
        BatchLoader.Load(batch, data, Enumerable.Range(0, shared.Batch).ToArray());
        output.WriteLine($"GDU check: {ModelFamilies.EnergyFamily(network.Family).Summary(network)}, {(config.Model is null || untrainedFamily ? $"untrained (seed {shared.Seed})" : config.Model)}, " +
                         $"first {shared.Batch} examples of {data.Name}, β = {shared.Beta}, T1 = {shared.T1}, K = T2 = {shared.T2}{(config.Symmetric ? ", one-sided and symmetric" : "")}");

        var result = GduCheck.Run(network, batch, new GduSettings(shared.Beta, shared.T1, shared.T2, config.Symmetric));
        var tensors = result.Tensors;
        var shapes = network.Parameters.ToDictionary(p => p.Name, p => p.Shape);
        for (int l = 1; l < network.LayerCount; l++) shapes[$"s{l}"] = [shared.Batch, network.LayerSizes[l]];
        GduReport.Write(run.Path, tensors, shapes);
        AtomicFile.WriteAllText(run.FilePath("gdu-settings.json"), new JsonObject
        {
            ["archi"] = network.Spec.ArchiText, ["activation"] = network.Spec.Activation, ["loss"] = network.Spec.Loss,
            ["beta"] = shared.Beta, ["t1"] = shared.T1, ["t2"] = shared.T2, ["batch"] = shared.Batch, ["symmetric"] = config.Symmetric,
            ["model"] = config.Model, ["family"] = network.Family, ["seed"] = shared.Seed.ToString(), ["data"] = shared.Data, ["free_residual"] = result.FreeResidual,
        }.ToJsonString(new() { WriteIndented = true }) + "\n");

        output.WriteLine($"free-phase residual max|s^T − s^(T−1)| = {result.FreeResidual:E2}" +
                         (result.FreeResidual > 1e-3 * shared.Beta ? "  (not converged: one-sided updates include the residual drift / β; raise --t1)" : ""));
        output.WriteLine(config.Symmetric ? $"{"tensor",-8}{"RMSE",12}{"sign err",12}{"RMSE sym",12}{"sign sym",12}" : $"{"tensor",-8}{"RMSE",12}{"sign err",12}");
        foreach (var t in tensors)
        {
            var line = $"{t.Name,-8}{t.OneSided.Rmse,12:E3}{t.OneSided.SignError,12:P2}";
            if (t.Symmetric is { } s) line += $"{s.Rmse,12:E3}{s.SignError,12:P2}";
            output.WriteLine(line);
        }
        output.WriteLine($"written {Path.Combine(run.Path, GduReport.CsvFileName)} and {GduReport.JsonFileName}");
        return 0;
    }
}
