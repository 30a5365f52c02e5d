using System.Globalization;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using OnChip.Configuration;
using OnChip.Randomness;
using OnChip.Training;

namespace OnChip.Sweeps;

/// <summary>
/// One run of a sweep: its number, directory (relative to the sweep directory, e.g. <c>runs/0007</c>), the index of
/// its configuration (the swept values except the seed), the swept keys' values (a case's name as <c>case</c>) and every
/// setting of the resolved config (all keys of the sweep's command except <c>out</c>; null for a setting left unset).
/// </summary>
internal sealed record SweepRun(
    int Number, string Id, string Directory, int Configuration,
    IReadOnlyList<KeyValuePair<string, string>> Swept,
    IReadOnlyList<KeyValuePair<string, string?>> Settings)
{
    public string? Setting(string key) => Settings.FirstOrDefault(s => s.Key == key).Value;

    public int Epochs => int.Parse(Setting("epochs") ?? "0", CultureInfo.InvariantCulture);

    public int Threads => int.Parse(Setting("threads") ?? "1", CultureInfo.InvariantCulture);

    /// <summary>"programming=pulse-train beta=0.1" (the swept values, seed included unless <paramref name="withSeed"/> is false).</summary>
    public string Label(bool withSeed = true)
    {
        var parts = Swept.Where(s => withSeed || s.Key != "seed").Select(s => $"{s.Key}={s.Value}").ToArray();
        return parts.Length == 0 ? "base" : string.Join(" ", parts);
    }

    /// <summary>The dotted <c>device.KEY</c> settings as device parameters (key without the prefix → value), in order.</summary>
    public IReadOnlyList<KeyValuePair<string, string>> DeviceParameters =>
        Settings.Where(s => SweepKeys.IsDevice(s.Key) && s.Value is not null)
            .Select(s => new KeyValuePair<string, string>(SweepKeys.DeviceName(s.Key), s.Value!)).ToArray();

    /// <summary>The settings of the command (the device parameters left out).</summary>
    public IReadOnlyList<KeyValuePair<string, string?>> TrainSettings => Settings.Where(s => !SweepKeys.IsDevice(s.Key)).ToArray();

    /// <summary>The run's resolved job (its <c>out</c> left unset; device parameters in <see cref="DeviceConfig.Parameters"/>).</summary>
    public TrainingJob ToJob(TrainingCommand command)
    {
        var job = command.NewJob();
        foreach (var (key, value) in TrainSettings)
            if (value is not null) command.Set(job, key, value);
        job.Loop.Devices.Parameters = DeviceParameters;
        return job;
    }

    /// <summary>The resolved configuration of a run of <c>onchip train</c>.</summary>
    public TrainingConfig ToConfig() => ToJob(TrainingCommand.Train).Loop;
}

/// <summary>
/// A spec expanded into runs. Order (and so numbering): for each case's configuration (cases in order, a case's
/// lists expanded first key slowest; one empty case when the spec has none), for each grid point (the cartesian product of the grid keys,
/// the first key varying slowest), for each random draw (0 … count−1), for each seed (in the order given): one run.
/// The draws are made once, from an RNG seeded by the spec's <c>seed:</c>, and the same draws are combined with every
/// grid point (a paired design: grid points are compared on identical random settings). Run settings are, in order
/// of precedence: the command's defaults with <c>threads: 1</c>, the base, the case, the grid point, the draw, the seed.
/// </summary>
internal sealed class SweepPlan
{
    public const string FileName = "sweep.json";
    public const string Format = "onchip-sweep";
    public const int Version = 1;
    public const int MaxRuns = 100_000;

    public required string Spec { get; init; }
    /// <summary>The command of every run (<c>train</c> for a sweep.json written before sweeps ran other commands).</summary>
    public TrainingCommand Command { get; init; } = TrainingCommand.Train;
    /// <summary>Keys set by the spec's cases: <c>case</c> when a case is named, then the cases' keys in order of first appearance.</summary>
    public IReadOnlyList<string> CaseKeys { get; init; } = [];
    public required IReadOnlyList<string> GridKeys { get; init; }
    public required IReadOnlyList<string> RandomKeys { get; init; }
    public required int RandomCount { get; init; }
    public required ulong RandomSeed { get; init; }
    public required IReadOnlyList<ulong> Seeds { get; init; }
    public required IReadOnlyList<SweepRun> Runs { get; init; }

    /// <summary>Case keys, grid keys, random keys, then <c>seed</c>.</summary>
    public IReadOnlyList<string> SweptKeys => [.. CaseKeys, .. GridKeys, .. RandomKeys, "seed"];

    public int Configurations => Runs.Count == 0 ? 0 : Runs.Max(r => r.Configuration) + 1;

    /// <summary>Digits of the run numbers: at least 4 (0000 … 9999).</summary>
    public int Digits => Math.Max(4, (Runs.Count - 1).ToString(CultureInfo.InvariantCulture).Length);

    public static SweepPlan Expand(SweepSpec spec)
    {
        var command = spec.Command;
        IReadOnlyList<IReadOnlyList<KeyValuePair<string, string>>> cases = spec.Cases.Count == 0 ? [[]] : spec.Cases.SelectMany(c => c.Points()).ToArray();
        var caseKeys = cases.SelectMany(c => c.Select(s => s.Key)).Distinct().OrderBy(k => k == SweepSpec.CaseKey ? 0 : 1).ToArray();

        // Grid points: cartesian product, first key slowest.
        var points = new List<List<KeyValuePair<string, string>>> { new() };
        foreach (var (key, values) in spec.Grid)
            points = points.SelectMany(p => values.Values.Select(v => new List<KeyValuePair<string, string>>(p) { new(key, v) })).ToList();

        // Random draws, made once, key by key in the order of the spec.
        var draws = new List<List<KeyValuePair<string, string>>>();
        var rng = new Rng(spec.RandomSeed);
        for (int d = 0; d < Math.Max(1, spec.RandomCount); d++)
            draws.Add(spec.Random.Select(r => new KeyValuePair<string, string>(r.Key, r.Form.Draw(rng))).ToList());

        long total = (long)cases.Count * points.Count * draws.Count * spec.Seeds.Count;
        if (total > MaxRuns) throw new ConfigException($"{spec.Source}: expands to {total:N0} runs (at most {MaxRuns:N0})");
        int digits = Math.Max(4, (total - 1).ToString(CultureInfo.InvariantCulture).Length);

        var runs = new List<SweepRun>();
        int configuration = 0;
        foreach (var @case in cases)
        foreach (var point in points)
            foreach (var draw in draws)
            {
                foreach (var seed in spec.Seeds)
                {
                    var swept = @case.Concat(point).Concat(draw).Append(new("seed", seed.ToString(CultureInfo.InvariantCulture))).ToList();
                    var job = command.NewJob();
                    command.Set(job, "threads", "1");
                    var device = new List<KeyValuePair<string, string>>();
                    string id = runs.Count.ToString(CultureInfo.InvariantCulture).PadLeft(digits, '0');
                    try
                    {
                        foreach (var (key, value) in spec.Base.Concat(swept).Where(s => s.Key != SweepSpec.CaseKey))
                            SweepKeys.Apply(command, job, device, key, value);
                        job.Loop.Devices.Parameters = device;
                        // Resolves device: auto in place, as the command does before it writes config.yaml.
                        job.Validate();
                    }
                    catch (ConfigException e)
                    {
                        throw new ConfigException($"{spec.Source}: run {id} ({string.Join(" ", swept.Select(s => $"{s.Key}={s.Value}"))}): {e.Message}");
                    }
                    runs.Add(new SweepRun(runs.Count, id, $"runs/{id}", configuration, swept,
                        [.. command.Canonical(job), .. device.Select(p => new KeyValuePair<string, string?>(SweepKeys.DevicePrefix + p.Key, p.Value))]));
                }
                configuration++;
            }

        return new SweepPlan
        {
            Spec = spec.Source, Command = command, CaseKeys = caseKeys, GridKeys = spec.Grid.Select(g => g.Key).ToArray(), RandomKeys = spec.Random.Select(r => r.Key).ToArray(),
            RandomCount = spec.RandomCount, RandomSeed = spec.RandomSeed, Seeds = spec.Seeds, Runs = runs,
        };
    }

    // ---- sweep.json --------------------------------------------------------------------------------------

    public string ToJson()
    {
        using var buffer = new MemoryStream();
        using (var json = new Utf8JsonWriter(buffer, new JsonWriterOptions { Indented = true, Encoder = System.Text.Encodings.Web.JavaScriptEncoder.UnsafeRelaxedJsonEscaping }))
        {
            json.WriteStartObject();
            json.WriteString("format", Format);
            json.WriteNumber("version", Version);
            json.WriteString("spec", Spec);
            json.WriteString("command", Command.Name);
            json.WriteString("order", "cases × grid points (first key slowest) × random draws × seeds");
            StringArray(json, "case_keys", CaseKeys);
            StringArray(json, "grid_keys", GridKeys);
            StringArray(json, "random_keys", RandomKeys);
            json.WriteNumber("random_count", RandomCount);
            json.WriteNumber("random_seed", RandomSeed);
            json.WriteStartArray("seeds");
            foreach (var s in Seeds) json.WriteNumberValue(s);
            json.WriteEndArray();
            StringArray(json, "swept_keys", SweptKeys);
            json.WriteNumber("configurations", Configurations);
            json.WriteNumber("run_count", Runs.Count);
            json.WriteStartArray("runs");
            foreach (var run in Runs)
            {
                json.WriteStartObject();
                json.WriteNumber("number", run.Number);
                json.WriteString("id", run.Id);
                json.WriteString("directory", run.Directory);
                json.WriteNumber("configuration", run.Configuration);
                json.WriteStartObject("swept");
                foreach (var (key, value) in run.Swept) json.WriteString(key, value);
                json.WriteEndObject();
                json.WriteStartObject("config");
                foreach (var (key, value) in run.Settings)
                {
                    if (value is null) json.WriteNull(key);
                    else json.WriteString(key, value);
                }
                json.WriteEndObject();
                json.WriteEndObject();
            }
            json.WriteEndArray();
            json.WriteEndObject();
        }
        return Encoding.UTF8.GetString(buffer.ToArray()) + "\n";
    }

    private static void StringArray(Utf8JsonWriter json, string name, IEnumerable<string> values)
    {
        json.WriteStartArray(name);
        foreach (var v in values) json.WriteStringValue(v);
        json.WriteEndArray();
    }

    /// <summary>Reads DIR/sweep.json (or the file itself).</summary>
    public static SweepPlan Read(string path)
    {
        if (Directory.Exists(path)) path = Path.Combine(path, FileName);
        if (!File.Exists(path)) throw new UserFacingException($"{path}: not found (not a sweep directory: onchip sweep SPEC --out DIR writes it)");
        try
        {
            var root = JsonNode.Parse(File.ReadAllText(path)) as JsonObject ?? throw new FormatException("not a JSON object");
            if ((string?)root["format"] != Format) throw new FormatException($"\"format\" is not \"{Format}\"");
            if ((int?)root["version"] is not Version) throw new FormatException($"unsupported version {root["version"]}");
            static string[] Strings(JsonNode? node) => node?.AsArray().Select(n => (string)n!).ToArray() ?? [];
            var runs = root["runs"]!.AsArray().Select(n =>
            {
                var o = n!.AsObject();
                return new SweepRun(
                    (int)o["number"]!, (string)o["id"]!, (string)o["directory"]!, (int)o["configuration"]!,
                    o["swept"]!.AsObject().Select(p => new KeyValuePair<string, string>(p.Key, (string)p.Value!)).ToArray(),
                    o["config"]!.AsObject().Select(p => new KeyValuePair<string, string?>(p.Key, (string?)p.Value)).ToArray());
            }).ToArray();
            for (int i = 0; i < runs.Length; i++)
                if (runs[i].Number != i) throw new FormatException($"run {i} is numbered {runs[i].Number}");
            return new SweepPlan
            {
                // Sweeps written before other commands could be swept ran onchip train, and had no cases.
                Spec = (string?)root["spec"] ?? "", Command = root["command"] is JsonNode c ? TrainingCommand.Find((string)c!) : TrainingCommand.Train,
                CaseKeys = Strings(root["case_keys"]), GridKeys = Strings(root["grid_keys"]), RandomKeys = Strings(root["random_keys"]),
                RandomCount = (int?)root["random_count"] ?? 0, RandomSeed = (ulong?)root["random_seed"] ?? 0,
                Seeds = root["seeds"]?.AsArray().Select(n => (ulong)n!).ToArray() ?? [], Runs = runs,
            };
        }
        catch (Exception e) when (e is JsonException or FormatException or ConfigException or InvalidOperationException or NullReferenceException or KeyNotFoundException or IOException)
        {
            throw new UserFacingException($"{path}: not a readable sweep file ({e.Message})");
        }
    }

    /// <summary>Why <paramref name="other"/> (a new expansion) is not this sweep, or null when every run is the same.</summary>
    public string? Difference(SweepPlan other)
    {
        if (Command != other.Command) return $"it runs onchip {Command.Name}, the spec now runs onchip {other.Command.Name}";
        if (!SweptKeys.SequenceEqual(other.SweptKeys))
            return $"it sweeps {string.Join(", ", SweptKeys)}, the spec now sweeps {string.Join(", ", other.SweptKeys)}";
        if (Runs.Count != other.Runs.Count) return $"it has {Runs.Count} runs, the spec now expands to {other.Runs.Count}";
        for (int i = 0; i < Runs.Count; i++)
        {
            string? diff = SettingsDifference(Runs[i].Settings, other.Runs[i].Settings);
            if (diff is not null) return $"run {Runs[i].Id}: {diff}";
            if (Runs[i].Configuration != other.Runs[i].Configuration || Runs[i].Directory != other.Runs[i].Directory)
                return $"run {Runs[i].Id}: numbered differently";
        }
        return null;
    }

    /// <summary>The first setting whose value differs ("beta is 0.5 there, 0.1 in the spec"), or null.</summary>
    public static string? SettingsDifference(IReadOnlyList<KeyValuePair<string, string?>> existing, IReadOnlyList<KeyValuePair<string, string?>> expected)
    {
        foreach (var (key, value) in expected)
        {
            string? there = existing.FirstOrDefault(s => s.Key == key).Value;
            if (there != value) return $"{key} is {there ?? "(not set)"} there, {value ?? "(not set)"} in the spec";
        }
        return null;
    }
}
