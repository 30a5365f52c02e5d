using OnChip.Networks;
using OnChip.Randomness;

namespace OnChip.Learning;

/// <summary>What a model family offers the rules; a rule names what it needs.</summary>
[Flags]
internal enum ModelCapabilities
{
    None = 0,
    /// <summary>An energy-based network: relaxations to equilibrium, drives and ∂Φ/∂θ (every EP variant).</summary>
    EnergyBased = 1,
    /// <summary>Its relaxation can be differentiated (linearised drives and layer updates): BPTT and RBP.</summary>
    Differentiable = 2,
    /// <summary>A feed-forward network trained by backprop.</summary>
    FeedForward = 4,
}

/// <summary>A learning rule as the registry knows it: its name, what it computes, what it needs and how to build it.</summary>
internal sealed record RuleInfo(
    string Name,
    string Description,
    ModelCapabilities Requires,
    IReadOnlyList<string> Settings,
    Func<LayeredNetwork, PhaseSettings, Rng, LearningRule>? CreateEnergyRule = null,
    Func<FeedForward.FeedForwardNetwork, int, FeedForward.Backpropagation>? CreateBackprop = null)
{
    public override string ToString() => Name;
}

/// <summary>The registry of learning rules: every rule the command line and the library know, in one place.</summary>
internal static class LearningRules
{
    private static readonly string[] Phases = ["beta", "t1", "t2"];

    public static IReadOnlyList<RuleInfo> All { get; } =
    [
        new("ep", "equilibrium propagation, one-sided: phases (0, +β) (Scellier & Bengio 2017); bias of first order in β",
            ModelCapabilities.EnergyBased, Phases, (n, p, r) => EquilibriumPropagation.For(n, p, NudgingScheme.OneSided, r)),
        new("ep-symmetric", "centred EP: phases (−β, +β), both from the free state (Laborieux et al. 2021); bias of second order in β",
            ModelCapabilities.EnergyBased, Phases, (n, p, r) => EquilibriumPropagation.For(n, p, NudgingScheme.Symmetric, r)),
        new("ep-negative", "negative EP: phases (−β, 0) (Scellier et al. 2023); bias of first order in β, of the other sign",
            ModelCapabilities.EnergyBased, Phases, (n, p, r) => EquilibriumPropagation.For(n, p, NudgingScheme.Negative, r)),
        new("ep-random-sign", "one-sided EP with the sign of β drawn per mini-batch (Laborieux et al. 2021)",
            ModelCapabilities.EnergyBased, Phases, (n, p, r) => EquilibriumPropagation.For(n, p, NudgingScheme.RandomSign, r)),
        new("cl", "contrastive learning: the free state against the output clamped to the target (β is not used: the clamp is the target itself)",
            ModelCapabilities.EnergyBased, ["t1", "t2"], (n, p, r) => EquilibriumPropagation.For(n, p, NudgingScheme.Clamped, r)),
        new("cpl", "coupled learning, positive: the free state against the output clamped at o* + β(y − o*) (Stern et al. 2021)",
            ModelCapabilities.EnergyBased, Phases, (n, p, r) => EquilibriumPropagation.For(n, p, NudgingScheme.Coupled, r)),
        new("cpl-negative", "coupled learning, negative: the output clamped at o* − β(y − o*) against the free state",
            ModelCapabilities.EnergyBased, Phases, (n, p, r) => EquilibriumPropagation.For(n, p, NudgingScheme.CoupledNegative, r)),
        new("cpl-centered", "coupled learning, centred: the output clamped at o* − β(y − o*) against o* + β(y − o*)",
            ModelCapabilities.EnergyBased, Phases, (n, p, r) => EquilibriumPropagation.For(n, p, NudgingScheme.CoupledCentred, r)),
        new("hep", "holomorphic EP: the gradient as the first Fourier coefficient of N complex nudges |β|e^{2πik/N} (Laborieux & Zenke 2022); ⌈N/2⌉ relaxations, exact up to aliasing of order N",
            ModelCapabilities.EnergyBased, ["beta", "t1", "t2", "points"], (n, p, r) => HolomorphicEquilibriumPropagation.For(n, p)),
        new("cep", "continual EP: the weights move at every nudged step (Ernoult et al. 2020)",
            ModelCapabilities.EnergyBased, Phases, (n, p, r) => new ContinualEquilibriumPropagation(p)),
        new("bptt", "backpropagation through the last K steps of the free phase (truncated BPTT / TBP)",
            ModelCapabilities.EnergyBased | ModelCapabilities.Differentiable, ["t1", "bptt-steps"], (n, p, r) => new BpttRule(n, p)),
        new("rbp", "recurrent backpropagation at the free fixed point (Almeida–Pineda), T2 adjoint steps",
            ModelCapabilities.EnergyBased | ModelCapabilities.Differentiable, ["t1", "t2"], (n, p, r) => new RecurrentBackpropagation(n, p)),
        new("bp", "backpropagation of a feed-forward network", ModelCapabilities.FeedForward, [],
            CreateBackprop: (n, capacity) => new FeedForward.Backpropagation(n, progressive: false, capacity)),
        new("progressive-bp", "progressive backprop: the last layer is updated first, the error goes back through the updated weights (van Doremaele et al. 2024)",
            ModelCapabilities.FeedForward, [], CreateBackprop: (n, capacity) => new FeedForward.Backpropagation(n, progressive: true, capacity)),
    ];

    public static IReadOnlyList<string> Names { get; } = All.Select(r => r.Name).ToArray();

    public static RuleInfo Get(string name) => All.FirstOrDefault(r => r.Name == name)
        ?? throw new ArgumentException($"unknown learning rule '{name}' (expected one of: {string.Join(", ", Names)})");

    /// <summary>Builds an energy-based rule for <paramref name="network"/>.</summary>
    public static LearningRule Create(string name, LayeredNetwork network, PhaseSettings phases, Rng rng) =>
        Get(name).CreateEnergyRule?.Invoke(network, phases, rng)
        ?? throw new ArgumentException($"{name} does not train energy-based networks");
}
