using OnChip.Configuration;
using OnChip.Data;
using OnChip.Learning;
using OnChip.Parallelism;
using OnChip.Training;

namespace OnChip.Models;

/// <summary>
/// A kind of model the trainer and the tools can build (<c>--model NAME</c>): what it is, the settings it reads,
/// what it offers the learning rules (<see cref="ModelCapabilities"/>), and how to build it, initialised, with the
/// rule that trains it. Families are listed in <see cref="ModelFamilies"/>; nothing else in OnChip compares model
/// names. A family that builds an energy-based network derives from <see cref="EnergyModelFamily"/>.
/// </summary>
internal abstract class ModelFamily
{
    public abstract string Name { get; }
    public abstract string Description { get; }
    public abstract ModelCapabilities Capabilities { get; }

    /// <summary>
    /// The model-specific training settings this family reads (keys of <see cref="TrainingConfig.Keys"/>). A setting
    /// some other family reads, given here with a value other than its default, is an error.
    /// </summary>
    public abstract IReadOnlyList<string> Settings { get; }

    /// <summary>
    /// The settings whose default this family chooses for itself, as YAML key and value (only keys of
    /// <see cref="TrainingConfig.FamilyDefaultKeys"/>): what the family trains well with, where the shared defaults
    /// (the layered network's reference configuration) do not. A value the user sets always wins.
    /// </summary>
    public virtual IReadOnlyList<KeyValuePair<string, string>> Defaults => [];

    /// <summary>Number of learning-rate groups (synaptic layers) of the configured model, without building it.</summary>
    public abstract int GroupCount(TrainingConfig config);

    /// <summary>The model in a few words, for progress output.</summary>
    public abstract string Describe(TrainingConfig config);

    /// <summary>Checks settings the family alone knows about (one <see cref="ConfigException"/> line when wrong).</summary>
    public virtual void Validate(TrainingConfig config) { }

    /// <summary>Checks that the model fits the data (input features, classes).</summary>
    public abstract void CheckAgainstData(TrainingConfig config, Dataset data);

    /// <summary>The first size must be the data's features and the last its classes (<paramref name="inputNote"/> ends the first message).</summary>
    protected static void CheckSizes(int[] archi, Dataset data, string inputNote = "")
    {
        if (archi[0] != data.FeatureCount)
            throw new ConfigException($"archi: the input size {archi[0]} does not match the {data.FeatureCount} features of {data.Name} (use {data.FeatureCount}-…{inputNote})");
        if (archi[^1] != data.ClassCount)
            throw new ConfigException($"archi: the output size {archi[^1]} does not match the {data.ClassCount} classes of {data.Name} (use …-{data.ClassCount})");
    }

    /// <summary>Builds the model for data shaped like <paramref name="data"/>, initialised from the config's seed, with its rule.</summary>
    public abstract ISupervisedLearner CreateLearner(TrainingConfig config, Dataset data, WorkerPool pool);

    public override string ToString() => Name;
}
