using OnChip.Learning;
using OnChip.Data;
using OnChip.Networks;
using OnChip.Networks.Convolution;
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
    /// <summary>Conv nets (--model conv): output channels per conv layer; kernels, pools, paddings, strides give one value per conv layer.</summary>
    public string Channels { get; set; } = "32-64";
    public string Kernels { get; set; } = "5-5";
    public string Pools { get; set; } = "mm";
    /// <summary>Zero padding per conv layer (default: 0 for every layer).</summary>
    public string? Paddings { get; set; }
    /// <summary>Convolution stride per conv layer (default: 1 for every layer).</summary>
    public string? Strides { get; set; }
    /// <summary>Fully connected sizes after the conv layers; the last is the output (readout with CE).</summary>
    public string Fc { get; set; } = "10";
    /// <summary>Per-channel standardisation of the inputs with training-set statistics.</summary>
    public bool Normalize { get; set; }
    /// <summary>Random crops (zero padding <see cref="CropPadding"/>) and horizontal flips of training images.</summary>
    public bool Augment { get; set; }
    public int CropPadding { get; set; } = 4;
    /// <summary>Layer update order of the relaxation: sync (all layers at once) or async (odd then even layers, Scellier 2023).</summary>
    public string UpdateOrder { get; set; } = "sync";
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
    public NetworkSpec NetworkSpec => Model == "conv"
        ? throw new InvalidOperationException("a conv net's sizes depend on the data: use NetworkSpecFor")
        : new(ArchiSizes, Act, Loss);
    public bool IsConv => Model == "conv";

    /// <summary>The network in a few words, for progress output.</summary>
    public string NetworkText => IsConv
        ? $"conv channels {Channels} kernels {Kernels} pools {Pools}{(Paddings is null ? "" : $" paddings {Paddings}")}{(Strides is null ? "" : $" strides {Strides}")} fc {Fc}"
        : Archi;

    /// <summary>The network for images shaped like <paramref name="data"/>'s (conv nets take their input shape from the data).</summary>
    public NetworkSpec NetworkSpecFor(Dataset data) => NetworkSpecFor(data.Channels, data.Height, data.Width);

    public NetworkSpec NetworkSpecFor(int channels, int height, int width)
    {
        if (!IsConv) return NetworkSpec;
        try { return NetworkSpec.Convolutional(ConvSpecFor(channels, height, width), Act, Loss); }
        catch (ArgumentException e) { throw new ConfigException(e.Message); }
    }

    /// <summary>The conv layers for an input of the given shape; throws ArgumentException with a one-line message.</summary>
    public ConvSpec ConvSpecFor(int channels, int height, int width)
    {
        var ch = ConvSpec.ParseList("channels", Channels, 1);
        int n = ch.Length;
        return new ConvSpec(channels, height, width, ch, ConvSpec.ParseList("kernels", Kernels, 1), ConvSpec.ParsePools(Pools),
            Paddings is null ? new int[n] : ConvSpec.ParseList("paddings", Paddings, 0),
            Strides is null ? Enumerable.Repeat(1, n).ToArray() : ConvSpec.ParseList("strides", Strides, 1),
            ConvSpec.ParseList("fc", Fc, 1));
    }

    /// <summary>Number of synaptic layers (learning-rate groups) without building the network.</summary>
    private int GroupCount(int[] denseSizes) => IsConv
        ? ConvSpec.ParseList("channels", Channels, 1).Length + ConvSpec.ParseList("fc", Fc, 1).Length
        : denseSizes.Length - 1;
    public PhaseSettings Phases => new(Beta, T1, T2, BpttSteps);

    /// <summary>Learning rate of every synaptic layer: one value for all, or one per layer.</summary>
    public float[] LearningRates(int groups)
    {
        if (Lr.Length == 1) return Enumerable.Repeat(Lr[0], groups).ToArray();
        if (Lr.Length == groups) return (float[])Lr.Clone();
        throw new ConfigException($"lr: {Lr.Length} values given, but the {(IsConv ? $"conv net ({Channels} channels, fc {Fc})" : $"architecture {Archi}")} has {groups} synaptic layers (give one value or {groups})");
    }

    /// <summary>Checks that the settings make sense together (single values are checked as they are parsed).</summary>
    public void Validate()
    {
        Devices.ResolveAuto(Rule);
        bool feedForwardRule = FeedForwardRules.Contains(Rule);
        if (Model == "feedforward" && !feedForwardRule)
            throw new ConfigException($"rule: a feed-forward network trains with {string.Join(" or ", FeedForwardRules)}, not '{Rule}'");
        if (Model is "layered" or "conv" && feedForwardRule)
            throw new ConfigException($"rule: {Rule} trains feed-forward networks; add --model feedforward (or choose an energy-based rule: {string.Join(", ", LearningRule.Names)})");
        int[] sizes;
        try { sizes = ArchiSizes; }
        catch (ArgumentException e) { throw new ConfigException($"archi: {e.Message}"); }
        if (IsConv)
        {
            // List lengths are checked here; spatial sizes once the data's image shape is known (NetworkSpecFor).
            try { ConvSpecFor(1, 1, 1).Geometries(); }
            catch (ArgumentException e) when (!e.Message.StartsWith("conv layer", StringComparison.Ordinal)) { throw new ConfigException(e.Message); }
            catch (ArgumentException) { }
        }
        else if (Loss == "ce" && sizes.Length < 3)
            throw new ConfigException($"archi: the cross-entropy readout needs a hidden layer, e.g. 784-512-10 (got {Archi})");
        LearningRates(GroupCount(sizes));
        if (!Devices.IsIdeal)
        {
            var spec = Devices.ResolveSpec();
            Devices.ResolveProgramming(spec);
        }
        if (UpdateOrder != "sync" && Rule is "bptt" or "rbp")
            throw new ConfigException($"update-order: {Rule} differentiates the synchronous dynamics; use --update-order sync (async works with {string.Join(", ", LearningRule.Names.Where(n => n is not ("bptt" or "rbp")))})");
        if (BpttSteps > T1) throw new ConfigException($"bptt-steps: {BpttSteps} is more than the {T1} free-phase steps (t1); use at most {T1}");
    }

    public static IReadOnlyList<string> Models { get; } = ["layered", "conv", "feedforward"];
    public static IReadOnlyList<string> FeedForwardRules { get; } = ["bp", "progressive-bp"];
    public static IReadOnlyList<string> AllRules { get; } = [.. LearningRule.Names, .. FeedForwardRules];

    /// <summary>Keeps <paramref name="value"/> if <paramref name="parse"/> accepts it (its message already names the key).</summary>
    private static string Checked(string value, Func<string, object> parse)
    {
        try { parse(value); }
        catch (ArgumentException e) { throw new ConfigException(e.Message); }
        return value;
    }

    public TrainingConfig Clone()
    {
        var copy = (TrainingConfig)MemberwiseClone();
        copy.Devices = Devices.Clone();
        copy.Lr = (float[])Lr.Clone();
        return copy;
    }

    public static IReadOnlyList<ConfigKey<TrainingConfig>> Keys { get; } =
    [
        new("data", "dataset: embedded (ships with OnChip), fashion-mnist, mnist, cifar10, cifar100, or a directory of IDX or CIFAR binary files",
            (c, v) => c.Data = v.Length > 0 ? v : throw new ConfigException("data: must not be empty"), c => c.Data),
        new("archi", "layer sizes from input to output, e.g. 784-512-10 or 784-256-256-10",
            (c, v) => { NetworkSpec.ParseArchi(v); c.Archi = v; }, c => c.Archi),
        new("act", "neuron activation: " + string.Join("|", Activation.Names),
            (c, v) => c.Act = Choice("act", v, Activation.Names), c => c.Act),
        new("loss", "mse (output layer in the dynamics) or ce (softmax readout, Laborieux et al. 2021)",
            (c, v) => c.Loss = Choice("loss", v, CostFunction.Names), c => c.Loss),
        new("model", "layered (energy-based network: EP rules, bptt, rbp), conv (energy-based conv net, see --channels) or feedforward (bp, progressive-bp)",
            (c, v) => c.Model = Choice("model", v, Models), c => c.Model),
        new("update-order", "relaxation order: sync (every layer from the previous step) or async (odd layers, then even layers: Scellier et al. 2023, far fewer steps)",
            (c, v) => c.UpdateOrder = Choice("update-order", v, Dynamics.UpdateOrders.Names), c => c.UpdateOrder),
        new("normalize", "standardise each input channel with the training set's mean and standard deviation (saved with the model)",
            (c, v) => c.Normalize = Bool("normalize", v), c => c.Normalize ? "true" : "false", isFlag: true),
        new("augment", "augment training images: random crop of the image zero-padded by crop-padding pixels, and horizontal flip",
            (c, v) => c.Augment = Bool("augment", v), c => c.Augment ? "true" : "false", isFlag: true),
        new("crop-padding", "augment: padding of the random crop in pixels (0: flips only)",
            (c, v) => c.CropPadding = Int("crop-padding", v, 0, 64), c => c.CropPadding.ToString()),
        new("channels", "conv: output channels per conv layer, e.g. 32-64 or 128-256-512-512",
            (c, v) => c.Channels = Checked(v, x => ConvSpec.ParseList("channels", x, 1)), c => c.Channels),
        new("kernels", "conv: kernel size per conv layer, e.g. 5-5", (c, v) => c.Kernels = Checked(v, x => ConvSpec.ParseList("kernels", x, 1)), c => c.Kernels),
        new("pools", "conv: pooling per conv layer, one letter each: m (2x2 max), a (2x2 average), i (none), e.g. mm",
            (c, v) => c.Pools = Checked(v, x => ConvSpec.ParsePools(x)), c => c.Pools),
        new("paddings", "conv: zero padding per conv layer, e.g. 1-1-1-0 (default 0)",
            (c, v) => c.Paddings = Checked(v, x => ConvSpec.ParseList("paddings", x, 0)), c => c.Paddings),
        new("strides", "conv: convolution stride per conv layer (default 1)",
            (c, v) => c.Strides = Checked(v, x => ConvSpec.ParseList("strides", x, 1)), c => c.Strides),
        new("fc", "conv: fully connected sizes after the conv layers, the last being the output, e.g. 10 or 256-10",
            (c, v) => c.Fc = Checked(v, x => ConvSpec.ParseList("fc", x, 1)), c => c.Fc),
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
