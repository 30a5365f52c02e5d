using OnChip.Optimizers;

namespace OnChip.Learning;

/// <summary>
/// Continual EP (Ernoult et al. 2020): during the nudged phase the weights move after every step by
/// (η/β)(∂Φ/∂θ(s^{t+1}) − ∂Φ/∂θ(s^t)), and the next step already uses them: local in space and time.
/// The first increment is taken against Φ^0 at the free equilibrium, so with η → 0 the increments sum to one-sided EP.
/// </summary>
internal sealed class ContinualEquilibriumPropagation(PhaseSettings phases) : LearningRule
{
    public override string Name => "cep";
    public PhaseSettings Phases => phases;

    public override void TrainBatch(BatchContext batch, Optimizer optimizer)
    {
        batch.RunFreePhase(phases.FreeSteps);
        float beta = phases.Beta;
        var current = batch.Nudged;
        var previous = batch.Opposite;
        current.CopyRowsFrom(batch.Free, 0, batch.Count);
        for (int t = 0; t < phases.NudgedSteps; t++)
        {
            previous.CopyRowsFrom(current, 0, batch.Count);
            // Weights changed at the previous step, so the constant input drive must be recomputed.
            if (t > 0) batch.Relaxation.PrepareStaticDrive(current, batch.Count, batch.Pool);
            batch.Relaxation.Relax(current, batch.Targets, beta, 1, batch.Count, batch.Pool);
                EnergyGradient.Compute(batch, current, beta, previous, t == 0 ? 0f : beta, beta);
            optimizer.Step(batch.Pool);
        }
    }
}

