using System.Text.Json.Nodes;
using OnChip.Configuration;
using OnChip.Data;
using OnChip.Learning;
using OnChip.Networks;
using OnChip.Networks.Convolution;

namespace OnChip.Models;

/// <summary>
/// The Hopfield-like networks of the EP literature (<see cref="HopfieldNetwork"/>): <c>layered</c> (dense layers,
/// <c>--archi</c>) and <c>conv</c> (conv layers then dense ones, <c>--channels</c> …). Model files of kind "layered-ep".
/// </summary>
internal sealed class HopfieldFamily(bool convolutional) : EnergyModelFamily
{
    public const string Kind = "layered-ep";
    private static readonly string[] Shared = ["act", "loss", "schedule", "nudged-schedule", "nudge", "output-expand"];

    public bool Convolutional { get; } = convolutional;
    public override string Name => Convolutional ? "conv" : "layered";
    public override string Description => Convolutional
        ? "energy-based conv net (Laborieux et al. 2021): conv layers with pooling, then dense layers (see --channels); its defaults are the recipe that reaches 91% on Fashion-MNIST"
        : "energy-based layered network (Hopfield-like, s ← σ(∂Φ/∂s)): dense layers given by --archi";
    public override ModelCapabilities Capabilities => ModelCapabilities.EnergyBased | ModelCapabilities.Differentiable;
    public override IReadOnlyList<string> Settings { get; } = convolutional
        ? [.. Shared, "channels", "kernels", "pools", "paddings", "strides", "fc"]
        : [.. Shared, "archi"];
    public override string FileKind => Kind;

    /// <summary>
    /// Conv nets default to the recipe that reaches 91.4% on the full Fashion-MNIST in 25 minutes here
    /// (docs/conv-nets.md, recipes/conv-fashion-mnist.yaml): CE readout, my-hard-sig, standardised input, centred EP with
    /// β = 0.5, the alternating schedule (T1 = 30, T2 = 10 as every network), batch 100, SGD with momentum 0.9 and
    /// per-layer rates 0.1, 0.05, 0.02 annealed by a cosine over 11 epochs. Layered networks keep the shared defaults.
    /// </summary>
    public override IReadOnlyList<KeyValuePair<string, string>> Defaults { get; } = convolutional ? ConvRecipe : [];

    private static readonly KeyValuePair<string, string>[] ConvRecipe =
    [
        new("loss", "ce"), new("act", "my-hard-sig"), new("normalize", "true"), new("rule", "ep-symmetric"), new("beta", "0.5"),
        new("schedule", "async"), new("batch", "100"), new("optim", "sgd"), new("momentum", "0.9"), new("lr", "0.1,0.05,0.02"),
        new("cosine", "true"), new("epochs", "11"),
    ];

    public override int GroupCount(TrainingConfig config) => Convolutional
        ? ConvSpec.ParseList("channels", config.Channels, 1).Length + ConvSpec.ParseList("fc", config.Fc, 1).Length
        : config.ArchiSizes.Length - 1;

    public override string Describe(TrainingConfig config) => (Convolutional
        ? $"conv channels {config.Channels} kernels {config.Kernels} pools {config.Pools}{(config.Paddings is null ? "" : $" paddings {config.Paddings}")}{(config.Strides is null ? "" : $" strides {config.Strides}")} fc {config.Fc}"
        : config.Archi) + $" {config.Act} {config.Loss}";

    public override void Validate(TrainingConfig config)
    {
        if (Convolutional)
        {
            // List lengths are checked here; spatial sizes once the data's image shape is known (NetworkSpecFor).
            try { config.ConvSpecFor(1, 1, 1).Geometries(); }
            catch (ArgumentException e) when (!e.Message.StartsWith("conv layer", StringComparison.Ordinal)) { throw new ConfigException(e.Message); }
            catch (ArgumentException) { }
        }
        if (config.OutputExpand > 1 && config.Loss == "ce")
            throw new ConfigException("output-expand: expanded outputs are state units of the squared-error cost; use --loss mse (the cross-entropy readout has none)");
        if (config.Nudge == "state")
        {
            if (config.Loss == "ce")
                throw new ConfigException("nudge: state nudges output units in the dynamics; the cross-entropy readout has none: use --loss mse (or --nudge drive)");
            if (config.Rule == "hep")
                throw new ConfigException("nudge: holomorphic EP (hep) needs the energy's complex nudge of the drive; use --nudge drive");
            if (config.Rule is "cl" or "cpl" or "cpl-negative" or "cpl-centered" or "bptt" or "rbp")
                throw new ConfigException($"nudge: rule {config.Rule} has no nudged phase; --nudge state is for the EP rules (ep, ep-symmetric, ep-negative, ep-random-sign, cep)");
        }
        var acts = config.Act.Split(',', StringSplitOptions.TrimEntries);
        if (acts.Contains("binary"))
        {
            if (config.Rule is "hep" or "cl" or "cpl" or "cpl-negative" or "cpl-centered" or "bptt" or "rbp")
                throw new ConfigException($"act: binary units (a real accumulator emitting a step) train with the EP rules that nudge (ep, ep-symmetric, ep-negative, ep-random-sign, cep), not {config.Rule}");
            if (config.Nudge == "state" && config.Loss == "mse" && acts[^1] == "binary")
                throw new ConfigException("nudge: binary output units take the nudge in their accumulator, as in Laydevant et al.'s code; use --nudge drive with a binary output layer");
        }
        if (Convolutional) { }
        else if (config.Loss == "ce" && config.ArchiSizes.Length < 3)
            throw new ConfigException($"archi: the cross-entropy readout needs a hidden layer, e.g. 784-512-10 (got {config.Archi})");
        int stateLayers = Convolutional ? -1 : config.ArchiSizes.Length - (config.Loss == "ce" ? 2 : 1);
        int given = config.Act.Split(',').Length;
        if (given > 1 && stateLayers > 0 && given != stateLayers)
            throw new ConfigException($"act: {given} activations given for the {stateLayers} state layers of {config.Archi} (give one, or one per state layer)");
    }

    public override void CheckAgainstData(TrainingConfig config, Dataset data)
    {
        var spec = config.NetworkSpecFor(data);
        if (spec.Conv is not null && spec.Archi[0] == data.FeatureCount && spec.Archi[^1] != data.ClassCount)
            throw new ConfigException($"fc: the output size {spec.Archi[^1]} does not match the {data.ClassCount} classes of {data.Name} (end --fc with {data.ClassCount})");
        CheckSizes(spec.Archi, data);
    }

    public override LayeredNetwork BuildNetwork(TrainingConfig config, Dataset data)
    {
        try { return HopfieldNetwork.Create(config.NetworkSpecFor(data)); }
        catch (ArgumentException e) { throw new ConfigException(e.Message); }
    }

    public override void Describe(LayeredNetwork network, JsonObject meta)
    {
        meta["archi"] = network.Spec.ArchiText;
        meta["activation"] = network.Spec.Activation;
        meta["loss"] = network.Spec.Loss;
        if (network.Spec.OutputExpand > 1) meta["output_expand"] = network.Spec.OutputExpand;
        WriteSchedules(network, meta);
        if (network.Spec.Conv is { } conv)
        {
            meta["input"] = conv.InputText;
            meta["channels"] = conv.ChannelsText;
            meta["kernels"] = conv.KernelsText;
            meta["pools"] = conv.PoolsText;
            meta["paddings"] = conv.PaddingsText;
            meta["strides"] = conv.StridesText;
            meta["fc"] = conv.FcText;
        }
    }

    public override string? DescribeTensor(Persistence.TensorArchive.Contents contents, Persistence.NamedTensor tensor)
    {
        if (tensor.Name.Length < 2 || !int.TryParse(tensor.Name.AsSpan(1), out int n)) return null;
        bool ce = contents.Metadata["loss"] is JsonValue loss && loss.TryGetValue(out string? l) && l == "ce";
        int synapticLayers = contents.Tensors.Count(t => t.Name.StartsWith('W'));
        if (tensor.Name[0] == 'W' && tensor.Shape.Length == 2)
            return $"weights W{n} coupling layer {n} (columns, {tensor.Shape[1]} units) to layer {n + 1} (rows, {tensor.Shape[0]} units)" +
                   (ce && n == synapticLayers - 1 ? "; the softmax readout" : "");
        if (tensor.Name[0] == 'b' && tensor.Shape.Length == 1)
            return $"bias b{n} of layer {n} ({tensor.Shape[0]} units)" + (ce && n == synapticLayers ? "; the softmax readout's bias" : "");
        return null;
    }

    /// <summary>Layered and conv files share the kind; a conv file has its conv layers in the metadata.</summary>
    public override LayeredNetwork LoadNetwork(JsonObject metadata, string path)
    {
        int expand = metadata["output_expand"] is JsonValue e && e.TryGetValue(out int k) ? k : 1;
        var spec = metadata["channels"] is null
            ? new NetworkSpec(NetworkSpec.ParseArchi(Required(metadata, "archi", path)), Required(metadata, "activation", path), Required(metadata, "loss", path), OutputExpand: expand)
            : NetworkSpec.Convolutional(ReadConv(metadata, path), Required(metadata, "activation", path), Required(metadata, "loss", path), expand);
        var network = HopfieldNetwork.Create(spec);
        ReadSchedules(network, metadata);
        return network;
    }

    private static ConvSpec ReadConv(JsonObject metadata, string path)
    {
        var (c, h, w) = ConvSpec.ParseShape(Required(metadata, "input", path));
        return new ConvSpec(c, h, w,
            ConvSpec.ParseList("channels", Required(metadata, "channels", path), 1),
            ConvSpec.ParseList("kernels", Required(metadata, "kernels", path), 1),
            ConvSpec.ParsePools(Required(metadata, "pools", path)),
            ConvSpec.ParseList("paddings", Required(metadata, "paddings", path), 0),
            ConvSpec.ParseList("strides", Required(metadata, "strides", path), 1),
            ConvSpec.ParseList("fc", Required(metadata, "fc", path), 1));
    }
}
