using OnChip.Configuration;
using OnChip.Networks.Costs;
using OnChip.Optimizers;
using OnChip.Randomness;

namespace OnChip.Learning;

/// <summary>The two states a rule of the contrastive family compares (Scellier et al. 2023, science.md §8).</summary>
internal enum NudgingScheme
{
    /// <summary>P-EP, phases (0, β): Scellier &amp; Bengio 2017; biased at first order in β.</summary>
    OneSided,
    /// <summary>C-EP, phases (+β, −β), both from s*: Laborieux et al. 2021; bias of second order in β.</summary>
    Symmetric,
    /// <summary>One-sided with the sign of β drawn per mini-batch (Laborieux et al. 2021).</summary>
    RandomSign,
    /// <summary>N-EP, phases (−β, 0): the nudged phase pushes away from the target (Scellier et al. 2023).</summary>
    Negative,
    /// <summary>CL: the free state against the output clamped to the target (contrastive Hebbian learning).</summary>
    Clamped,
    /// <summary>P-CpL: the free state against the output clamped at o* + β(y − o*) (coupled learning, Stern et al. 2021).</summary>
    Coupled,
    /// <summary>N-CpL: the output clamped at o* − β(y − o*) against the free state.</summary>
    CoupledNegative,
    /// <summary>C-CpL: the output clamped at o* − β(y − o*) against o* + β(y − o*).</summary>
    CoupledCentred,
}

/// <summary>
/// One state of a contrast: the free equilibrium, a nudged phase (argmin E + β·C with β = Sign·|β|) or a phase with
/// the output held at o* + β(y − o*) (β = Sign·|β|, or exactly 1 for CL: the target itself). Its strength is that β
/// (0 for the free state); a contrast divides by the difference of its two strengths.
/// </summary>
internal readonly record struct Perturbation(PerturbationKind Kind, float Sign)
{
    public static Perturbation Free => new(PerturbationKind.Free, 0f);
    public static Perturbation Nudge(float sign) => new(PerturbationKind.Nudge, sign);
    public static Perturbation Clamp(float sign) => new(PerturbationKind.Clamp, sign);
    /// <summary>The output clamped to the target itself (strength 1, whatever β).</summary>
    public static Perturbation Target => new(PerturbationKind.Target, 1f);

    public float Strength(float beta) => Kind switch
    {
        PerturbationKind.Free => 0f,
        PerturbationKind.Target => 1f,
        _ => Sign > 0 ? beta : -beta,
    };

    /// <summary>Whether the phase holds the output layer (a voltage source on a resistive network's output node).</summary>
    public bool HoldsOutput => Kind is PerturbationKind.Clamp or PerturbationKind.Target;
}

internal enum PerturbationKind { Free, Nudge, Clamp, Target }

/// <summary>
/// The contrastive family in one implementation: a free phase for T1 steps, then the perturbed phase(s) of the
/// scheme for T2 steps each (each from the free state), and the estimate
///   θ.Grad = [∂E/∂θ(B) − ∂E/∂θ(A)] / (strength(B) − strength(A))
/// for the scheme's states A and B (<see cref="Contrast"/>), then an optimizer step. P-, N- and C-EP nudge with ∓β;
/// CL and the coupled-learning variants clamp the output layer instead (they need an output layer in the dynamics,
/// the squared-error cost).
/// </summary>
internal sealed class EquilibriumPropagation : LearningRule
{
    private readonly PhaseSettings _phases;
    private readonly NudgingScheme _scheme;
    private readonly Rng _rng;

    public EquilibriumPropagation(PhaseSettings phases, NudgingScheme scheme, Rng rng)
    {
        (_phases, _scheme, _rng) = (phases, scheme, rng);
    }

    /// <summary>The rule on <paramref name="network"/>: schemes that clamp the output refuse a network whose cost has no output units to hold.</summary>
    public static EquilibriumPropagation For(Networks.LayeredNetwork network, PhaseSettings phases, NudgingScheme scheme, Rng rng)
    {
        var (a, b) = Contrast(scheme);
        if ((a.HoldsOutput || b.HoldsOutput) && network.Cost is not SquaredError)
            throw new ConfigException($"rule {NameOf(scheme)} clamps the output layer to a target: it needs --loss mse (the {network.Cost.Name} cost has no output units in the dynamics to clamp)");
        return new EquilibriumPropagation(phases, scheme, rng);
    }

    public override string Name => NameOf(_scheme);

    public static string NameOf(NudgingScheme scheme) => scheme switch
    {
        NudgingScheme.Symmetric => "ep-symmetric",
        NudgingScheme.RandomSign => "ep-random-sign",
        NudgingScheme.Negative => "ep-negative",
        NudgingScheme.Clamped => "cl",
        NudgingScheme.Coupled => "cpl",
        NudgingScheme.CoupledNegative => "cpl-negative",
        NudgingScheme.CoupledCentred => "cpl-centered",
        _ => "ep",
    };

    /// <summary>The states (A, B) a scheme contrasts; random-sign EP is one-sided with the sign drawn per batch.</summary>
    public static (Perturbation A, Perturbation B) Contrast(NudgingScheme scheme) => scheme switch
    {
        NudgingScheme.Symmetric => (Perturbation.Nudge(-1), Perturbation.Nudge(+1)),
        NudgingScheme.Negative => (Perturbation.Nudge(-1), Perturbation.Free),
        NudgingScheme.Clamped => (Perturbation.Free, Perturbation.Target),
        NudgingScheme.Coupled => (Perturbation.Free, Perturbation.Clamp(+1)),
        NudgingScheme.CoupledNegative => (Perturbation.Clamp(-1), Perturbation.Free),
        NudgingScheme.CoupledCentred => (Perturbation.Clamp(-1), Perturbation.Clamp(+1)),
        _ => (Perturbation.Free, Perturbation.Nudge(+1)),
    };

    public PhaseSettings Phases => _phases;
    public NudgingScheme Scheme => _scheme;
    /// <summary>The rule's random stream (random-sign draws); part of a checkpoint.</summary>
    public override Rng? RandomStream => _rng;

    public override void TrainBatch(BatchContext batch, Optimizer optimizer)
    {
        ComputeGradients(batch);
        optimizer.Step(batch.Pool);
    }

    /// <summary>Runs the phases and leaves the estimate (as a loss gradient) in every parameter's Grad.</summary>
    public override bool EstimatesGradient => true;

    public override void ComputeGradients(BatchContext batch)
    {
        batch.RunFreePhase(_phases.FreeSteps);
        float beta = _phases.Beta;
        var (a, b) = Contrast(_scheme);
        if (_scheme == NudgingScheme.RandomSign && (_rng.NextUInt64() & 1) == 1) beta = -beta;
        // B takes the first scratch state; A the second when both are perturbed (the free state needs none).
        var stateB = b.Kind == PerturbationKind.Free ? batch.Free : batch.Nudged;
        var stateA = a.Kind == PerturbationKind.Free ? batch.Free : b.Kind == PerturbationKind.Free ? batch.Nudged : batch.Opposite;
        Run(batch, b, stateB, beta);
        Run(batch, a, stateA, beta);
        float strengthA = a.Strength(beta), strengthB = b.Strength(beta);
        // The cost's own parameters (a softmax readout) see −βℓ in nudged phases only; clamped phases have no readout.
        EnergyGradient.Compute(batch, stateB, b.Kind == PerturbationKind.Nudge ? strengthB : 0f,
            stateA, a.Kind == PerturbationKind.Nudge ? strengthA : 0f, strengthB - strengthA);
    }

    private void Run(BatchContext batch, Perturbation phase, Networks.NetworkState state, float beta)
    {
        switch (phase.Kind)
        {
            case PerturbationKind.Nudge:
                batch.RunNudgedPhase(state, phase.Strength(beta), _phases.NudgedSteps);
                break;
            case PerturbationKind.Clamp or PerturbationKind.Target:
                batch.RunClampedPhase(state, phase.Strength(beta), _phases.NudgedSteps);
                break;
        }
    }
}
