using OnChip.Rbm;
using static OnChip.Configuration.ConfigParse;

namespace OnChip.Configuration;

/// <summary>
/// Settings of <c>onchip rbm train</c>: a Restricted Boltzmann Machine trained by contrastive divergence (Ernoult,
/// Grollier &amp; Querlioz 2019). Data, mini-batch, epochs, seed, limits, threads, output directory, momentum, weight
/// decay and the synapse storage (<c>--device</c>, <c>--programming</c>, … of <see cref="DeviceConfig"/>) are the keys
/// of <see cref="TrainingConfig"/> (same names, same meaning) with RBM defaults (batch 100, epochs 30); the rest are
/// the RBM's own. A new key is one more entry in <see cref="Keys"/>, read by <see cref="RbmLearner"/>.
/// <para>
/// Learning rate: Ernoult 2019 does not give one in the text at hand; 0.1 (plain SGD on the batch-mean gradient) was the
/// best of 0.05 / 0.1 / 0.2 after 30 epochs on 40,000 Fashion-MNIST images (15.97 / 15.40 / 15.91% test error).
/// </para>
/// </summary>
internal sealed class RbmConfig
{
    /// <summary>The settings shared with <c>onchip train</c>; their defaults here are Ernoult 2019's (batch 100, 30 epochs).</summary>
    public TrainingConfig Shared { get; private set; } = RbmDefaults();

    /// <summary>
    /// Ernoult's batch and epochs; on devices, weights up to ±1 are representable (trained RBM weights reach about
    /// ±0.4, far beyond the ±0.04 of N(0, 0.01²) initial weights that the generic "4 × initial" range would give).
    /// </summary>
    private static TrainingConfig RbmDefaults()
    {
        var shared = new TrainingConfig { Batch = 100, Epochs = 30, Optim = "sgd", Lr = [0.1f] };
        shared.Devices.WeightRange = 1f;
        return shared;
    }

    /// <summary><c>drbm</c> (visible = image + one-hot label, classify by the lowest free energy) or <c>rbm</c>
    /// (visible = image, a softmax read-out of p(h|v) trained alongside).</summary>
    public string Model { get; set; } = RbmKinds.Discriminative;
    public int Hidden { get; set; } = 300;
    /// <summary>Gibbs steps of the negative phase (CD-k; with <see cref="Persistent"/>, steps per update).</summary>
    public int CdK { get; set; } = 1;
    public bool Persistent { get; set; }
    /// <summary>Parallel Gibbs chains per example whose negative statistics are averaged (Ernoult's #CD).</summary>
    public int Chains { get; set; } = 1;
    /// <summary>Learning rate of W, a and b (plain SGD on the batch-mean CD gradient): the shared loop's one rate.</summary>
    public float Lr { get => Shared.Lr[0]; set => Shared.Lr = [value]; }
    /// <summary>Learning rate of the softmax read-out of <c>--model rbm</c>.</summary>
    public float ReadoutLr { get; set; } = 0.5f;
    public string Binarize { get; set; } = Binarization.Sample;
    /// <summary>Standard deviation of the initial weights N(0, σ²) (Hinton's guide: 0.01).</summary>
    public float InitStd { get; set; } = 0.01f;

    public string Data => Shared.Data;
    public int Batch => Shared.Batch;
    public int Epochs => Shared.Epochs;
    public ulong Seed => Shared.Seed;
    public int Threads => Shared.Threads;
    public float Momentum => Shared.Momentum;
    public float WeightDecay => Shared.Wd;
    public string? Out => Shared.Out;

    /// <summary>Where W (and, if asked, a and b) live: ideal storage or device arrays; the keys of <see cref="DeviceConfig"/>.</summary>
    public DeviceConfig Devices => Shared.Devices;

    /// <summary>Checks that the settings make sense together (single values are checked as they are parsed).</summary>
    public void Validate()
    {
        if ((long)Chains * Batch > 1_000_000)
            throw new ConfigException($"chains: {Chains} chains × batch {Batch} = {(long)Chains * Batch} Gibbs chains is too many (at most 1,000,000)");
        if (!Devices.IsIdeal) Devices.ResolveProgramming(Devices.ResolveSpec());
    }

    public RbmConfig Clone()
    {
        var copy = (RbmConfig)MemberwiseClone();
        copy.Shared = Shared.Clone();
        return copy;
    }

    private static readonly string[] SharedKeys = ["data", "batch", "epochs", "momentum", "wd", "seed", "train-limit", "test-limit", "threads", "out"];
    private static readonly HashSet<string> DeviceKeys = DeviceConfig.Keys.Select(k => k.Name).ToHashSet();

    public static IReadOnlyList<ConfigKey<RbmConfig>> Keys { get; } =
    [
        .. TrainingConfig.Keys.Where(k => k.Name == "data").Select(k => k.For<RbmConfig>(c => c.Shared)),
        new("model", "drbm: visible = image + one-hot label, classified by the lowest free energy F(x, y) (Ernoult 2019); " +
                     "rbm: visible = image, softmax read-out of p(h|v) trained alongside",
            (c, v) => c.Model = Choice("model", v, RbmKinds.Names), c => c.Model),
        new("hidden", "hidden units", (c, v) => c.Hidden = Int("hidden", v, 1, 100_000), c => c.Hidden.ToString()),
        new("cd-k", "Gibbs steps of the negative phase (CD-k; with --persistent, steps per update)",
            (c, v) => c.CdK = Int("cd-k", v, 1, 100_000), c => c.CdK.ToString()),
        new("persistent", "persistent CD: the negative chains continue across mini-batches instead of restarting at the data",
            (c, v) => c.Persistent = Bool("persistent", v), c => c.Persistent ? "true" : "false", isFlag: true),
        new("chains", "parallel Gibbs chains per example, their negative statistics averaged (Ernoult's #CD)",
            (c, v) => c.Chains = Int("chains", v, 1, 10_000), c => c.Chains.ToString()),
        .. TrainingConfig.Keys.Where(k => k.Name is "batch" or "epochs").Select(k => k.For<RbmConfig>(c => c.Shared)),
        new("lr", "learning rate of W, a and b (plain SGD on the mini-batch mean of the CD gradient)",
            (c, v) => c.Lr = Float("lr", v, 0f, exclusiveMin: true), c => Format(c.Lr)),
        .. TrainingConfig.Keys.Where(k => k.Name is "momentum" or "wd").Select(k => k.For<RbmConfig>(c => c.Shared)),
        new("readout-lr", "model rbm: learning rate of the softmax read-out trained on p(h|v)",
            (c, v) => c.ReadoutLr = Float("readout-lr", v, 0f, exclusiveMin: true), c => Format(c.ReadoutLr)),
        new("binarize", "how grey levels in [0,1] become visible units: sample (Bernoulli, redrawn at every presentation), " +
                        "threshold (at 0.5), none (kept as probabilities)",
            (c, v) => c.Binarize = Choice("binarize", v, Binarization.Names), c => c.Binarize),
        new("init-std", "standard deviation of the initial weights, N(0, std²)",
            (c, v) => c.InitStd = Float("init-std", v, 0f, exclusiveMin: true), c => Format(c.InitStd)),
        .. TrainingConfig.Keys.Where(k => k.Name is "seed" or "train-limit" or "test-limit" or "threads" or "out")
            .Select(k => k.For<RbmConfig>(c => c.Shared)),
        // Synapse storage (device presets, programming strategies): the same keys as onchip train.
        .. TrainingConfig.Keys.Where(k => DeviceKeys.Contains(k.Name)).Select(k => k.For<RbmConfig>(c => c.Shared)),
    ];

    /// <summary>The keys taken from <see cref="TrainingConfig"/> besides the device keys.</summary>
    public static IReadOnlyList<string> SharedKeyNames => SharedKeys;
}
