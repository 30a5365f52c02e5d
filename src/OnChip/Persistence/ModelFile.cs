using System.Text.Json.Nodes;
using OnChip.Networks;
using OnChip.Networks.Convolution;

namespace OnChip.Persistence;

/// <summary>A trained layered network loaded from a model file, with the metadata saved beside it.</summary>
public sealed record LoadedModel(LayeredNetwork Network, JsonObject Metadata)
{
    /// <summary>Free-phase steps the model was trained with (evaluation uses the same by default).</summary>
    public int FreeSteps => Metadata["t1"]?.GetValue<int>() ?? 30;
}

/// <summary>
/// Model files (<c>model.onchip</c>) of layered EP networks: a <see cref="TensorArchive"/> of kind "layered-ep"
/// whose metadata holds the architecture, activation and loss (and for conv nets the input shape and conv layers), and whose tensors are the parameters by name
/// (W_n of shape [n_{n+1}, n_n], b_n of shape [n_n]).
/// </summary>
public static class ModelFile
{
    public const string Kind = "layered-ep";

    public static void Save(string path, LayeredNetwork network, JsonObject metadata)
    {
        var meta = (JsonObject)metadata.DeepClone();
        meta["archi"] = network.Spec.ArchiText;
        meta["activation"] = network.Spec.Activation;
        meta["loss"] = network.Spec.Loss;
        meta["update_order"] = Dynamics.UpdateOrders.Name(network.UpdateOrder);
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
        var tensors = network.Parameters.Select(p => new NamedTensor(p.Name, p.Shape, p.Value.Data)).ToArray();
        TensorArchive.Save(path, Kind, meta, tensors);
    }

    public static LoadedModel Load(string path)
    {
        var contents = TensorArchive.Load(path);
        if (contents.Kind != Kind)
            throw new UserFacingException($"{path}: holds a '{contents.Kind}' file, not a layered EP model");
        LayeredNetwork network;
        try
        {
            var spec = contents.Metadata["channels"] is null
                ? new NetworkSpec(NetworkSpec.ParseArchi(Required(contents, "archi", path)), Required(contents, "activation", path), Required(contents, "loss", path))
                : NetworkSpec.Convolutional(ReadConv(contents, path), Required(contents, "activation", path), Required(contents, "loss", path));
            network = new LayeredNetwork(spec);
            // Older files have no update order: they were relaxed synchronously.
            if (contents.Metadata["update_order"]?.GetValue<string>() is { } order) network.UpdateOrder = Dynamics.UpdateOrders.Parse(order);
        }
        catch (ArgumentException e)
        {
            throw new UserFacingException($"{path}: invalid model description ({e.Message})");
        }
        foreach (var p in network.Parameters)
        {
            var t = contents.Tensor(p.Name, path);
            if (!t.Shape.SequenceEqual(p.Shape))
                throw new UserFacingException($"{path}: tensor {p.Name} has shape [{string.Join(",", t.Shape)}], expected [{string.Join(",", p.Shape)}]");
            t.Data.CopyTo(p.Value.Data, 0);
        }
        return new LoadedModel(network, contents.Metadata);
    }

    private static ConvSpec ReadConv(TensorArchive.Contents contents, string path)
    {
        var (c, h, w) = ConvSpec.ParseShape(Required(contents, "input", path));
        return new ConvSpec(c, h, w,
            ConvSpec.ParseList("channels", Required(contents, "channels", path), 1),
            ConvSpec.ParseList("kernels", Required(contents, "kernels", path), 1),
            ConvSpec.ParsePools(Required(contents, "pools", path)),
            ConvSpec.ParseList("paddings", Required(contents, "paddings", path), 0),
            ConvSpec.ParseList("strides", Required(contents, "strides", path), 1),
            ConvSpec.ParseList("fc", Required(contents, "fc", path), 1));
    }

    private static string Required(TensorArchive.Contents contents, string key, string path) =>
        contents.Metadata[key]?.GetValue<string>() ?? throw new UserFacingException($"{path}: metadata has no '{key}'");
}
