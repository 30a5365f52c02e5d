using OnChip.Optimizers;
using OnChip.Randomness;

namespace OnChip.Learning;

/// <summary>
/// Settings shared by the rules: nudging strength, the length of each phase, and how many of the last free-phase
/// steps BPTT differentiates through (default: as many as the nudged phase has, the peers' convention).
/// </summary>
internal sealed record PhaseSettings(float Beta, int FreeSteps, int NudgedSteps, int? TruncationSteps = null, int Points = 4)
{
    public int BackpropSteps => TruncationSteps ?? NudgedSteps;
}

/// <summary>
/// A learning rule trains on one mini-batch: it runs whatever phases it needs on the <see cref="BatchContext"/>,
/// fills parameter gradients and lets the optimizer apply them. It leaves the free equilibrium in
/// <see cref="BatchContext.Free"/> so the trainer can score the batch. It never sees how weights are stored, nor
/// which model family built the network: it only asks the network's interactions for drives and ∂Φ/∂θ.
/// Rules are listed, with what they need of a model, in <see cref="LearningRules"/>.
/// </summary>
internal abstract class LearningRule
{
    public abstract string Name { get; }
    public abstract void TrainBatch(BatchContext batch, Optimizer optimizer);

    /// <summary>
    /// Whether the rule's update is an estimate of ∂L/∂θ that <see cref="ComputeGradients"/> can give without moving
    /// the weights (continual EP moves them during its nudged phase, so it has none).
    /// </summary>
    public virtual bool EstimatesGradient => false;

    /// <summary>Runs the rule's phases on the batch and leaves its estimate of ∂L/∂θ (batch mean) in every parameter's Grad; the weights do not change.</summary>
    public virtual void ComputeGradients(BatchContext batch) =>
        throw new NotSupportedException($"rule {Name} does not estimate a gradient apart from its weight updates");

    /// <summary>The rule's own random stream, if it has one (saved in checkpoints).</summary>
    public virtual Rng? RandomStream => null;
}
