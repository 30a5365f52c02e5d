using OnChip.Learning;
using OnChip.Networks;
using OnChip.Networks.Costs;
using OnChip.Optimizers;
using static OnChip.Configuration.ConfigParse;

namespace OnChip.Configuration;

/// <summary>
/// Every setting of a training run. Defaults are the reference configuration of the EP literature on
/// Fashion-MNIST (784-512-10, mysig, MSE, Adam 5e-4, β = 0.1, T1 = 30, T2 = 10, batch 50), on the embedded data.
/// </summary>
public sealed class TrainingConfig
{
    public string Data { get; set; } = "embedded";
    public string Archi { get; set; } = "784-512-10";
    public string Act { get; set; } = "mysig";
    public string Loss { get; set; } = "mse";
    public string Model { get; set; } = "layered";
    public string Rule { get; set; } = "ep";
    public float Beta { get; set; } = 0.1f;
    public int T1 { get; set; } = 30;
    public int T2 { get; set; } = 10;
    /// <summary>BPTT truncation K (default: T2).</summary>
    public int? BpttSteps { get; set; }
    public int Batch { get; set; } = 50;
    public int Epochs { get; set; } = 5;
    public string Optim { get; set; } = "adam";
    public float[] Lr { get; set; } = [5e-4f];
    public float Momentum { get; set; }
    public float Wd { get; set; }
    public bool Cosine { get; set; }
    public float InitScale { get; set; } = 1f;
    public ulong Seed { get; set; }
    public int? TrainLimit { get; set; }
    public int? TestLimit { get; set; }
    public int Threads { get; set; } = Environment.ProcessorCount;
    public string? Out { get; set; }
    /// <summary>Where the weights live: ideal storage or device arrays (see <see cref="DeviceConfig"/>).</summary>
    public DeviceConfig Devices { get; private set; } = new();

    public int[] ArchiSizes => NetworkSpec.ParseArchi(Archi);
    public NetworkSpec NetworkSpec => new(ArchiSizes, Act, Loss);
    public PhaseSettings Phases => new(Beta, T1, T2, BpttSteps);

    /// <summary>Learning rate of every synaptic layer: one value for all, or one per layer.</summary>
    public float[] LearningRates(int groups)
    {
        if (Lr.Length == 1) return Enumerable.Repeat(Lr[0], groups).ToArray();
        if (Lr.Length == groups) return (float[])Lr.Clone();
        throw new ConfigException($"lr: {Lr.Length} values given, but the architecture {Archi} has {groups} synaptic layers (give one value or {groups})");
    }

    /// <summary>Checks that the settings make sense together (single values are checked as they are parsed).</summary>
    public void Validate()
    {
        Devices.ResolveAuto(Rule);
        bool feedForwardRule = FeedForwardRules.Contains(Rule);
        if (Model == "feedforward" && !feedForwardRule)
            throw new ConfigException($"rule: a feed-forward network trains with {string.Join(" or ", FeedForwardRules)}, not '{Rule}'");
        if (Model == "layered" && feedForwardRule)
            throw new ConfigException($"rule: {Rule} trains feed-forward networks; add --model feedforward (or choose an energy-based rule: {string.Join(", ", LearningRule.Names)})");
        int[] sizes;
        try { sizes = ArchiSizes; }
        catch (ArgumentException e) { throw new ConfigException($"archi: {e.Message}"); }
        if (Loss == "ce" && sizes.Length < 3)
            throw new ConfigException($"archi: the cross-entropy readout needs a hidden layer, e.g. 784-512-10 (got {Archi})");
        LearningRates(sizes.Length - 1);
        if (!Devices.IsIdeal)
        {
            var spec = Devices.ResolveSpec();
            Devices.ResolveProgramming(spec);
        }
        if (BpttSteps > T1) throw new ConfigException($"bptt-steps: {BpttSteps} is more than the {T1} free-phase steps (t1); use at most {T1}");
    }

    public static IReadOnlyList<string> Models { get; } = ["layered", "feedforward"];
    public static IReadOnlyList<string> FeedForwardRules { get; } = ["bp", "progressive-bp"];
    public static IReadOnlyList<string> AllRules { get; } = [.. LearningRule.Names, .. FeedForwardRules];

    public TrainingConfig Clone()
    {
        var copy = (TrainingConfig)MemberwiseClone();
        copy.Devices = Devices.Clone();
        copy.Lr = (float[])Lr.Clone();
        return copy;
    }

    public static IReadOnlyList<ConfigKey<TrainingConfig>> Keys { get; } =
    [
        new("data", "dataset: embedded (ships with OnChip), fashion-mnist, mnist, or a directory of IDX files",
            (c, v) => c.Data = v.Length > 0 ? v : throw new ConfigException("data: must not be empty"), c => c.Data),
        new("archi", "layer sizes from input to output, e.g. 784-512-10 or 784-256-256-10",
            (c, v) => { NetworkSpec.ParseArchi(v); c.Archi = v; }, c => c.Archi),
        new("act", "neuron activation: " + string.Join("|", Activation.Names),
            (c, v) => c.Act = Choice("act", v, Activation.Names), c => c.Act),
        new("loss", "mse (output layer in the dynamics) or ce (softmax readout, Laborieux et al. 2021)",
            (c, v) => c.Loss = Choice("loss", v, CostFunction.Names), c => c.Loss),
        new("model", "layered (energy-based network: EP rules, bptt, rbp) or feedforward (bp, progressive-bp)",
            (c, v) => c.Model = Choice("model", v, Models), c => c.Model),
        new("rule", "learning rule: " + string.Join("|", AllRules),
            (c, v) => c.Rule = Choice("rule", v, AllRules), c => c.Rule),
        new("beta", "nudging strength β > 0 (the sign is set by the rule)",
            (c, v) => c.Beta = Float("beta", v, 0f, exclusiveMin: true), c => Format(c.Beta)),
        new("t1", "free-phase steps", (c, v) => c.T1 = Int("t1", v, 1), c => c.T1.ToString()),
        new("t2", "nudged-phase steps (rbp: adjoint relaxation steps)", (c, v) => c.T2 = Int("t2", v, 1), c => c.T2.ToString()),
        new("bptt-steps", "bptt: backpropagate through the last K free-phase steps (default: t2; t1 = the full unroll)",
            (c, v) => c.BpttSteps = Int("bptt-steps", v, 1), c => c.BpttSteps?.ToString()),
        new("batch", "mini-batch size", (c, v) => c.Batch = Int("batch", v, 1, 100_000), c => c.Batch.ToString()),
        new("epochs", "passes over the training set", (c, v) => c.Epochs = Int("epochs", v, 1, 1_000_000), c => c.Epochs.ToString()),
        new("optim", "optimizer: sgd or adam", (c, v) => c.Optim = Choice("optim", v, Optimizer.Names), c => c.Optim),
        new("lr", "learning rate: one value, or one per synaptic layer (e.g. 0.1,0.05)",
            (c, v) => c.Lr = FloatList("lr", v, 0f, exclusiveMin: true), c => Format(c.Lr)),
        new("momentum", "SGD momentum in [0, 1)", (c, v) => c.Momentum = Float("momentum", v, 0f, max: 0.999999f), c => Format(c.Momentum)),
        new("wd", "weight decay (L2, added to the gradient)", (c, v) => c.Wd = Float("wd", v, 0f), c => Format(c.Wd)),
        new("cosine", "cosine-annealed learning rate over the epochs (to 1e-5)",
            (c, v) => c.Cosine = Bool("cosine", v), c => c.Cosine ? "true" : "false", isFlag: true),
        new("init-scale", "scale of the initial weights (PyTorch's ±1/√fan_in times this)",
            (c, v) => c.InitScale = Float("init-scale", v, 0f, exclusiveMin: true), c => Format(c.InitScale)),
        new("seed", "random seed (initial weights, data order, random signs)", (c, v) => c.Seed = Seed("seed", v), c => c.Seed.ToString()),
        new("train-limit", "use only the first N training examples",
            (c, v) => c.TrainLimit = Int("train-limit", v, 1), c => c.TrainLimit?.ToString()),
        new("test-limit", "use only the first N test examples",
            (c, v) => c.TestLimit = Int("test-limit", v, 1), c => c.TestLimit?.ToString()),
        new("threads", "worker threads (default: all cores); results are reproducible for a given seed and thread count",
            (c, v) => c.Threads = Int("threads", v, 1, 1024), c => c.Threads.ToString()),
        new("out", "run directory (default runs/<timestamp>)", (c, v) => c.Out = v, c => c.Out),
        .. DeviceConfig.Keys.Select(k => k.For<TrainingConfig>(c => c.Devices)),
    ];
}
