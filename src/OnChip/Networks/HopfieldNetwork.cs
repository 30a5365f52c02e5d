using OnChip.Networks.Convolution;
using OnChip.Networks.Costs;
using OnChip.Networks.Interactions;
using OnChip.Networks.Layers;
using OnChip.Randomness;

namespace OnChip.Networks;

/// <summary>
/// Builds the Hopfield-like networks of the EP literature ("prototypical" setting of Ernoult et al. 2019): input s0
/// clamped, state layers s1…sN updated by s ← σ(∂Φ/∂s), dense couplings W_n between s_n and s_{n+1}, biases b_n.
/// With the MSE cost the output layer sN is a state layer; with the cross-entropy readout the last coupling becomes
/// the readout and sN leaves the dynamics. A conv net (<see cref="NetworkSpec.Conv"/>) replaces the first couplings by
/// <see cref="ConvInteraction"/>s with per-channel biases; its image layers are stored channels-last (H, W, C).
/// The activation is one name for every state layer, or one per state layer joined by commas.
/// </summary>
internal static class HopfieldNetwork
{
    public static LayeredNetwork Create(NetworkSpec spec)
    {
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
        if (spec.OutputExpand < 1) throw new ArgumentException($"output-expand: expected at least 1 unit per class, got {spec.OutputExpand}");
        if (readout && spec.OutputExpand > 1) throw new ArgumentException("output-expand: expanded outputs are state units of the squared-error cost; the cross-entropy readout has none");
        int classes = archi[^1];
        // With expanded outputs the output layer holds k units per class.
        archi = [.. archi[..^1], classes * spec.OutputExpand];

        int stateLayers = readout ? archi.Length - 1 : archi.Length;
        var activations = Activations(spec.Activation, stateLayers - 1);
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
        CostFunction cost;
        if (readout)
        {
            int top = stateLayers - 1;
            var w = new Parameter($"W{top}", archi[^1], archi[top], group: top);
            var b = new Parameter($"b{top + 1}", 1, archi[^1], group: top);
            parameters.Add(w);
            parameters.Add(b);
            cost = new SoftmaxReadout(top, w, b);
        }
        else
        {
            cost = new SquaredError(stateLayers - 1, classes, spec.OutputExpand);
        }

        var updates = new LayerUpdate?[stateLayers];
        // A binary unit (binary EP) filters its drive in a real accumulator and emits H(a − ½); the others take s = σ(u).
        for (int l = 1; l < stateLayers; l++)
            updates[l] = activations[l - 1] is Activation.Heaviside step ? new AccumulatorUpdate(step) : new FixedPointUpdate(activations[l - 1]);
        string family = spec.Conv is null ? "layered" : "conv";
        return new LayeredNetwork(new NetworkParts(family, spec, archi[..stateLayers], updates, parameters, interactions, cost, archi.Length - 1, Initialize));
    }

    /// <summary>One activation per dynamic state layer from "name" or "name,name,…".</summary>
    private static Activation[] Activations(string text, int layers)
    {
        var names = text.Split(',', StringSplitOptions.TrimEntries);
        if (names.Length != 1 && names.Length != layers)
            throw new ArgumentException($"act: {names.Length} activations given for {layers} state layers (give one, or one per state layer)");
        return Enumerable.Range(0, layers).Select(l => Activation.Parse(names[names.Length == 1 ? 0 : l])).ToArray();
    }

    /// <summary>
    /// PyTorch's nn.Linear default, as in the reference EP code: W and b uniform in ±1/√fan_in, times <paramref name="scale"/>.
    /// </summary>
    private static void Initialize(LayeredNetwork network, Rng rng, float scale)
    {
        // fan-in of a group: the columns of its weight (lower-layer size for a dense W, k·k·Cin for a conv kernel)
        var fanIns = network.Parameters.Where(p => p.Name.StartsWith('W')).ToDictionary(p => p.Group, p => p.Value.Cols);
        foreach (var p in network.Parameters)
        {
            int fanIn = fanIns[p.Group];
            float bound = scale / MathF.Sqrt(fanIn);
            rng.FillUniform(p.Value.Span, -bound, bound);
        }
    }
}
