using OnChip.Configuration;
using OnChip.Learning;
using OnChip.Resistive;

namespace OnChip.Models;

/// <summary>The registry of model families: every value of <c>--model</c>, in the order the help lists them.</summary>
internal static class ModelFamilies
{
    public static IReadOnlyList<ModelFamily> All { get; } =
    [
        new HopfieldFamily(convolutional: false),
        new HopfieldFamily(convolutional: true),
        new ResistiveFamily(),
        new FeedForwardFamily(),
    ];

    public static IReadOnlyList<string> Names { get; } = All.Select(f => f.Name).ToArray();

    public static ModelFamily Get(string name) => All.FirstOrDefault(f => f.Name == name)
        ?? throw new ConfigException($"model: unknown model '{name}' (expected one of: {string.Join(", ", Names)})");

    /// <summary>Every model-specific setting of some family (a setting none reads is shared by all).</summary>
    public static IReadOnlySet<string> SpecificSettings { get; } = All.SelectMany(f => f.Settings).ToHashSet();

    /// <summary>The energy-based family named <paramref name="name"/> (the family a network was built by).</summary>
    public static EnergyModelFamily EnergyFamily(string name) => All.OfType<EnergyModelFamily>().First(f => f.Name == name);

    /// <summary>The rules that can train <paramref name="family"/>.</summary>
    public static IEnumerable<RuleInfo> RulesFor(ModelFamily family) =>
        LearningRules.All.Where(r => (family.Capabilities & r.Requires) == r.Requires);
}
