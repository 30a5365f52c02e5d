using OnChip.Optimizers;
using OnChip.Randomness;

namespace OnChip.Learning;

public enum NudgingScheme
{
    /// <summary>Phases (0, β): Scellier &amp; Bengio 2017; biased at first order in β.</summary>
    OneSided,
    /// <summary>Phases (+β, −β), both from s*: Laborieux et al. 2021; bias of second order in β.</summary>
    Symmetric,
    /// <summary>One-sided with the sign of β drawn per mini-batch (Laborieux et al. 2021).</summary>
    RandomSign,
    /// <summary>Phases (−β, 0): the nudged phase pushes away from the target (Scellier et al. 2023's N-EP).</summary>
    Negative,
}

/// <summary>Equilibrium Propagation: free phase for T1 steps, nudged phase(s) for T2 steps, EP estimate, optimizer step.</summary>
public sealed class EquilibriumPropagation(PhaseSettings phases, NudgingScheme scheme, Rng rng) : LearningRule
{
    public override string Name => scheme switch
    {
        NudgingScheme.Symmetric => "ep-symmetric",
        NudgingScheme.RandomSign => "ep-random-sign",
        NudgingScheme.Negative => "ep-negative",
        _ => "ep",
    };

    public PhaseSettings Phases => phases;
    public NudgingScheme Scheme => scheme;
    /// <summary>The rule's random stream (random-sign draws); part of a checkpoint.</summary>
    public override Rng? RandomStream => rng;

    public override void TrainBatch(BatchContext batch, Optimizer optimizer)
    {
        ComputeGradients(batch);
        optimizer.Step(batch.Pool);
    }

    /// <summary>Runs the phases and leaves the EP estimate (as a loss gradient) in every parameter's Grad.</summary>
    public void ComputeGradients(BatchContext batch)
    {
        batch.RunFreePhase(phases.FreeSteps);
        float beta = phases.Beta;
        if (scheme == NudgingScheme.Symmetric)
        {
            batch.RunNudgedPhase(batch.Nudged, beta, phases.NudgedSteps);
            batch.RunNudgedPhase(batch.Opposite, -beta, phases.NudgedSteps);
            EnergyGradient.Compute(batch, batch.Nudged, beta, batch.Opposite, -beta);
            return;
        }
        if (scheme == NudgingScheme.Negative)
        {
            batch.RunNudgedPhase(batch.Nudged, -beta, phases.NudgedSteps);
            EnergyGradient.Compute(batch, batch.Free, 0f, batch.Nudged, -beta);
            return;
        }
        if (scheme == NudgingScheme.RandomSign && (rng.NextUInt64() & 1) == 1) beta = -beta;
        batch.RunNudgedPhase(batch.Nudged, beta, phases.NudgedSteps);
        EnergyGradient.Compute(batch, batch.Nudged, beta, batch.Free, 0f);
    }
}
