using OnChip.Configuration;
using OnChip.Data;
using OnChip.Models;
using OnChip.Networks;
using OnChip.Randomness;
using OnChip.Training;

namespace OnChip.Cli.Commands;

/// <summary>
/// The network a checking command (gdu, gradcheck) works on, and the training data of its mini-batch: a trained
/// model file, or an untrained network of a family built from the network options as <c>onchip train</c> would.
/// </summary>
internal static class ModelUnderCheck
{
    /// <summary>The options a model file defines, refused next to --model FILE.</summary>
    private static readonly string[] NetworkKeys = ["archi", "act", "loss", "init-scale", "input-gain", "channels", "kernels", "pools", "paddings", "strides", "fc"];

    /// <summary>
    /// Points the shared settings at the family <paramref name="model"/> names (an untrained conv net may also be asked
    /// for by giving its conv layers); returns whether --model names a family rather than a model file.
    /// </summary>
    public static bool SelectFamily(TrainingConfig shared, string? model, IReadOnlySet<string> explicitKeys)
    {
        bool untrainedFamily = model is not null && ModelFamilies.Names.Contains(model) && !File.Exists(model);
        if (untrainedFamily) shared.Model = model!;
        else if (explicitKeys.Contains("channels")) shared.Model = "conv";
        return untrainedFamily;
    }

    /// <summary>
    /// Loads the model file (with its input normalisation) or builds and initialises the untrained network, and checks
    /// that it fits the data and the batch. <paramref name="loadPurpose"/> and <paramref name="notEnergyBased"/> word
    /// the command's errors ("that gdu can check"; "gdu compares EP with BPTT on energy-based networks, not on").
    /// </summary>
    public static (LayeredNetwork Network, Dataset Data) Load(TrainingConfig shared, EnergyModelFamily family, string? model, bool untrainedFamily,
        IReadOnlySet<string> explicitKeys, string loadPurpose, string notEnergyBased)
    {
        var data = DatasetLoader.Load(shared.Data).Train;
        LayeredNetwork network;
        if (model is not null && !untrainedFamily)
        {
            var clash = explicitKeys.Intersect(NetworkKeys).ToArray();
            if (clash.Length > 0) throw new ConfigException($"--{clash[0]}: not allowed with --model (the model defines the network)");
            var loaded = ModelKinds.Load(model, loadPurpose);
            network = loaded.EnergyNetwork ?? throw new UserFacingException($"{model}: {notEnergyBased} a {loaded.Description}");
            if (ChannelNormalization.FromMetadata(loaded.Metadata) is { } normalization) data = normalization.Apply(data);
        }
        else
        {
            network = family.BuildNetwork(shared, data);
            network.Initialize(Rng.ForStream(shared.Seed, "init"), shared.InitScale);
        }
        if (network.InputSize != data.FeatureCount || network.ClassCount != data.ClassCount)
            throw new ConfigException($"archi: the network ({network.Spec.ArchiText}) does not fit {data.Name} ({data.FeatureCount} features, {data.ClassCount} classes)");
        if (shared.Batch > data.Count) throw new ConfigException($"batch: {data.Name} has only {data.Count} examples");
        return (network, data);
    }
}
