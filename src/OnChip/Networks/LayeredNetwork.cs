using OnChip.Dynamics;
using OnChip.Networks.Costs;
using OnChip.Networks.Interactions;
using OnChip.Networks.Layers;
using OnChip.Randomness;

namespace OnChip.Networks;

/// <summary>
/// What a model family builds: the layers (sizes, and how each takes its state), the interactions whose energies
/// sum to Φ, the cost, the parameters with their learning-rate groups, how to initialise them, and an optional
/// encoding of the data into the clamped input layer.
/// </summary>
internal sealed record NetworkParts(
    string Family,
    NetworkSpec Spec,
    int[] LayerSizes,
    LayerUpdate?[] Updates,
    IReadOnlyList<Parameter> Parameters,
    IReadOnlyList<Interaction> Interactions,
    CostFunction Cost,
    int GroupCount,
    Action<LayeredNetwork, Rng, float> Initializer)
{
    public InputEncoding? Input { get; init; }
    /// <summary>True when the training free phase starts from the previous batch's state instead of zero.</summary>
    public bool WarmStart { get; init; }
}

/// <summary>
/// An energy-based network, as in the house of Scellier's energy-based-learning: <i>layers</i> of state variables
/// (layer 0 the clamped input, each other layer with its own update and bounds, see <see cref="LayerUpdate"/>) and
/// <i>interactions</i> whose terms sum to the primitive function Φ = −E. The relaxation, every learning rule and
/// every tool only ask the interactions for ∂Φ/∂s (drives), curvatures and ∂Φ/∂θ; a model family (Hopfield layered
/// and conv nets, resistive networks) is just the parts it builds (<see cref="NetworkParts"/>).
/// Parameter names: W_n couples layer n to n+1, b_n is the bias of layer n (so W0, b1, W1, b2, … in every family).
/// </summary>
internal sealed class LayeredNetwork
{
    private readonly Interaction[][] _byLayer;
    private readonly LayerUpdate?[] _updates;
    private readonly Action<LayeredNetwork, Rng, float> _initializer;

    public LayeredNetwork(NetworkParts parts)
    {
        Family = parts.Family;
        Spec = parts.Spec;
        LayerSizes = parts.LayerSizes;
        if (LayerSizes.Length < 2) throw new ArgumentException("a network needs an input layer and at least one state layer");
        if (parts.Updates.Length != LayerSizes.Length) throw new ArgumentException("one layer update per layer (none for the input)");
        _updates = parts.Updates;
        for (int l = 1; l < LayerSizes.Length; l++)
            if (_updates[l] is null) throw new ArgumentException($"layer {l} has no update");
        Parameters = parts.Parameters;
        Interactions = parts.Interactions;
        Cost = parts.Cost;
        GroupCount = parts.GroupCount;
        InputEncoding = parts.Input;
        WarmStart = parts.WarmStart;
        _initializer = parts.Initializer;
        _byLayer = new Interaction[LayerSizes.Length][];
        for (int l = 0; l < LayerSizes.Length; l++) _byLayer[l] = Interactions.Where(i => i.Touches(l)).ToArray();
        NeedsCurvature = Enumerable.Range(1, LayerSizes.Length - 1).Any(l => _updates[l]!.NeedsCurvature);
    }

    /// <summary>The model family that built the network (its name in the registry).</summary>
    public string Family { get; }
    public NetworkSpec Spec { get; }
    /// <summary>How relaxations update the layers, for the free phase and evaluation.</summary>
    public Schedule Schedule { get; set; }
    /// <summary>How nudged phases update the layers (by default as <see cref="Schedule"/>).</summary>
    public Schedule? NudgedSchedule { get; set; }
    public Schedule ScheduleFor(float beta) => beta != 0f && NudgedSchedule is { } nudged ? nudged : Schedule;
    /// <summary>
    /// Where nudged phases add −β·∂ℓ/∂s to the cost's layer: false (the default), to its drive before the activation,
    /// s = σ(u − β∂ℓ/∂s), as the nudged energy Φ − βℓ says; true, to the activation's output, clipped to its range,
    /// s = clip(σ(u) − β∂ℓ/∂s), as Laydevant et al.'s binary EP code does (a unit saturated at 0 still feels its
    /// target). Only for fixed-point (activation) output layers.
    /// </summary>
    public bool NudgeAfterActivation { get; set; }
    public CostFunction Cost { get; }
    /// <summary>Sizes of the state layers, the clamped input (layer 0) included.</summary>
    public int[] LayerSizes { get; }
    public int LayerCount => LayerSizes.Length;
    /// <summary>Features per example the network reads (the input layer's size unless an encoding widens it).</summary>
    public int InputSize => InputEncoding?.Features ?? LayerSizes[0];
    public int ClassCount => Cost.ClassCount;
    /// <summary>Number of learning-rate groups (synaptic layers, a readout included).</summary>
    public int GroupCount { get; }
    public IReadOnlyList<Parameter> Parameters { get; }
    public IReadOnlyList<Interaction> Interactions { get; }
    public InputEncoding? InputEncoding { get; }
    /// <summary>True when the training free phase starts from the previous batch's state (evaluation always starts from 0).</summary>
    public bool WarmStart { get; }
    /// <summary>True when some layer's update divides by its curvature.</summary>
    public bool NeedsCurvature { get; }

    /// <summary>How layer <paramref name="layer"/> (≥ 1) takes its state.</summary>
    public LayerUpdate Update(int layer) => _updates[layer]!;

    public static bool IsClamped(int layer) => layer == 0;
    /// <summary>The interactions that touch <paramref name="layer"/>, in network order (an array: iterating it allocates nothing).</summary>
    public Interaction[] InteractionsOf(int layer) => _byLayer[layer];

    /// <summary>True when the drive of <paramref name="interaction"/> on <paramref name="layer"/> is constant during a relaxation.</summary>
    public static bool IsStaticDrive(Interaction interaction, int layer)
    {
        if (interaction.DriveDependsOnOwnLayer) return false;
        foreach (int other in interaction.Layers)
            if (other != layer && !IsClamped(other)) return false;
        return true;
    }

    public NetworkState CreateState(int capacity)
    {
        Cost.EnsureCapacity(capacity);
        return new NetworkState(LayerSizes, capacity, Enumerable.Range(0, LayerCount).Select(l => l > 0 && Update(l).HasAccumulator).ToArray());
    }

    public Parameter Parameter(string name) =>
        Parameters.FirstOrDefault(p => p.Name == name) ?? throw new ArgumentException($"no parameter named '{name}'");

    /// <summary>The family's initialisation, with weights scaled by <paramref name="scale"/>.</summary>
    public void Initialize(Rng rng, float scale = 1f) => _initializer(this, rng, scale);
}
