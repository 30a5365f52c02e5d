using OnChip.Optimizers;
using OnChip.Randomness;

namespace OnChip.Learning;

/// <summary>Settings shared by the energy-based rules: nudging strength and the length of each phase.</summary>
public sealed record PhaseSettings(float Beta, int FreeSteps, int NudgedSteps);

/// <summary>
/// A learning rule trains on one mini-batch: it runs whatever phases it needs on the <see cref="BatchContext"/>,
/// fills parameter gradients and lets the optimizer apply them. It leaves the free equilibrium in
/// <see cref="BatchContext.Free"/> so the trainer can score the batch. It never sees how weights are stored.
/// </summary>
public abstract class LearningRule
{
    public abstract string Name { get; }
    public abstract void TrainBatch(BatchContext batch, Optimizer optimizer);

    public static IReadOnlyList<string> Names { get; } = ["ep", "ep-symmetric", "ep-random-sign", "cep"];

    public static LearningRule Create(string name, PhaseSettings phases, Rng rng) => name switch
    {
        "ep" => new EquilibriumPropagation(phases, NudgingScheme.OneSided, rng),
        "ep-symmetric" => new EquilibriumPropagation(phases, NudgingScheme.Symmetric, rng),
        "ep-random-sign" => new EquilibriumPropagation(phases, NudgingScheme.RandomSign, rng),
        "cep" => new ContinualEquilibriumPropagation(phases),
        _ => throw new ArgumentException($"unknown learning rule '{name}' (expected one of: {string.Join(", ", Names)})"),
    };
}
