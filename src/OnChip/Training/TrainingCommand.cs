using OnChip.Configuration;
using OnChip.Rbm;

namespace OnChip.Training;

/// <summary>
/// A command that trains through the shared loop (<see cref="TrainingRun"/>), as a sweep sees it: its name and CLI
/// words, its key table, and how its settings become a <see cref="TrainingJob"/> and are read back from a run
/// directory. The registry is <see cref="All"/>: <c>train</c> and <c>rbm train</c>.
/// </summary>
internal abstract class TrainingCommand(string name)
{
    public static readonly TrainingCommand Train = new TrainingCommand<TrainingConfig>(
        "train", TrainingConfig.Keys, () => new TrainingConfig(), c => new SupervisedJob(c), j => j.Loop, TrainingRun.ReadConfig);

    public static readonly TrainingCommand RbmTrain = new TrainingCommand<RbmConfig>(
        "rbm train", RbmConfig.Keys, () => new RbmConfig(), c => new RbmJob(c), j => ((RbmJob)j).Config, RbmJob.ReadConfig);

    public static readonly IReadOnlyList<TrainingCommand> All = [Train, RbmTrain];

    /// <summary>"train", "rbm train": also the words after <c>onchip</c>.</summary>
    public string Name { get; } = name;

    public IReadOnlyList<string> Words => Name.Split(' ');

    /// <summary>The names of its settings (its options, <c>out</c> and <c>seed</c> included).</summary>
    public abstract IReadOnlyList<string> Keys { get; }

    /// <summary>The command named <paramref name="name"/> (a <see cref="ConfigException"/> listing the others when there is none).</summary>
    public static TrainingCommand Find(string name)
    {
        string normalized = string.Join(' ', name.Split(' ', StringSplitOptions.RemoveEmptyEntries));
        return All.FirstOrDefault(c => c.Name == normalized)
               ?? throw new ConfigException($"unknown command '{name}' (a sweep runs {string.Join(" or ", All.Select(c => c.Name))})");
    }

    /// <summary>A job with the command's defaults, to which settings are then applied.</summary>
    public abstract TrainingJob NewJob();

    /// <summary>Sets one of <see cref="Keys"/> on the job's configuration (a <see cref="ConfigException"/> naming the key when the value is bad).</summary>
    public abstract void Set(TrainingJob job, string key, string value);

    /// <summary>Every setting of the job as text, in key-table order, <c>out</c> left out.</summary>
    public abstract IReadOnlyList<KeyValuePair<string, string?>> Canonical(TrainingJob job);

    /// <summary>The job a run directory of this command was started with (its config.yaml).</summary>
    public abstract TrainingJob Read(string directory);

    /// <summary>The settings of a config file of this command, in order.</summary>
    public abstract IReadOnlyList<KeyValuePair<string, string>> ReadFile(string path);

    public override string ToString() => Name;
}

internal sealed class TrainingCommand<TConfig>(
    string name, IReadOnlyList<ConfigKey<TConfig>> keys, Func<TConfig> create, Func<TConfig, TrainingJob> job,
    Func<TrainingJob, TConfig> config, Func<string, TConfig> read) : TrainingCommand(name)
{
    private readonly Dictionary<string, ConfigKey<TConfig>> _byName = keys.ToDictionary(k => k.Name);

    public override IReadOnlyList<string> Keys { get; } = keys.Select(k => k.Name).ToArray();

    public override TrainingJob NewJob() => job(create());

    public override void Set(TrainingJob target, string key, string value) => _byName[key].Set(config(target), value);

    public override IReadOnlyList<KeyValuePair<string, string?>> Canonical(TrainingJob target) =>
        keys.Where(k => k.Name != "out").Select(k => new KeyValuePair<string, string?>(k.Name, k.Get(config(target)))).ToArray();

    public override TrainingJob Read(string directory) => job(read(directory));

    public override IReadOnlyList<KeyValuePair<string, string>> ReadFile(string path) => ConfigFile.Read(path, keys);
}
