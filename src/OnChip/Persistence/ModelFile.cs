using System.Text.Json.Nodes;
using OnChip.Models;
using OnChip.Networks;

namespace OnChip.Persistence;

/// <summary>A trained energy-based network loaded from a model file, with the metadata saved beside it.</summary>
internal sealed record LoadedModel(LayeredNetwork Network, JsonObject Metadata)
{
    /// <summary>Free-phase steps the model was trained with (evaluation uses the same by default).</summary>
    public int FreeSteps => Metadata["t1"]?.GetValue<int>() ?? 30;
}

/// <summary>
/// Model files (<c>model.onchip</c>) of energy-based networks: a <see cref="TensorArchive"/> whose kind names the
/// model family's file kind ("layered-ep" for layered and conv Hopfield nets, "resistive" for resistive networks),
/// whose metadata holds what the family needs to rebuild the network (<see cref="EnergyModelFamily.Describe"/>), and
/// whose tensors are the parameters by name (W_n of shape [n_{n+1}, n_n], b_n of shape [n_n]).
/// </summary>
internal static class ModelFile
{
    /// <summary>The kind of layered and conv Hopfield model files.</summary>
    public const string Kind = HopfieldFamily.Kind;

    public static void Save(string path, LayeredNetwork network, JsonObject metadata)
    {
        var family = FamilyOf(network);
        var meta = (JsonObject)metadata.DeepClone();
        family.Describe(network, meta);
        var tensors = network.Parameters.Select(p => new NamedTensor(p.Name, p.Shape, p.Value.Data)).ToArray();
        TensorArchive.Save(path, family.FileKind, meta, tensors);
    }

    private static EnergyModelFamily FamilyOf(LayeredNetwork network) => ModelFamilies.EnergyFamily(network.Family);

    /// <summary>The energy-based family whose model files have kind <paramref name="kind"/>, if any.</summary>
    public static EnergyModelFamily? FamilyForKind(string kind) => ModelFamilies.All.OfType<EnergyModelFamily>().FirstOrDefault(f => f.FileKind == kind);

    public static LoadedModel Load(string path) => Load(TensorArchive.Load(path), path);

    public static LoadedModel Load(TensorArchive.Contents contents, string path)
    {
        var family = FamilyForKind(contents.Kind)
            ?? throw new UserFacingException($"{path}: holds a '{contents.Kind}' file, not an energy-based model");
        LayeredNetwork network;
        try { network = family.LoadNetwork(contents.Metadata, path); }
        catch (ArgumentException e) { throw new UserFacingException($"{path}: invalid model description ({e.Message})"); }
        foreach (var p in network.Parameters)
        {
            var t = contents.Tensor(p.Name, path);
            if (!t.Shape.SequenceEqual(p.Shape))
                throw new UserFacingException($"{path}: tensor {p.Name} has shape [{string.Join(",", t.Shape)}], expected [{string.Join(",", p.Shape)}]");
            t.Data.CopyTo(p.Value.Data, 0);
        }
        return new LoadedModel(network, contents.Metadata);
    }
}
