using OnChip.Networks.Convolution;
using OnChip.Networks.Costs;
using OnChip.Networks.Interactions;
using OnChip.Randomness;

namespace OnChip.Networks;

/// <summary>
/// A layered energy-based network ("prototypical" setting of Ernoult et al. 2019): input s0 clamped, state layers
/// s1…sN, dense couplings W_n between s_n and s_{n+1}, biases b_n. With the MSE cost the output layer sN is a state
/// layer; with the cross-entropy readout the last coupling becomes the readout and sN leaves the dynamics.
/// A conv net (<see cref="NetworkSpec.Conv"/>) replaces the first couplings by <see cref="ConvInteraction"/>s with
/// per-channel biases; its image layers are stored channels-last (H, W, C), the input as the dataset gives it.
/// Parameter names: W_n couples layer n to n+1, b_n is the bias of layer n (so W0, b1, W1, b2, … for any cost).
/// </summary>
public sealed class LayeredNetwork
{
    private readonly List<Interaction>[] _byLayer;

    public LayeredNetwork(NetworkSpec spec)
    {
        Spec = spec;
        Activation = Activation.Parse(spec.Activation);
        var archi = spec.Archi;
        if (archi.Length < 2) throw new ArgumentException("an architecture needs at least an input and an output size");
        bool readout = spec.Loss switch
        {
            "mse" => false,
            "ce" => true,
            _ => throw new ArgumentException($"unknown loss '{spec.Loss}' (expected one of: {string.Join(", ", CostFunction.Names)})"),
        };
        if (readout && archi.Length < 3)
            throw new ArgumentException("the cross-entropy readout needs at least one hidden layer (e.g. 784-512-10)");

        int stateLayers = readout ? archi.Length - 1 : archi.Length;
        LayerSizes = archi[..stateLayers];
        var parameters = new List<Parameter>();
        var interactions = new List<Interaction>();
        var convs = spec.Conv?.Geometries() ?? [];
        if (convs.Count > stateLayers - 1)
            throw new ArgumentException($"fc: with {spec.Loss} the conv layers need a state layer above them (add an fc size)");
        for (int n = 0; n + 1 < stateLayers; n++)
        {
            if (n < convs.Count)
            {
                // A conv layer: kernel W_n (Cout × k·k·Cin) and one bias per output channel.
                var g = convs[n];
                var kernel = new Parameter($"W{n}", g.OutChannels, g.PatchSize, group: n);
                var bias = new Parameter($"b{n + 1}", 1, g.OutChannels, group: n);
                parameters.Add(kernel);
                parameters.Add(bias);
                interactions.Add(new ConvInteraction(n, n + 1, kernel, g));
                interactions.Add(new ChannelBiasInteraction(n + 1, bias, g.OutHeight * g.OutWidth));
                continue;
            }
            var w = new Parameter($"W{n}", archi[n + 1], archi[n], group: n);
            var b = new Parameter($"b{n + 1}", 1, archi[n + 1], group: n);
            parameters.Add(w);
            parameters.Add(b);
            interactions.Add(new DenseInteraction(n, n + 1, w, lowerIsClamped: n == 0));
            interactions.Add(new BiasInteraction(n + 1, b));
        }
        if (readout)
        {
            int top = stateLayers - 1;
            var w = new Parameter($"W{top}", archi[^1], archi[top], group: top);
            var b = new Parameter($"b{top + 1}", 1, archi[^1], group: top);
            parameters.Add(w);
            parameters.Add(b);
            Cost = new SoftmaxReadout(top, w, b);
        }
        else
        {
            Cost = new SquaredError(stateLayers - 1, archi[^1]);
        }

        Parameters = parameters;
        Interactions = interactions;
        _byLayer = new List<Interaction>[stateLayers];
        for (int l = 0; l < stateLayers; l++) _byLayer[l] = interactions.Where(i => i.Touches(l)).ToList();
    }

    public NetworkSpec Spec { get; }
    /// <summary>How relaxations update the layers (a property of the dynamics, not of Φ: equilibria are the same).</summary>
    public Dynamics.UpdateOrder UpdateOrder { get; set; }
    public Activation Activation { get; }
    public CostFunction Cost { get; }
    /// <summary>Sizes of the state layers, the clamped input (layer 0) included.</summary>
    public int[] LayerSizes { get; }
    public int LayerCount => LayerSizes.Length;
    public int InputSize => LayerSizes[0];
    public int ClassCount => Cost.ClassCount;
    /// <summary>Number of synaptic layers (learning-rate groups): W0 … W_{N−1}, the readout included.</summary>
    public int GroupCount => Spec.Archi.Length - 1;
    public IReadOnlyList<Parameter> Parameters { get; }
    public IReadOnlyList<Interaction> Interactions { get; }

    public static bool IsClamped(int layer) => layer == 0;
    public IReadOnlyList<Interaction> InteractionsOf(int layer) => _byLayer[layer];

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
        return new NetworkState(LayerSizes, capacity);
    }

    public Parameter Parameter(string name) =>
        Parameters.FirstOrDefault(p => p.Name == name) ?? throw new ArgumentException($"no parameter named '{name}'");

    /// <summary>
    /// PyTorch's nn.Linear default, as in the reference EP code: W and b uniform in ±1/√fan_in, times <paramref name="scale"/>.
    /// </summary>
    public void Initialize(Rng rng, float scale = 1f)
    {
        // fan-in of a group: the columns of its weight (lower-layer size for a dense W, k·k·Cin for a conv kernel)
        var fanIns = Parameters.Where(p => p.Name.StartsWith('W')).ToDictionary(p => p.Group, p => p.Value.Cols);
        foreach (var p in Parameters)
        {
            int fanIn = fanIns[p.Group];
            float bound = scale / MathF.Sqrt(fanIn);
            rng.FillUniform(p.Value.Span, -bound, bound);
        }
    }
}
