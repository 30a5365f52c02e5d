using OnChip.Configuration;
using OnChip.Data;
using OnChip.FeedForward;
using OnChip.Learning;
using OnChip.Parallelism;
using OnChip.Randomness;
using OnChip.Training;

namespace OnChip.Models;

/// <summary>Feed-forward networks trained by backprop (<c>bp</c>, <c>progressive-bp</c>): the in-situ EC-RAM study.</summary>
internal sealed class FeedForwardFamily : ModelFamily
{
    public override string Name => "feedforward";
    public override string Description => "feed-forward network trained by backprop (bp) or progressive backprop (van Doremaele et al. 2024)";
    public override ModelCapabilities Capabilities => ModelCapabilities.FeedForward;
    public override IReadOnlyList<string> Settings { get; } = ["archi", "act", "loss"];
    public override int GroupCount(TrainingConfig config) => config.ArchiSizes.Length - 1;
    public override string Describe(TrainingConfig config) => $"{config.Archi} {config.Act} {config.Loss}";

    public override void CheckAgainstData(TrainingConfig config, Dataset data) => CheckSizes(config.ArchiSizes, data);

    public override ISupervisedLearner CreateLearner(TrainingConfig config, Dataset data, WorkerPool pool)
    {
        var init = Rng.ForStream(config.Seed, "init");
        FeedForwardNetwork network;
        try { network = new FeedForwardNetwork(new Networks.NetworkSpec(config.ArchiSizes, config.Act, config.Loss)); }
        catch (ArgumentException e) { throw new ConfigException(e.Message); }
        network.Initialize(init, config.InitScale);
        var rule = LearningRules.Get(config.Rule).CreateBackprop ?? throw new ConfigException($"rule: {config.Rule} does not train feed-forward networks");
        return new FeedForwardLearner(network, rule(network, config.Batch), config.Batch, pool);
    }
}
