using System.Globalization;
using OnChip.Configuration;

namespace OnChip.Training;

/// <summary>
/// The folder of one run: config.yaml (the full resolved config), metrics.jsonl (one line per epoch) and
/// model.onchip (the trained model, rewritten atomically after every epoch).
/// </summary>
public sealed class RunDirectory
{
    /// <summary>The resolved settings of the run.</summary>
    public const string ConfigFileName = "config.yaml";
    /// <summary>One JSON line of metrics per epoch.</summary>
    public const string MetricsFileName = "metrics.jsonl";
    /// <summary>The model after the last completed epoch.</summary>
    public const string ModelFileName = "model.onchip";

    private RunDirectory(string path) => Path = path;

    /// <summary>The directory.</summary>
    public string Path { get; }
    /// <summary>Where the resolved settings are.</summary>
    public string ConfigPath => System.IO.Path.Combine(Path, ConfigFileName);
    /// <summary>Where the per-epoch metrics are.</summary>
    public string MetricsPath => System.IO.Path.Combine(Path, MetricsFileName);
    /// <summary>Where the trained model is.</summary>
    public string ModelPath => System.IO.Path.Combine(Path, ModelFileName);
    /// <summary>A file of the run directory.</summary>
    public string FilePath(string name) => System.IO.Path.Combine(Path, name);

    /// <summary>
    /// The resolved configuration an <c>onchip COMMAND</c> run directory was started with, read with that command's
    /// keys; a directory of another command's run (<paramref name="otherCommand"/>) is refused with a pointer to it.
    /// </summary>
    internal static TConfig ReadConfig<TConfig>(string directory, IReadOnlyList<ConfigKey<TConfig>> keys, TConfig defaults,
        string command, string otherCommand)
    {
        string path = System.IO.Path.Combine(directory, ConfigFileName);
        if (!Directory.Exists(directory)) throw new UserFacingException($"{directory}: no such run directory");
        if (!File.Exists(path)) throw new UserFacingException($"{directory}: not a run directory (no {ConfigFileName})");
        try { return ConfigFile.Apply(path, keys, defaults); }
        catch (ConfigException e)
        {
            throw new UserFacingException($"{directory}: not an onchip {command} run ({e.Message}); an onchip {otherCommand} run resumes with onchip {otherCommand} --resume");
        }
    }

    /// <summary>Creates the run directory (default runs/&lt;timestamp&gt;); refuses one that already holds a run.</summary>
    public static RunDirectory Create(string? requested) => Create(requested, "", [MetricsFileName, ModelFileName]);

    /// <summary>
    /// Creates an output directory (default runs/&lt;prefix&gt;&lt;timestamp&gt;) and checks it is writable; refuses one
    /// that already holds any of <paramref name="results"/>, so earlier results are never overwritten.
    /// </summary>
    public static RunDirectory Create(string? requested, string prefix, IReadOnlyList<string> results)
    {
        string path = requested ?? DefaultPath(prefix);
        if (File.Exists(path)) throw new UserFacingException($"{path}: exists and is a file, not a run directory");
        if (Directory.Exists(path) && results.Any(r => File.Exists(System.IO.Path.Combine(path, r))))
            throw new UserFacingException($"{path}: already holds results ({string.Join(" or ", results)}); choose another --out");
        try
        {
            Directory.CreateDirectory(path);
            // Fail now, not after an hour of training, if the directory is not writable.
            string probe = System.IO.Path.Combine(path, $".write-test-{Environment.ProcessId}");
            File.WriteAllText(probe, "");
            File.Delete(probe);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new UserFacingException($"{path}: cannot create or write the run directory ({e.Message})");
        }
        return new RunDirectory(path);
    }

    /// <summary>An existing run directory (to resume it).</summary>
    public static RunDirectory Open(string path) =>
        Directory.Exists(path) ? new RunDirectory(path) : throw new UserFacingException($"{path}: no such run directory");

    private static string DefaultPath(string prefix)
    {
        string stamp = prefix + DateTime.Now.ToString("yyyyMMdd-HHmmss", CultureInfo.InvariantCulture);
        string path = System.IO.Path.Combine("runs", stamp);
        for (int i = 2; Directory.Exists(path); i++) path = System.IO.Path.Combine("runs", $"{stamp}-{i}");
        return path;
    }
}
