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

/// <summary><c>onchip gradcheck</c>: a rule's gradient estimate against the exact gradient at the free equilibrium, for each β of a list.</summary>
internal static class GradcheckCommand
{
    public static Command Create(TextWriter output, TextWriter error)
    {
        var command = new Command("gradcheck", "Measure the bias of a rule's gradient estimate: compare it, on one mini-batch, with the exact gradient of the loss at the free " +
                                               "equilibrium (recurrent backprop run to convergence), per tensor and for each β of a list; writes gradcheck.csv and gradcheck.json.");
        var options = new ConfigOptions<GradcheckConfig>(command, GradcheckConfig.Keys, new GradcheckConfig(), "read settings from a YAML file; flags given here override it");
        command.SetAction(parse => CliErrors.Guard(error, () => Execute(options.Resolve(parse, new GradcheckConfig()), options.ExplicitKeys(parse), output)));
        return command;
    }

    public static int Execute(GradcheckConfig config, IReadOnlySet<string> explicitKeys, TextWriter output)
    {
        var shared = config.Shared;
        bool untrainedFamily = ModelUnderCheck.SelectFamily(shared, config.Model, explicitKeys);
        if (shared.Family is not EnergyModelFamily family)
            throw new ConfigException($"model: gradcheck measures the estimators of energy-based networks, not --model {shared.Model}");
        shared.Validate();
        var info = LearningRules.Get(shared.Rule);
        if (!info.Requires.HasFlag(ModelCapabilities.EnergyBased))
            throw new ConfigException($"rule: gradcheck measures the estimators of energy-based networks; {shared.Rule} trains feed-forward networks");

        bool fromFile = config.Model is not null && !untrainedFamily;
        if (fromFile && !File.Exists(config.Model))
            throw new ConfigException($"model: {config.Model} is neither a model file nor a model family ({string.Join(", ", ModelFamilies.Names)})");
        var (network, data) = ModelUnderCheck.Load(shared, family, config.Model, untrainedFamily, explicitKeys,
            "whose gradients gradcheck can check", "gradcheck measures the estimators of energy-based networks, not of");
        // A model file keeps the schedules it trained with unless they are given here.
        if (fromFile && (explicitKeys.Contains("schedule") || explicitKeys.Contains("nudged-schedule")))
            ModelFamilies.EnergyFamily(network.Family).ApplySchedules(network, shared);
        if (info.Requires.HasFlag(ModelCapabilities.Differentiable) && !ModelFamilies.EnergyFamily(network.Family).Capabilities.HasFlag(ModelCapabilities.Differentiable))
            throw new ConfigException($"rule: {shared.Rule} needs a differentiable relaxation, which {network.Family} networks do not offer");

        var run = RunDirectory.Create(shared.Out, "gradcheck-", [GradientCheck.JsonFileName, GradientCheck.CsvFileName]);
        using var pool = new WorkerPool(shared.Threads);
        var batch = new BatchContext(network, shared.Batch, pool);
        BatchLoader.Load(batch, data, Enumerable.Range(0, shared.Batch).ToArray());
        string betas = string.Join(", ", config.Betas.Select(b => b.ToString("G", System.Globalization.CultureInfo.InvariantCulture)));
        output.WriteLine($"gradient check: {ModelFamilies.EnergyFamily(network.Family).Summary(network)}, {(config.Model is null || untrainedFamily ? $"untrained (seed {shared.Seed})" : config.Model)}, " +
                         $"first {shared.Batch} examples of {data.Name}, rule {shared.Rule}, β = {betas}, T1 = {shared.T1}, T2 = {shared.T2}");

        var exact = GradientCheck.ExactGradient(network, batch, shared.T1, config.ExactSteps);
        double residual = GradientCheck.FreeResidual(batch);
        // The adjoint of RBP is a linear relaxation: twice the steps must not move it, or it has not converged.
        var longer = GradientCheck.ExactGradient(network, batch, shared.T1, 2 * config.ExactSteps);
        double adjointDrift = GradientCheck.Agreement("all", longer.SelectMany(g => g).ToArray(), exact.SelectMany(g => g).ToArray()).RelativeError;
        output.WriteLine($"exact gradient: recurrent backprop, {config.ExactSteps} adjoint steps (relative change with twice as many: {adjointDrift:E1}); " +
                         $"free-phase residual max|s^T − s^(T−1)| = {residual:E1}");
        if (residual > 1e-4 || !(adjointDrift < 1e-3))
            output.WriteLine("warning: the free phase or the adjoint has not converged, so the 'exact' gradient is not; raise --t1 or --exact-steps");

        var rows = GradientCheck.Run(network, batch, shared.Rule, config.Betas, shared.Phases, exact, shared.Seed);
        GradientCheck.Write(run.Path, rows, new JsonObject
        {
            ["rule"] = shared.Rule, ["betas"] = new JsonArray(config.Betas.Select(b => (JsonNode)JsonValue.Create(b)).ToArray()),
            ["family"] = network.Family, ["archi"] = network.Spec.ArchiText, ["activation"] = network.Spec.Activation, ["loss"] = network.Spec.Loss,
            ["t1"] = shared.T1, ["t2"] = shared.T2, ["points"] = shared.Points, ["exact_steps"] = config.ExactSteps, ["batch"] = shared.Batch, ["model"] = config.Model,
            ["seed"] = shared.Seed.ToString(), ["data"] = shared.Data, ["free_residual"] = residual, ["exact_adjoint_drift"] = adjointDrift,
        });
        output.WriteLine($"{"β",-10}{"tensor",-8}{"rel. error",12}{"cosine",10}{"sign agr.",11}");
        foreach (var row in rows)
            foreach (var t in row.Tensors)
                output.WriteLine($"{row.Beta,-10:G4}{t.Tensor,-8}{t.RelativeError,12:E3}{t.Cosine,10:F5}{t.SignAgreement,11:P1}");
        output.WriteLine($"written {Path.Combine(run.Path, GradientCheck.CsvFileName)} and {GradientCheck.JsonFileName}");
        return 0;
    }
}
