using System.Text.Json.Nodes;
using OnChip.Configuration;
using OnChip.Data;
using OnChip.Learning;
using OnChip.Networks;
using OnChip.Parallelism;
using OnChip.Persistence;
using OnChip.Randomness;
using OnChip.Training;

namespace OnChip.Models;

/// <summary>
/// A family of energy-based networks (<see cref="LayeredNetwork"/>): it builds the layers and interactions, and
/// describes and rebuilds them in model files; relaxation, every energy-based rule, evaluation, checkpoints and the
/// tools are shared.
/// </summary>
internal abstract class EnergyModelFamily : ModelFamily
{
    /// <summary>The kind written in this family's model files (see <see cref="ModelKinds"/>).</summary>
    public abstract string FileKind { get; }

    /// <summary>The network the config describes, for data shaped like <paramref name="data"/>, not yet initialised.</summary>
    public abstract LayeredNetwork BuildNetwork(TrainingConfig config, Dataset data);

    /// <summary>Writes what <see cref="LoadNetwork"/> needs to rebuild the network into a model file's metadata.</summary>
    public abstract void Describe(LayeredNetwork network, JsonObject metadata);

    /// <summary>Rebuilds a network from a model file's metadata (its parameters are then read by <see cref="ModelFile"/>).</summary>
    public abstract LayeredNetwork LoadNetwork(JsonObject metadata, string path);

    /// <summary>What tensor <paramref name="tensor"/> of one of this family's model files is (for exports), or null if unknown.</summary>
    public virtual string? DescribeTensor(TensorArchive.Contents contents, NamedTensor tensor) => null;

    /// <summary>A built network in a few words (for eval and the tools).</summary>
    public virtual string Summary(LayeredNetwork network) => $"{network.Spec.ArchiText} {network.Spec.Activation} {network.Spec.Loss} (energy-based)";

    /// <summary>The free-phase schedule when the config leaves it unset.</summary>
    public virtual Dynamics.Schedule DefaultSchedule => Dynamics.Schedule.Synchronous;

    /// <summary>The nudged-phase schedule when the config leaves it unset (null: as the free phase).</summary>
    public virtual Dynamics.Schedule? DefaultNudgedSchedule => null;

    /// <summary>Sets the network's schedules from the config (or the family's defaults).</summary>
    public void ApplySchedules(LayeredNetwork network, TrainingConfig config)
    {
        network.Schedule = config.Schedule is { } s ? Dynamics.Schedules.Parse(s) : DefaultSchedule;
        network.NudgedSchedule = config.NudgedSchedule is { } n ? Dynamics.Schedules.Parse(n) : DefaultNudgedSchedule;
        network.NudgeAfterActivation = config.Nudge == "state";
    }

    public override ISupervisedLearner CreateLearner(TrainingConfig config, Dataset data, WorkerPool pool)
    {
        var init = Rng.ForStream(config.Seed, "init");
        var network = BuildNetwork(config, data);
        ApplySchedules(network, config);
        network.Initialize(init, config.InitScale);
        var rule = LearningRules.Create(config.Rule, network, config.Phases, Rng.ForStream(config.Seed, "rule"));
        var learner = new EnergyLearner(network, rule, config.Batch, config.T1, pool);
        if (config.StateNoise > 0f) learner.SetStateNoise(config.StateNoise, Rng.ForStream(config.Seed, "state-noise").NextUInt64());
        return learner;
    }

    /// <summary>The schedules in a model file (older Hopfield files have none: they relaxed synchronously).</summary>
    protected static void WriteSchedules(LayeredNetwork network, JsonObject metadata)
    {
        metadata["update_order"] = Dynamics.Schedules.Name(network.Schedule);
        if (network.NudgedSchedule is { } nudged) metadata["nudged_schedule"] = Dynamics.Schedules.Name(nudged);
        if (network.NudgeAfterActivation) metadata["nudge"] = "state";
    }

    protected static void ReadSchedules(LayeredNetwork network, JsonObject metadata)
    {
        if (metadata["update_order"]?.GetValue<string>() is { } order) network.Schedule = Dynamics.Schedules.Parse(order);
        if (metadata["nudged_schedule"]?.GetValue<string>() is { } nudged) network.NudgedSchedule = Dynamics.Schedules.Parse(nudged);
        network.NudgeAfterActivation = metadata["nudge"]?.GetValue<string>() == "state";
    }

    protected static string Required(JsonObject metadata, string key, string path) =>
        metadata[key]?.GetValue<string>() ?? throw new UserFacingException($"{path}: metadata has no '{key}'");
}
