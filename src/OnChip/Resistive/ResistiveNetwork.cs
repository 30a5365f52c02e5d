using OnChip.Networks;
using OnChip.Networks.Costs;
using OnChip.Networks.Interactions;
using OnChip.Networks.Layers;
using OnChip.Randomness;

namespace OnChip.Resistive;

/// <summary>
/// Builds a deep resistive network (Kendall et al. 2020; Scellier, ICML 2024; Scellier &amp; Mishra 2025; the layout
/// of the authors' code, rain-neuromorphics/energy-based-learning): the input is every feature twice, ±g·x, as
/// voltage sources; each hidden layer of 2n nodes has its first n nodes behind a diode that keeps them in [0, ∞)
/// ("excitatory") and its last n behind one that keeps them in (−∞, 0] ("inhibitory"); the output nodes are linear;
/// consecutive layers are coupled by programmable resistors (<see cref="ResistiveInteraction"/>, g ≥ 0) and every
/// non-input node has a bias current source. Each node settles to the exact minimiser of its quadratic energy
/// (<see cref="BoxedQuadraticUpdate"/>); the cost ½‖y − o‖² is a conductance β to a source at the target.
/// <c>archi</c> names the features, the hidden sizes and the classes, e.g. 784-1024-10 (input layer 1568 nodes).
/// </summary>
internal static class ResistiveNetwork
{
    public const string Diode = "diode";

    public static LayeredNetwork Create(int[] archi, float inputGain)
    {
        if (archi.Length < 2) throw new ArgumentException("an architecture needs at least an input and an output size");
        if (!(inputGain > 0) || !float.IsFinite(inputGain)) throw new ArgumentException($"input-gain: must be a positive number, got {inputGain}");
        CheckHiddenSizes(archi);

        int layers = archi.Length;
        var sizes = archi.ToArray();
        sizes[0] = 2 * archi[0];
        var updates = new LayerUpdate?[layers];
        var parameters = new List<Parameter>();
        var interactions = new List<Interaction>();
        for (int n = 0; n + 1 < layers; n++)
        {
            var g = new Parameter($"W{n}", sizes[n + 1], sizes[n], group: n) { NonNegative = true };
            var b = new Parameter($"b{n + 1}", 1, sizes[n + 1], group: n);
            parameters.Add(g);
            parameters.Add(b);
            interactions.Add(new ResistiveInteraction(n, n + 1, g));
            interactions.Add(new BiasInteraction(n + 1, b));
        }
        for (int l = 1; l < layers; l++) updates[l] = l < layers - 1 ? DiodeLayer(sizes[l]) : LinearLayer(sizes[l]);
        var spec = new NetworkSpec(archi, Diode, "mse");
        return new LayeredNetwork(new NetworkParts(Family, spec, sizes, updates, parameters, interactions,
            new SquaredError(layers - 1, archi[^1]), layers - 1, Initialize)
        {
            Input = new DoubledInput(archi[0], inputGain),
            WarmStart = true,
        })
        {
            // The published protocol: forward sweeps in the free phase and at inference, backward in the nudged phases.
            Schedule = Dynamics.Schedule.Forward,
            NudgedSchedule = Dynamics.Schedule.Backward,
        };
    }

    public const string Family = "resistive";

    /// <summary>Every hidden layer pairs excitatory and inhibitory nodes, so its size must be even.</summary>
    public static void CheckHiddenSizes(int[] archi)
    {
        for (int l = 1; l < archi.Length - 1; l++)
            if (archi[l] % 2 != 0)
                throw new ArgumentException($"archi: hidden layer {l} has {archi[l]} nodes; a resistive hidden layer pairs excitatory and inhibitory nodes, so its size must be even (e.g. {archi[l] + 1})");
    }

    /// <summary>The input gain a network was built with.</summary>
    public static float InputGain(LayeredNetwork network) => ((DoubledInput)network.InputEncoding!).Gain;

    /// <summary>2n nodes: the first n clipped to [0, ∞), the last n to (−∞, 0].</summary>
    private static BoxedQuadraticUpdate DiodeLayer(int size)
    {
        var lower = new float[size];
        var upper = new float[size];
        for (int i = 0; i < size; i++)
        {
            bool excitatory = i < size / 2;
            lower[i] = excitatory ? 0f : float.NegativeInfinity;
            upper[i] = excitatory ? float.PositiveInfinity : 0f;
        }
        return new BoxedQuadraticUpdate(Diode, lower, upper);
    }

    private static BoxedQuadraticUpdate LinearLayer(int size) =>
        new("linear", Enumerable.Repeat(float.NegativeInfinity, size).ToArray(), Enumerable.Repeat(float.PositiveInfinity, size).ToArray());

    /// <summary>
    /// As published: conductances uniform in ±scale/√fan_in (fan_in: the nodes of the lower layer, the doubled input
    /// for the first) then clamped at 0, so about half start at 0; biases 0.
    /// </summary>
    private static void Initialize(LayeredNetwork network, Rng rng, float scale)
    {
        foreach (var p in network.Parameters)
        {
            if (!p.NonNegative)
            {
                p.Value.Clear();
                continue;
            }
            float bound = scale / MathF.Sqrt(p.Value.Cols);
            rng.FillUniform(p.Value.Span, -bound, bound);
            System.Numerics.Tensors.TensorPrimitives.Max(p.Value.Span, 0f, p.Value.Span);
        }
    }
}
