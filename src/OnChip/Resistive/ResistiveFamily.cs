using System.Globalization;
using System.Text.Json.Nodes;
using OnChip.Configuration;
using OnChip.Data;
using OnChip.Dynamics;
using OnChip.Learning;
using OnChip.Models;
using OnChip.Networks;

namespace OnChip.Resistive;

/// <summary>
/// <c>--model resistive</c>: deep resistive networks (<see cref="ResistiveNetwork"/>). The published protocol relaxes
/// with forward sweeps in the free phase and at inference and backward sweeps in the nudged phases, and starts each
/// training free phase from the previous batch's state; those are the defaults (of the family and of a network
/// <see cref="ResistiveNetwork.Create"/> builds). Model files of kind "resistive".
/// </summary>
internal sealed class ResistiveFamily : EnergyModelFamily
{
    public const string Kind = "resistive";
    /// <summary>Dataset gain 5 (Fashion-MNIST) × model gain 60 (one hidden layer), as in the published DRN-1H runs.</summary>
    public const float DefaultInputGain = 300f;

    public override string Name => ResistiveNetwork.Family;
    public override string Description => "deep resistive network (Kendall et al. 2020, Scellier 2024): conductances g ≥ 0, diodes, exact block coordinate descent";
    public override ModelCapabilities Capabilities => ModelCapabilities.EnergyBased | ModelCapabilities.Differentiable;
    public override IReadOnlyList<string> Settings { get; } = ["archi", "loss", "input-gain", "schedule", "nudged-schedule"];
    public override string FileKind => Kind;
    public override Schedule DefaultSchedule => Schedule.Forward;
    public override Schedule? DefaultNudgedSchedule => Schedule.Backward;

    public static float GainOf(TrainingConfig config) => config.InputGain ?? DefaultInputGain;

    public override int GroupCount(TrainingConfig config) => config.ArchiSizes.Length - 1;

    public override string Describe(TrainingConfig config) =>
        $"{config.Archi} resistive (input gain {GainOf(config).ToString(CultureInfo.InvariantCulture)}, diodes)";

    public override string Summary(LayeredNetwork network) =>
        $"{network.Spec.ArchiText} resistive network (input gain {ResistiveNetwork.InputGain(network).ToString(CultureInfo.InvariantCulture)})";

    public override void Validate(TrainingConfig config)
    {
        if (config.Loss != "mse")
            throw new ConfigException($"loss: a resistive network's output voltages are trained with the squared error (--loss mse); '{config.Loss}' is not available for --model resistive");
        try { ResistiveNetwork.CheckHiddenSizes(config.ArchiSizes); }
        catch (ArgumentException e) { throw new ConfigException(e.Message); }
    }

    public override void CheckAgainstData(TrainingConfig config, Dataset data) =>
        CheckSizes(config.ArchiSizes, data, "; the network doubles them into ±g·x itself");

    public override LayeredNetwork BuildNetwork(TrainingConfig config, Dataset data)
    {
        try { return ResistiveNetwork.Create(config.ArchiSizes, GainOf(config)); }
        catch (ArgumentException e) { throw new ConfigException(e.Message); }
    }

    public override string? DescribeTensor(Persistence.TensorArchive.Contents contents, Persistence.NamedTensor tensor)
    {
        if (tensor.Name.Length < 2 || !int.TryParse(tensor.Name.AsSpan(1), out int n)) return null;
        if (tensor.Name[0] == 'W' && tensor.Shape.Length == 2)
            return $"conductances W{n} (siemens, ≥ 0) between layer {n} (columns, {tensor.Shape[1]} nodes{(n == 0 ? ": the inputs +g·x, then −g·x" : "")}) and layer {n + 1} (rows, {tensor.Shape[0]} nodes)";
        if (tensor.Name[0] == 'b' && tensor.Shape.Length == 1)
            return $"bias currents b{n} (amperes) into the {tensor.Shape[0]} nodes of layer {n}";
        return null;
    }

    public override void Describe(LayeredNetwork network, JsonObject meta)
    {
        meta["archi"] = network.Spec.ArchiText;
        meta["input_gain"] = ResistiveNetwork.InputGain(network);
        meta["loss"] = network.Spec.Loss;
        WriteSchedules(network, meta);
    }

    public override LayeredNetwork LoadNetwork(JsonObject metadata, string path)
    {
        float gain = metadata["input_gain"]?.GetValue<float>() ?? throw new UserFacingException($"{path}: metadata has no 'input_gain'");
        var network = ResistiveNetwork.Create(NetworkSpec.ParseArchi(Required(metadata, "archi", path)), gain);
        ReadSchedules(network, metadata);
        return network;
    }
}
