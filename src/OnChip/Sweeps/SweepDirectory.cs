using System.Globalization;
using System.Text.Json;
using OnChip.Configuration;
using OnChip.Devices;
using OnChip.Persistence;
using OnChip.Training;

namespace OnChip.Sweeps;

/// <summary>Where a run of a sweep stands.</summary>
internal enum RunStatus
{
    /// <summary>metrics.jsonl has every epoch.</summary>
    Complete,
    /// <summary>Some epochs, not all (interrupted, killed, out of time): resumed from its checkpoint by the next sweep.</summary>
    Partial,
    /// <summary>Its last attempt exited with an error (exit_code holds a code other than 0 and 130).</summary>
    Failed,
    /// <summary>No epoch recorded (not run yet, or no metrics.jsonl).</summary>
    Missing,
}

internal sealed record RunState(SweepRun Run, string Path, RunStatus Status, int EpochsDone, int? ExitCode)
{
    /// <summary>Has the run written anything that <c>onchip train --resume</c> (or <c>rbm train --resume</c>) continues from?</summary>
    public bool Started => SweepDirectory.ResultFiles.Any(f => File.Exists(System.IO.Path.Combine(Path, f)));

    public string StatusName => Status.ToString().ToLowerInvariant();
}

/// <summary>
/// A sweep's directory: <c>sweep.json</c> (every run), <c>runs/NNNN/</c> (one normal run directory per run, its
/// <c>config.yaml</c> written when the sweep is prepared), <c>logs/</c> (Slurm's per-task output), <c>sweep.sbatch</c>.
/// Preparing a directory that already holds a sweep checks that the spec expands to exactly the same runs and that
/// every run's config.yaml is still the one the spec gives: nothing is ever silently overwritten.
/// </summary>
internal sealed class SweepDirectory
{
    public const string RunsFolder = "runs";
    public const string LogsFolder = "logs";
    public const string ExitCodeFile = "exit_code";
    public const string StderrFile = "stderr.log";
    public const string StdoutFile = "stdout.log";
    public const string LockFile = ".sweep.lock";

    /// <summary>Files of a run directory that mean training started (so the run is continued with --resume).</summary>
    public static readonly IReadOnlyList<string> ResultFiles =
        [RunDirectory.MetricsFileName, RunDirectory.ModelFileName, Checkpoint.FileName, Checkpoint.PreviousFileName];

    private SweepDirectory(string path, SweepPlan plan)
    {
        Path = path;
        FullPath = System.IO.Path.GetFullPath(path);
        Plan = plan;
    }

    /// <summary>The directory as given.</summary>
    public string Path { get; }
    public string FullPath { get; }
    public SweepPlan Plan { get; }
    public string ManifestPath => System.IO.Path.Combine(FullPath, SweepPlan.FileName);
    public string LogsPath => System.IO.Path.Combine(FullPath, LogsFolder);

    /// <summary>Absolute path of a run's directory.</summary>
    public string RunPath(SweepRun run) => System.IO.Path.GetFullPath(System.IO.Path.Combine(FullPath, run.Directory));

    /// <summary>A run's directory as the user would type it (under the sweep directory as given).</summary>
    public string DisplayPath(SweepRun run) => System.IO.Path.Combine(Path, run.Directory);

    /// <summary>An existing sweep directory (reads its sweep.json).</summary>
    public static SweepDirectory Open(string path)
    {
        if (!Directory.Exists(path)) throw new UserFacingException($"{path}: no such sweep directory");
        return new SweepDirectory(path, SweepPlan.Read(System.IO.Path.Combine(path, SweepPlan.FileName)));
    }

    /// <summary>
    /// Creates the sweep directory for <paramref name="plan"/> (sweep.json, runs/NNNN/config.yaml), or checks that an
    /// existing one holds the same sweep. Errors name the run and the setting that differs.
    /// </summary>
    public static SweepDirectory Prepare(string path, SweepPlan plan, string header)
    {
        if (File.Exists(path)) throw new UserFacingException($"{path}: exists and is a file, not a sweep directory");
        var sweep = new SweepDirectory(path, plan);
        try
        {
            if (File.Exists(sweep.ManifestPath))
            {
                var existing = SweepPlan.Read(sweep.ManifestPath);
                if (existing.Difference(plan) is string diff)
                    throw new UserFacingException($"{path}: holds a different sweep ({diff}); a sweep continues only with a spec that expands to the same runs: " +
                                                  "restore the spec, or give a new --out");
            }
            else
            {
                if (Directory.Exists(path) && Directory.EnumerateFileSystemEntries(path).Any())
                    throw new UserFacingException($"{path}: exists, is not empty and holds no {SweepPlan.FileName}; give a new or empty --out");
                Directory.CreateDirectory(path);
                AtomicFile.WriteAllText(sweep.ManifestPath, plan.ToJson());
            }
            Directory.CreateDirectory(System.IO.Path.Combine(sweep.FullPath, RunsFolder));
            Directory.CreateDirectory(sweep.LogsPath);
            foreach (var run in plan.Runs) sweep.PrepareRun(run, header);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new UserFacingException($"{path}: cannot write the sweep directory ({e.Message})");
        }
        return sweep;
    }

    private void PrepareRun(SweepRun run, string header)
    {
        string dir = RunPath(run);
        string config = System.IO.Path.Combine(dir, RunDirectory.ConfigFileName);
        var command = Plan.Command;
        var resolved = run.ToJob(command);
        var device = DeviceFile(run, resolved.Loop);
        if (device is not null) resolved.Loop.Devices.DeviceConfigFile = device.Value.Path;
        resolved.Loop.Devices.Parameters = [];
        if (File.Exists(config))
        {
            TrainingJob existing;
            try { existing = command.Read(dir); }
            catch (UserFacingException e)
            {
                throw new UserFacingException($"run {run.Id} ({DisplayPath(run)}): its config.yaml cannot be read ({e.Message}); move the directory away to run it again");
            }
            string? diff = SweepPlan.SettingsDifference(command.Canonical(existing), command.Canonical(resolved));
            if (diff is null && device is not null)
                diff = File.Exists(device.Value.Path) && File.ReadAllText(device.Value.Path) == device.Value.Text ? null
                    : $"its {DeviceFileName} is not the device parameters of the spec";
            if (diff is not null)
                throw new UserFacingException($"run {run.Id} ({DisplayPath(run)}): its config.yaml differs from the spec's ({diff}); " +
                                              "a sweep never overwrites a run: restore the spec, or move the run directory away");
            return;
        }
        if (Directory.Exists(dir) && ResultFiles.Any(f => File.Exists(System.IO.Path.Combine(dir, f))))
            throw new UserFacingException($"run {run.Id} ({DisplayPath(run)}): holds results but no config.yaml; move it away to run it again");
        Directory.CreateDirectory(dir);
        if (device is not null) AtomicFile.WriteAllText(device.Value.Path, device.Value.Text);
        AtomicFile.WriteAllText(config, resolved.WithOut(dir).ConfigText(
            $"{header}\nrun {run.Id}: {run.Label()}\nrun it alone with: onchip {command.Name} --config {config} --out {dir}"));
    }

    public const string DeviceFileName = "device.yaml";

    /// <summary>
    /// A run with dotted device parameters gets its own device-config file, RUN/device.yaml: the base's device-config
    /// file (when one is named), then the run's parameters, which win. Null for a run without device parameters.
    /// </summary>
    private (string Path, string Text)? DeviceFile(SweepRun run, TrainingConfig resolved)
    {
        var parameters = run.DeviceParameters;
        if (parameters.Count == 0) return null;
        var merged = new List<KeyValuePair<string, string>>();
        string? baseFile = resolved.Devices.DeviceConfigFile;
        if (baseFile is not null) merged.AddRange(ConfigFile.Read(baseFile, DeviceSpec.Keys));
        foreach (var (key, value) in parameters)
        {
            merged.RemoveAll(p => p.Key == key);
            merged.Add(new(key, value));
        }
        var text = new System.Text.StringBuilder();
        text.Append($"# Device parameters of sweep run {run.Id} ({run.Label()}): ")
            .Append(baseFile is null ? "" : $"{baseFile}, then ").Append("the spec's device.* keys.\n");
        foreach (var (key, value) in merged) text.Append(key).Append(": ").Append(ConfigFile.Quote(value)).Append('\n');
        return (System.IO.Path.Combine(RunPath(run), DeviceFileName), text.ToString());
    }

    /// <summary>Where a run stands, from its files (never throws for missing or damaged files).</summary>
    public RunState State(SweepRun run)
    {
        string dir = RunPath(run);
        int done = CompletedEpochs(System.IO.Path.Combine(dir, RunDirectory.MetricsFileName));
        int? exit = ReadExitCode(dir);
        var status = done >= run.Epochs && run.Epochs > 0 ? RunStatus.Complete
            : exit is int c && c != 0 && c != 130 ? RunStatus.Failed
            : done > 0 ? RunStatus.Partial
            : RunStatus.Missing;
        return new RunState(run, dir, status, done, exit);
    }

    public IReadOnlyList<RunState> States() => Plan.Runs.Select(State).ToArray();

    /// <summary>The number of consecutive epochs 1, 2, … k that metrics.jsonl records (0 when it is absent or unreadable).</summary>
    public static int CompletedEpochs(string metricsPath)
    {
        if (!File.Exists(metricsPath)) return 0;
        var epochs = new HashSet<int>();
        try
        {
            foreach (var line in File.ReadLines(metricsPath))
            {
                if (string.IsNullOrWhiteSpace(line)) continue;
                try
                {
                    using var doc = JsonDocument.Parse(line);
                    if (doc.RootElement.ValueKind == JsonValueKind.Object && doc.RootElement.TryGetProperty("epoch", out var e) && e.TryGetInt32(out int epoch))
                        epochs.Add(epoch);
                }
                catch (JsonException) { }
            }
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException) { return 0; }
        int k = 0;
        while (epochs.Contains(k + 1)) k++;
        return k;
    }

    public static int? ReadExitCode(string runDirectory)
    {
        string path = System.IO.Path.Combine(runDirectory, ExitCodeFile);
        try
        {
            return File.Exists(path) && int.TryParse(File.ReadAllText(path).Trim(), NumberStyles.Integer, CultureInfo.InvariantCulture, out int code) ? code : null;
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException) { return null; }
    }

    public static void WriteExitCode(string runDirectory, int code) =>
        AtomicFile.WriteAllText(System.IO.Path.Combine(runDirectory, ExitCodeFile), code.ToString(CultureInfo.InvariantCulture) + "\n");

    /// <summary>The last non-empty line of a run's stderr.log that says what went wrong (for one-line reports).</summary>
    public static string? LastError(string runDirectory)
    {
        string path = System.IO.Path.Combine(runDirectory, StderrFile);
        try
        {
            if (!File.Exists(path)) return null;
            var lines = File.ReadLines(path).Where(l => !string.IsNullOrWhiteSpace(l)).ToList();
            return lines.LastOrDefault(l => l.StartsWith("error:", StringComparison.Ordinal) || l.StartsWith("internal error:", StringComparison.Ordinal))
                   ?? lines.LastOrDefault();
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException) { return null; }
    }

    /// <summary>Holds an exclusive lock on the directory so that two local sweeps never run the same runs at once.</summary>
    public IDisposable Lock()
    {
        try
        {
            return new FileStream(System.IO.Path.Combine(FullPath, LockFile), FileMode.OpenOrCreate, FileAccess.ReadWrite, FileShare.None);
        }
        catch (IOException)
        {
            throw new UserFacingException($"{Path}: another onchip sweep is running in this directory");
        }
    }
}
