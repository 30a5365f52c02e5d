using System.Text.Json.Nodes;
using OnChip.Persistence;

namespace OnChip.Rbm;

/// <summary>A trained RBM loaded from a model file, with the metadata saved beside it.</summary>
internal sealed record LoadedRbm(RestrictedBoltzmannMachine Machine, JsonObject Metadata)
{
    /// <summary>How images were turned into visible units in training (and are at evaluation).</summary>
    public string Binarize => Metadata["binarize"]?.GetValue<string>() ?? Binarization.Sample;
}

/// <summary>
/// RBM model files (<c>model.onchip</c>): a <see cref="TensorArchive"/> of kind <c>rbm</c>. Metadata: <c>model</c>
/// (drbm | rbm), <c>visible</c>, <c>hidden</c>, <c>image</c> (pixels), <c>labels</c> (label units in the visible layer),
/// <c>classes</c>, <c>width</c>, <c>height</c>, <c>binarize</c>, plus what the caller adds (training settings, epoch,
/// test error). Tensors: <c>W</c> [visible, hidden], <c>a</c> [visible], <c>b</c> [hidden]; for rbm also the read-out
/// <c>R</c> [hidden, classes] and <c>c</c> [classes].
/// </summary>
internal static class RbmModelFile
{
    public const string Kind = "rbm";

    public static void Save(string path, RestrictedBoltzmannMachine rbm, JsonObject metadata)
    {
        var meta = (JsonObject)metadata.DeepClone();
        meta["model"] = rbm.Kind;
        meta["visible"] = rbm.Visible;
        meta["hidden"] = rbm.Hidden;
        meta["image"] = rbm.ImageSize;
        meta["labels"] = rbm.LabelCount;
        meta["classes"] = rbm.ClassCount;
        var parameters = rbm.Parameters.Concat(rbm.Readout?.Parameters ?? []);
        var tensors = parameters.Select(p => new NamedTensor(p.Name, p.Shape, p.Value.Data)).ToArray();
        TensorArchive.Save(path, Kind, meta, tensors);
    }

    public static LoadedRbm Load(string path) => Load(TensorArchive.Load(path), path);

    /// <summary>What each tensor of an RBM file is (export's manifest).</summary>
    public static string? DescribeTensor(TensorArchive.Contents contents, NamedTensor tensor) => tensor.Name switch
    {
        "W" => $"weights [visible, hidden] = {Shape(tensor)}: the image pixels' rows, then (drbm) one row per label unit",
        "a" => $"visible biases [visible] = {Shape(tensor)}: pixels, then (drbm) labels",
        "b" => $"hidden biases [hidden] = {Shape(tensor)}",
        "R" => $"read-out weights [hidden, classes] = {Shape(tensor)} (generative rbm: logits = p(h|x)·R + c)",
        "c" => $"read-out biases [classes] = {Shape(tensor)}",
        _ => null,
    };

    private static string Shape(NamedTensor t) => "[" + string.Join(", ", t.Shape) + "]";

    public static LoadedRbm Load(TensorArchive.Contents contents, string path)
    {
        if (contents.Kind != Kind)
            throw new UserFacingException($"{path}: holds a '{contents.Kind}' file, not an RBM model (kind '{Kind}')");
        var meta = contents.Metadata;
        RestrictedBoltzmannMachine rbm;
        try
        {
            rbm = new RestrictedBoltzmannMachine(Required<string>(meta, "model", path), Required<int>(meta, "image", path),
                Required<int>(meta, "classes", path), Required<int>(meta, "hidden", path));
        }
        catch (ArgumentException e)
        {
            throw new UserFacingException($"{path}: invalid RBM description ({e.Message})");
        }
        if (rbm.Visible != Required<int>(meta, "visible", path))
            throw new UserFacingException($"{path}: metadata says {meta["visible"]} visible units, but image + labels make {rbm.Visible}");
        foreach (var p in rbm.Parameters.Concat(rbm.Readout?.Parameters ?? []))
        {
            var t = contents.Tensor(p.Name, path);
            if (!t.Shape.SequenceEqual(p.Shape))
                throw new UserFacingException($"{path}: tensor {p.Name} has shape [{string.Join(",", t.Shape)}], expected [{string.Join(",", p.Shape)}]");
            t.Data.CopyTo(p.Value.Data, 0);
        }
        return new LoadedRbm(rbm, meta);
    }

    private static T Required<T>(JsonObject meta, string key, string path)
    {
        try
        {
            return meta[key] is { } node ? node.GetValue<T>() : throw new UserFacingException($"{path}: metadata has no '{key}'");
        }
        catch (Exception e) when (e is InvalidOperationException or FormatException)
        {
            throw new UserFacingException($"{path}: metadata '{key}' is not a {typeof(T).Name}");
        }
    }
}
