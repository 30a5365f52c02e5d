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
/// A model family may choose its own defaults for the settings in <see cref="FamilyDefaultKeys"/>
/// (<see cref="Models.ModelFamily.Defaults"/>: <c>--model conv</c> defaults to the recipe that reaches 91% on
/// Fashion-MNIST); a value that is set (property, YAML key or flag) always wins, whatever the model.
/// </summary>
public sealed class TrainingConfig
{
    /// <summary>The settings whose default a model family may choose (<see cref="Models.ModelFamily.Defaults"/>).</summary>
    public static IReadOnlyList<string> FamilyDefaultKeys { get; } =
        ["act", "loss", "rule", "schedule", "normalize", "beta", "batch", "epochs", "optim", "lr", "momentum", "cosine"];

    // Settings a family may default: null until set, then read through the model family's defaults.
    private string? _act, _loss, _rule, _schedule, _optim;
    private bool? _normalize, _cosine;
    private float? _beta, _momentum;
    private int? _batch, _epochs;
    private float[]? _lr;

    /// <summary>The dataset: <c>embedded</c>, <c>fashion-mnist</c>, <c>mnist</c>, <c>cifar10</c>, <c>cifar100</c>, or a directory of IDX or CIFAR files.</summary>
    public string Data { get; set; } = "embedded";
    /// <summary>Layer sizes from input to output, e.g. <c>784-512-10</c>.</summary>
    public string Archi { get; set; } = "784-512-10";
    /// <summary>Neuron activation, one for every state layer or one per state layer joined by commas.</summary>
    public string Act { get => _act ?? FamilyDefaults?._act ?? "mysig"; set => _act = value; }
    /// <summary><c>mse</c> (the output layer is in the dynamics) or <c>ce</c> (softmax readout).</summary>
    public string Loss { get => _loss ?? FamilyDefaults?._loss ?? "mse"; set => _loss = value; }
    /// <summary>The model family: <c>layered</c>, <c>conv</c>, <c>resistive</c> or <c>feedforward</c>.</summary>
    public string Model { get; set; } = "layered";
    /// <summary>The learning rule (see <see cref="OnChip.Rule.Names"/>).</summary>
    public string Rule { get => _rule ?? FamilyDefaults?._rule ?? "ep"; set => _rule = value; }
    /// <summary>Conv nets (--model conv): output channels per conv layer; kernels, pools, paddings, strides give one value per conv layer.</summary>
    public string Channels { get; set; } = "32-64";
    /// <summary>Conv nets: kernel size per conv layer.</summary>
    public string Kernels { get; set; } = "5-5";
    /// <summary>Conv nets: pooling per conv layer (<c>m</c> max, <c>a</c> average, <c>i</c> identity).</summary>
    public string Pools { get; set; } = "mm";
    /// <summary>Zero padding per conv layer (default: 0 for every layer).</summary>
    public string? Paddings { get; set; }
    /// <summary>Convolution stride per conv layer (default: 1 for every layer).</summary>
    public string? Strides { get; set; }
    /// <summary>Fully connected sizes after the conv layers; the last is the output (readout with CE).</summary>
    public string Fc { get; set; } = "10";
    /// <summary>Per-channel standardisation of the inputs with training-set statistics.</summary>
    public bool Normalize { get => _normalize ?? FamilyDefaults?._normalize ?? false; set => _normalize = value; }
    /// <summary>Random crops (zero padding <see cref="CropPadding"/>) and horizontal flips of training images.</summary>
    public bool Augment { get; set; }
    /// <summary>Zero padding of the random crops of <see cref="Augment"/>.</summary>
    public int CropPadding { get; set; } = 4;
    /// <summary>Relaxation schedule of the free phase and evaluation: sync, async, forward or backward (null: the model's default).</summary>
    public string? Schedule { get => _schedule ?? FamilyDefaults?._schedule; set => _schedule = value; }
    /// <summary>Relaxation schedule of the nudged phases (null: the model's default, else as <see cref="Schedule"/>).</summary>
    public string? NudgedSchedule { get; set; }
    /// <summary>Where nudged phases add the nudge to the output units: "drive" (before the activation) or "state" (after it).</summary>
    public string Nudge { get; set; } = "drive";
    /// <summary>Resistive networks: the input voltages are ±InputGain·x (null: the family's default).</summary>
    public float? InputGain { get; set; }
    /// <summary>Every learning rate is multiplied by this after every epoch (1: constant).</summary>
    public float LrDecay { get; set; } = 1f;
    /// <summary>Nudging strength β (holomorphic EP: its modulus).</summary>
    public float Beta { get => _beta ?? FamilyDefaults?._beta ?? 0.1f; set => _beta = value; }
    /// <summary>Relaxation steps of the free phase (and of evaluation).</summary>
    public int T1 { get; set; } = 30;
    /// <summary>Relaxation steps of each nudged phase.</summary>
    public int T2 { get; set; } = 10;
    /// <summary>BPTT truncation K (default: T2).</summary>
    public int? BpttSteps { get; set; }
    /// <summary>σ of the Gaussian noise on every unit's input at every training relaxation step (0: none).</summary>
    public float StateNoise { get; set; }
    /// <summary>Output units per class (squared error): the output layer has k·classes units, averaged per class.</summary>
    public int OutputExpand { get; set; } = 1;
    /// <summary>Points N on the circle of holomorphic EP's nudges (rule hep).</summary>
    public int Points { get; set; } = 4;
    /// <summary>Mini-batch size.</summary>
    public int Batch { get => _batch ?? FamilyDefaults?._batch ?? 50; set => _batch = value; }
    /// <summary>Epochs to train.</summary>
    public int Epochs { get => _epochs ?? FamilyDefaults?._epochs ?? 5; set => _epochs = value; }
    /// <summary>The optimizer: <c>sgd</c> or <c>adam</c>.</summary>
    public string Optim { get => _optim ?? FamilyDefaults?._optim ?? "adam"; set => _optim = value; }
    /// <summary>One learning rate, or one per synaptic layer (a family's default is returned as a fresh copy).</summary>
    public float[] Lr { get => _lr ?? (float[]?)FamilyDefaults?._lr?.Clone() ?? [5e-4f]; set => _lr = value; }
    /// <summary>SGD momentum.</summary>
    public float Momentum { get => _momentum ?? FamilyDefaults?._momentum ?? 0f; set => _momentum = value; }
    /// <summary>Weight decay.</summary>
    public float Wd { get; set; }
    /// <summary>Cosine annealing of the learning rates over the run.</summary>
    public bool Cosine { get => _cosine ?? FamilyDefaults?._cosine ?? false; set => _cosine = value; }
    /// <summary>Multiplies the initial weights.</summary>
    public float InitScale { get; set; } = 1f;
    /// <summary>Seed of every random stream: the same seed and thread count give the same results.</summary>
    public ulong Seed { get; set; }
    /// <summary>Train on the first N training examples only (null: all); the trainer applies it.</summary>
    public int? TrainLimit { get; set; }
    /// <summary>Test on the first N test examples only (null: all); the trainer applies it.</summary>
    public int? TestLimit { get; set; }
    /// <summary>Worker threads (default: every core).</summary>
    public int Threads { get; set; } = Environment.ProcessorCount;
    /// <summary>The run directory <see cref="Training.TrainingRun"/> writes (null: a new one under runs/).</summary>
    public string? Out { get; set; }
    /// <summary>Where the weights live: ideal storage or device arrays (see <see cref="DeviceConfig"/>).</summary>
    public DeviceConfig Devices { get; private set; } = new();

    /// <summary>
    /// The settings <see cref="Model"/>'s family chooses for itself, as a config holding only them (null when the
    /// family keeps the shared defaults, or <see cref="Model"/> names no family).
    /// </summary>
    private TrainingConfig? FamilyDefaults => DefaultsByFamily.Value.GetValueOrDefault(Model);

    internal int[] ArchiSizes => NetworkSpec.ParseArchi(Archi);
    internal NetworkSpec NetworkSpec => IsConv
        ? throw new InvalidOperationException("a conv net's sizes depend on the data: use NetworkSpecFor")
        : new(ArchiSizes, Act, Loss, OutputExpand: OutputExpand);
    /// <summary>The model family <see cref="Model"/> names.</summary>
    internal OnChip.Models.ModelFamily Family => OnChip.Models.ModelFamilies.Get(Model);
    internal bool IsConv => Family is OnChip.Models.HopfieldFamily { Convolutional: true };

    /// <summary>The network in a few words, for progress output.</summary>
    public string NetworkText => Family.Describe(this);

    /// <summary>The network for images shaped like <paramref name="data"/>'s (conv nets take their input shape from the data).</summary>
    internal NetworkSpec NetworkSpecFor(Dataset data) => NetworkSpecFor(data.Channels, data.Height, data.Width);

    internal NetworkSpec NetworkSpecFor(int channels, int height, int width)
    {
        if (!IsConv) return NetworkSpec;
        try { return NetworkSpec.Convolutional(ConvSpecFor(channels, height, width), Act, Loss, OutputExpand); }
        catch (ArgumentException e) { throw new ConfigException(e.Message); }
    }

    /// <summary>The conv layers for an input of the given shape; throws ArgumentException with a one-line message.</summary>
    internal ConvSpec ConvSpecFor(int channels, int height, int width)
    {
        var ch = ConvSpec.ParseList("channels", Channels, 1);
        int n = ch.Length;
        return new ConvSpec(channels, height, width, ch, ConvSpec.ParseList("kernels", Kernels, 1), ConvSpec.ParsePools(Pools),
            Paddings is null ? new int[n] : ConvSpec.ParseList("paddings", Paddings, 0),
            Strides is null ? Enumerable.Repeat(1, n).ToArray() : ConvSpec.ParseList("strides", Strides, 1),
            ConvSpec.ParseList("fc", Fc, 1));
    }

    internal PhaseSettings Phases => new(Beta, T1, T2, BpttSteps, Points);

    /// <summary>Learning rate of every synaptic layer: one value for all, or one per layer.</summary>
    public float[] LearningRates(int groups)
    {
        float[] lr = Lr;
        if (lr.Length == 1) return Enumerable.Repeat(lr[0], groups).ToArray();
        if (lr.Length == groups) return (float[])lr.Clone();
        string network = IsConv ? $"conv net ({Channels} channels, fc {Fc})" : $"architecture {Archi}";
        if (_lr is null)
            throw new ConfigException($"lr: the --model {Model} default {Format(lr)} gives one rate to each of the {lr.Length} synaptic layers of its default network, " +
                                      $"but the {network} has {groups}: give --lr with one value or {groups}");
        throw new ConfigException($"lr: {lr.Length} values given, but the {network} has {groups} synaptic layers (give one value or {groups})");
    }

    /// <summary>Checks that the settings make sense together (single values are checked as they are parsed).</summary>
    public void Validate()
    {
        var family = Family;
        RuleInfo rule;
        try { rule = LearningRules.Get(Rule); }
        catch (ArgumentException e) { throw new ConfigException($"rule: {e.Message}"); }
        if ((family.Capabilities & rule.Requires) != rule.Requires)
        {
            var fitting = OnChip.Models.ModelFamilies.RulesFor(family).Select(r => r.Name);
            var owners = OnChip.Models.ModelFamilies.All.Where(f => (f.Capabilities & rule.Requires) == rule.Requires).Select(f => f.Name).ToArray();
            throw new ConfigException($"rule: {Rule} does not train --model {Model}, which trains with {string.Join(" or ", fitting)}; " +
                                      $"{Rule} trains {(owners.Length == 0 ? "no model" : "--model " + string.Join(" or ", owners))}");
        }
        try { _ = ArchiSizes; }
        catch (ArgumentException e) { throw new ConfigException($"archi: {e.Message}"); }
        RejectForeignSettings(family);
        family.Validate(this);
        LearningRates(family.GroupCount(this));
        if (!Devices.IsIdeal)
        {
            var spec = Devices.ResolveSpec();
            Devices.ResolveProgramming(spec);
        }
        if (BpttSteps > T1) throw new ConfigException($"bptt-steps: {BpttSteps} is more than the {T1} free-phase steps (t1); use at most {T1}");
    }

    private static readonly TrainingConfig DefaultValues = new();

    /// <summary>A setting that only other model families read is an error when it differs from its default.</summary>
    private void RejectForeignSettings(OnChip.Models.ModelFamily family)
    {
        foreach (var key in Keys)
        {
            if (key.Hidden || !Models.ModelFamilies.SpecificSettings.Contains(key.Name) || family.Settings.Contains(key.Name)) continue;
            if (key.Get(this) == key.Get(DefaultValues)) continue;
            var readers = OnChip.Models.ModelFamilies.All.Where(f => f.Settings.Contains(key.Name)).Select(f => f.Name);
            throw new ConfigException($"{key.Name}: not a setting of --model {Model} (it is read by --model {string.Join(", ", readers)}); " +
                                      $"the settings of {Model} are: {string.Join(", ", family.Settings)}");
        }
    }

    /// <summary>The values of --nudge.</summary>
    internal static IReadOnlyList<string> NudgePlaces { get; } = ["drive", "state"];

    internal static IReadOnlyList<string> ModelNames => OnChip.Models.ModelFamilies.Names;
    internal static IReadOnlyList<string> AllRules => LearningRules.Names;

    /// <summary>Keeps <paramref name="value"/> if <paramref name="parse"/> accepts it (its message already names the key).</summary>
    private static string Checked(string value, Func<string, object> parse)
    {
        try { parse(value); }
        catch (ArgumentException e) { throw new ConfigException(e.Message); }
        return value;
    }

    /// <summary>The settings of a run built from objects: each group applies in turn over the defaults.</summary>
    public static TrainingConfig From(Model model, Rule? rule = null, Optim? optimizer = null, Storage? storage = null, TrainingOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(model);
        var config = new TrainingConfig();
        foreach (Settings? group in new Settings?[] { model, rule, optimizer, storage, options })
            group?.ApplyTo(config);
        return config;
    }

    /// <summary>Reads a YAML file of <c>onchip train</c> settings (a recipe, or a run's config.yaml) over the defaults.</summary>
    public static TrainingConfig FromFile(string path) => ConfigFile.Apply(path, Keys, new TrainingConfig());

    /// <summary>Sets any option by its <c>onchip train</c> name without dashes, checked as the command line checks it.</summary>
    public void Set(string option, string value)
    {
        KeyNamed(option, includeHidden: true).Set(this, value);
    }

    /// <summary>The setting <paramref name="option"/> (a former name too, with <paramref name="includeHidden"/>); an unknown name is an error that suggests the closest.</summary>
    internal static ConfigKey<TrainingConfig> KeyNamed(string option, bool includeHidden = false) =>
        Keys.FirstOrDefault(k => k.Name == option && (includeHidden || !k.Hidden))
        ?? throw new ConfigException($"{option}: not an onchip train option{(Suggest.Nearest(option, Keys.Where(k => !k.Hidden).Select(k => k.Name).ToList()) is { } s ? $"; did you mean '{s}'?" : "")}");

    /// <summary>A deep copy.</summary>
    public TrainingConfig Clone()
    {
        var copy = (TrainingConfig)MemberwiseClone();
        copy.Devices = Devices.Clone();
        copy._lr = (float[]?)_lr?.Clone();
        return copy;
    }

    internal static IReadOnlyList<ConfigKey<TrainingConfig>> Keys { get; } = WithFamilyDefaultNotes(
    [
        new("data", "dataset: embedded (ships with OnChip), fashion-mnist, mnist, cifar10, cifar100, or a directory of IDX or CIFAR binary files",
            (c, v) => c.Data = v.Length > 0 ? v : throw new ConfigException("data: must not be empty"), c => c.Data),
        new("archi", "layer sizes from input to output, e.g. 784-512-10 or 784-256-256-10",
            (c, v) => { NetworkSpec.ParseArchi(v); c.Archi = v; }, c => c.Archi),
        new("act", "neuron activation: " + string.Join("|", Activation.Names) + " (one for every state layer, or one per state layer joined by commas)",
            (c, v) => c.Act = string.Join(",", v.Split(',', StringSplitOptions.TrimEntries).Select(a => Choice("act", a, Activation.Names))), c => c.Act),
        new("loss", "mse (output layer in the dynamics) or ce (softmax readout, Laborieux et al. 2021)",
            (c, v) => c.Loss = Choice("loss", v, CostFunction.Names), c => c.Loss),
        new("model", "model family: " + string.Join("; ", OnChip.Models.ModelFamilies.All.Select(f => $"{f.Name} ({f.Description})")),
            (c, v) => c.Model = Choice("model", v, ModelNames), c => c.Model),
        new("schedule", "relaxation schedule of the free phase and evaluation: sync (every layer from the previous step), async (odd layers, then even layers: Scellier et al. 2023), " +
                        "forward (layers 1…N in turn) or backward (N…1) [default: sync; resistive: forward; conv: async]",
            (c, v) => c.Schedule = Choice("schedule", v, Dynamics.Schedules.Names), c => c.Schedule),
        new("nudged-schedule", "relaxation schedule of the nudged phases [default: as --schedule; resistive: backward, the published protocol]",
            (c, v) => c.NudgedSchedule = Choice("nudged-schedule", v, Dynamics.Schedules.Names), c => c.NudgedSchedule),
        new("nudge", "where nudged phases add −β·∂ℓ/∂s to the output units (layered and conv nets, --loss mse): drive (to their input, before the activation, as the energy says) " +
                     "or state (to the activation's output, clipped to its range, as Laydevant et al.'s binary EP code does: a unit saturated at 0 still feels its target) [default: drive]",
            (c, v) => c.Nudge = Choice("nudge", v, NudgePlaces), c => c.Nudge),
        new("update-order", "former name of --schedule", (c, v) => c.Schedule = Choice("update-order", v, Dynamics.Schedules.Names), c => null, hidden: true),
        new("input-gain", "resistive: input voltages are ±gain·x (Fashion-MNIST DRN-1H as published: 300) [default: 300]",
            (c, v) => c.InputGain = Float("input-gain", v, 0f, exclusiveMin: true), c => c.InputGain is float g ? Format(g) : null),
        new("normalize", "standardise each input channel with the training set's mean and standard deviation (saved with the model)",
            (c, v) => c.Normalize = Bool("normalize", v), c => c.Normalize ? "true" : "false", isFlag: true),
        new("augment", "augment training images: random crop of the image zero-padded by crop-padding pixels, and horizontal flip",
            (c, v) => c.Augment = Bool("augment", v), c => c.Augment ? "true" : "false", isFlag: true),
        new("crop-padding", "augment: padding of the random crop in pixels (0: flips only)",
            (c, v) => c.CropPadding = Int("crop-padding", v, 0, 64), c => c.CropPadding.ToString()),
        new("channels", "conv: output channels per conv layer, e.g. 32-64 or 128-256-512-512",
            (c, v) => c.Channels = Checked(v, x => ConvSpec.ParseList("channels", x, 1)), c => c.Channels),
        new("kernels", "conv: kernel size per conv layer, e.g. 5-5", (c, v) => c.Kernels = Checked(v, x => ConvSpec.ParseList("kernels", x, 1)), c => c.Kernels),
        new("pools", "conv: pooling per conv layer, one letter each: m (2x2 max), a (2x2 average), s (2x2 softmax, holomorphic), i (none), e.g. mm",
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
        new("state-noise", "σ of Gaussian noise added to every unit's input (before its activation) at every step of every training relaxation, any rule (evaluation stays noise-free) [default: 0]",
            (c, v) => c.StateNoise = Float("state-noise", v, 0f), c => Format(c.StateNoise)),
        new("output-expand", "output units per class k (layered and conv nets, --loss mse): k·classes output units, each trained towards its class's target, averaged for the score (binary EP) [default: 1]",
            (c, v) => c.OutputExpand = Int("output-expand", v, 1, 1000), c => c.OutputExpand.ToString()),
        new("points", "holomorphic EP (rule hep): N nudges |β|·e^{2πik/N} on a circle; ⌈N/2⌉ relaxations (N = 2 is centred EP)",
            (c, v) => c.Points = Int("points", v, 2), c => c.Points.ToString()),
        new("batch", "mini-batch size", (c, v) => c.Batch = Int("batch", v, 1, 100_000), c => c.Batch.ToString()),
        new("epochs", "passes over the training set", (c, v) => c.Epochs = Int("epochs", v, 1, 1_000_000), c => c.Epochs.ToString()),
        new("optim", "optimizer: sgd or adam", (c, v) => c.Optim = Choice("optim", v, Optimizer.Names), c => c.Optim),
        new("lr", "learning rate: one value, or one per synaptic layer (e.g. 0.1,0.05)",
            (c, v) => c.Lr = FloatList("lr", v, 0f, exclusiveMin: true), c => Format(c.Lr)),
        new("momentum", "SGD momentum in [0, 1)", (c, v) => c.Momentum = Float("momentum", v, 0f, max: 0.999999f), c => Format(c.Momentum)),
        new("wd", "weight decay (L2, added to the gradient)", (c, v) => c.Wd = Float("wd", v, 0f), c => Format(c.Wd)),
        new("cosine", "cosine-annealed learning rate over the epochs (to 1e-5)",
            (c, v) => c.Cosine = Bool("cosine", v), c => c.Cosine ? "true" : "false", isFlag: true),
        new("lr-decay", "multiply every learning rate by this after every epoch (e.g. 0.99; 1 = constant; combines with --cosine)",
            (c, v) => c.LrDecay = Float("lr-decay", v, 0f, exclusiveMin: true, max: 1f), c => Format(c.LrDecay)),
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
    ]);

    /// <summary>Adds to each key's help the defaults model families choose for it ("--model conv: 0.5").</summary>
    private static ConfigKey<TrainingConfig>[] WithFamilyDefaultNotes(ConfigKey<TrainingConfig>[] keys) =>
        keys.Select(key =>
        {
            var notes = OnChip.Models.ModelFamilies.All
                .SelectMany(f => f.Defaults.Where(d => d.Key == key.Name).Select(d => $"--model {f.Name}: {d.Value}")).ToArray();
            return notes.Length == 0 ? key : new ConfigKey<TrainingConfig>(key.Name, key.Help, key.Set, key.Get, key.IsFlag, key.Hidden) { DefaultNote = string.Join("; ", notes) };
        }).ToArray();

    /// <summary>Each family's own defaults (<see cref="Models.ModelFamily.Defaults"/>) applied to an empty config, built once.</summary>
    private static readonly Lazy<Dictionary<string, TrainingConfig>> DefaultsByFamily = new(() =>
    {
        var byFamily = new Dictionary<string, TrainingConfig>();
        foreach (var family in OnChip.Models.ModelFamilies.All.Where(f => f.Defaults.Count > 0))
        {
            var defaults = new TrainingConfig();
            foreach (var (key, value) in family.Defaults)
            {
                if (!FamilyDefaultKeys.Contains(key))
                    throw new InvalidOperationException($"model family {family.Name}: '{key}' is not a setting a family may default (TrainingConfig.FamilyDefaultKeys)");
                Keys.First(k => k.Name == key).Set(defaults, value);
            }
            byFamily[family.Name] = defaults;
        }
        return byFamily;
    });
}
