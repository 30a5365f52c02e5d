using System.Globalization;
using OnChip.Configuration;
using OnChip.Training;
using YamlDotNet.Core;
using YamlDotNet.RepresentationModel;

namespace OnChip.Sweeps;

/// <summary>
/// How the values of one swept key are given. Grid keys take the discrete forms (a list, one value, a range);
/// random keys take any form (a list or range is drawn from uniformly, like <c>choice</c>).
/// </summary>
internal abstract record ValueForm
{
    /// <summary>A finite set of textual values: a list, a single value, <c>{range: …}</c> or <c>{choice: …}</c>.</summary>
    public sealed record Discrete(IReadOnlyList<string> Values, string Form) : ValueForm;

    /// <summary><c>{uniform: [a, b]}</c> or <c>{log-uniform: [a, b]}</c>: a real number, drawn uniformly (in log space).</summary>
    public sealed record Continuous(double Low, double High, bool Log) : ValueForm;

    /// <summary><c>{int-uniform: [a, b]}</c>: an integer in [a, b], both included.</summary>
    public sealed record Integer(long Low, long High) : ValueForm;

    /// <summary>One draw, as the config text of the value.</summary>
    public string Draw(Randomness.Rng rng) => this switch
    {
        Discrete d => d.Values[rng.NextInt(d.Values.Count)],
        Continuous { Log: false } c => ConfigParse.Format((float)(c.Low + (c.High - c.Low) * rng.NextDouble())),
        Continuous c => ConfigParse.Format((float)Math.Exp(Math.Log(c.Low) + (Math.Log(c.High) - Math.Log(c.Low)) * rng.NextDouble())),
        Integer i => Math.Min(i.High, i.Low + (long)Math.Floor(rng.NextDouble() * (i.High - i.Low + 1))).ToString(CultureInfo.InvariantCulture),
        _ => throw new InvalidOperationException(),
    };
}

/// <summary>
/// A sweep spec (YAML): the training command, a base config, a grid, cases and/or random draws over any key of that
/// command, and seeds.
/// <code>
/// command: train                                                            # or: rbm train (default: train)
/// base: {data: fashion-mnist, archi: 784-512-10, epochs: 5, device: ecram}   # or: base: path/to/config.yaml
/// grid: {programming: [pulse-train, mixed-precision], beta: [0.1, 0.5]}
/// random: {count: 8, lr: {log-uniform: [1e-3, 1e-1]}}                    # and seed: N, the draws' seed (default 0)
/// seeds: 3                                                                  # or a list: [0, 7, 11]
/// cases: [{case: fast, lr: 0.1, batch: 100}, {case: slow, lr: 0.01, batch: [1, 10]}]   # optional: hand-picked configurations
/// </code>
/// Keys are the options of the command or dotted device parameters (<c>device.up-down</c>: see <see cref="SweepKeys"/>).
/// Cases are configurations that a grid cannot express (settings that change together); a list inside a case is a
/// small grid of its own; cases are crossed with the grid.
/// Every key and value is checked before anything runs; errors name the file, the section and the key.
/// </summary>
internal sealed class SweepSpec
{
    public static readonly IReadOnlyList<string> Sections = ["command", "base", "grid", "cases", "random", "seeds"];

    /// <summary>The label of a case (<c>case: NAME</c>): a column of the summaries, not a setting.</summary>
    public const string CaseKey = "case";

    /// <summary>Value forms written as a one-key mapping.</summary>
    public static readonly IReadOnlyList<string> Forms = ["range", "choice", "uniform", "log-uniform", "int-uniform"];

    public required string Source { get; init; }
    /// <summary>The command every run runs (<c>command:</c>, default <c>train</c>).</summary>
    public TrainingCommand Command { get; init; } = TrainingCommand.Train;
    /// <summary>Base settings in order (the base config file's, then the inline ones).</summary>
    public IReadOnlyList<KeyValuePair<string, string>> Base { get; init; } = [];
    public IReadOnlyList<(string Key, ValueForm.Discrete Values)> Grid { get; init; } = [];
    /// <summary>The cases in order (empty: one configuration per grid point).</summary>
    public IReadOnlyList<SweepCase> Cases { get; init; } = [];
    public int RandomCount { get; init; }
    public IReadOnlyList<(string Key, ValueForm Form)> Random { get; init; } = [];
    public IReadOnlyList<ulong> Seeds { get; init; } = [0];
    /// <summary>Seed of the random draws (<c>random: {seed: N}</c>, default 0).</summary>
    public ulong RandomSeed { get; init; }

    public static SweepSpec Load(string path)
    {
        string text;
        try { text = File.ReadAllText(path); }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new ConfigException($"{path}: cannot read the sweep spec ({e.Message})");
        }
        return Parse(text, path, Path.GetDirectoryName(Path.GetFullPath(path)) ?? ".");
    }

    /// <summary>Parses a spec; <paramref name="directory"/> resolves a relative <c>base:</c> file name.</summary>
    public static SweepSpec Parse(string text, string source, string directory)
    {
        var stream = new YamlStream();
        try { stream.Load(new StringReader(text)); }
        catch (YamlException e)
        {
            throw new ConfigException($"{source}: not valid YAML at line {e.Start.Line}, column {e.Start.Column}: {e.Message}");
        }
        if (stream.Documents.Count == 0 || stream.Documents[0].RootNode is not YamlMappingNode root)
            throw new ConfigException($"{source}: expected a mapping with command:, base:, grid:, cases:, random:, seeds:");

        // Every key is checked against the command's table as it is read, so the command is read first.
        var command = TrainingCommand.Train;
        foreach (var (keyNode, value) in root.Children)
            if (Scalar(keyNode) == "command")
            {
                string at = $"{source}: command";
                try { command = TrainingCommand.Find(value is YamlScalarNode s ? s.Value ?? "" : throw new ConfigException("expected a command name, e.g. command: rbm train")); }
                catch (ConfigException e) { throw new ConfigException($"{at}: {e.Message}"); }
            }

        var baseSettings = new List<KeyValuePair<string, string>>();
        var grid = new List<(string, ValueForm.Discrete)>();
        var cases = new List<SweepCase>();
        var random = new List<(string, ValueForm)>();
        int count = 0;
        bool countGiven = false;
        IReadOnlyList<ulong> seeds = [0];
        ulong randomSeed = 0;

        foreach (var (keyNode, value) in root.Children)
        {
            string section = Scalar(keyNode) ?? "";
            string at = $"{source}: {section}";
            switch (section)
            {
                case "command":
                    break;
                case "base":
                    if (value is YamlScalarNode { Value: { Length: > 0 } file })
                    {
                        string path = Path.IsPathRooted(file) ? file : Path.Combine(directory, file);
                        if (!File.Exists(path)) throw new ConfigException($"{at}: base config file '{file}' not found ({path})");
                        foreach (var (key, v) in command.ReadFile(path))
                        {
                            CheckNotReserved($"{path}", key, "base");
                            baseSettings.Add(new(key, Checked(command, path, key, v)));
                        }
                    }
                    else
                    {
                        foreach (var (k, v) in Mapping(value, at, "a mapping of settings (key: value) or the name of a config file"))
                        {
                            string key = Key(command, k, at);
                            CheckNotReserved(at, key, "base");
                            baseSettings.Add(new(key, Checked(command, at, key, Plain(v, $"{at}: {key}"))));
                        }
                    }
                    break;
                case "grid":
                    foreach (var (k, v) in Mapping(value, at, "a mapping of keys to lists of values"))
                    {
                        string key = Key(command, k, at);
                        CheckNotReserved(at, key, "grid");
                        if (grid.Any(g => g.Item1 == key)) throw new ConfigException($"{at}: '{key}' appears twice");
                        grid.Add((key, GridValues(command, v, at, key, "grid")));
                    }
                    break;
                case "cases":
                    if (value is not YamlSequenceNode { Children.Count: > 0 } list)
                        throw new ConfigException($"{at}: expected a list of cases, each a mapping of settings (e.g. cases: [{{case: fast, lr: 0.1}}, {{case: slow, lr: 0.01}}])");
                    foreach (var item in list.Children)
                        cases.Add(Case(command, item, $"{at}[{cases.Count}]"));
                    break;
                case "random":
                    foreach (var (k, v) in Mapping(value, at, "a mapping with count: and keys to value forms"))
                    {
                        string name = Scalar(k) ?? "";
                        if (name == "count")
                        {
                            count = PositiveInt(Plain(v, $"{at}: count"), $"{at}: count", 1, 1_000_000);
                            countGiven = true;
                            continue;
                        }
                        // Here seed: seeds the draws (the runs' seeds are the spec's seeds:, and never drawn).
                        if (name == "seed")
                        {
                            randomSeed = ConfigParse.Seed($"{at}: seed", Plain(v, $"{at}: seed"));
                            continue;
                        }
                        string key = Key(command, k, at, extra: ["count", "seed"]);
                        CheckNotReserved(at, key, "random");
                        if (random.Any(r => r.Item1 == key)) throw new ConfigException($"{at}: '{key}' appears twice");
                        random.Add((key, Form(command, v, $"{at}: {key}", key)));
                    }
                    if (random.Count == 0) throw new ConfigException($"{at}: no key to draw (e.g. random: {{count: 8, lr: {{log-uniform: [1e-3, 1e-1]}}}})");
                    if (!countGiven) throw new ConfigException($"{at}: count: missing (how many draws, e.g. count: 8)");
                    break;
                case "seeds":
                    seeds = ParseSeeds(value, at);
                    break;
                case "seed":
                    // Top-level seed: is too close to seeds: to guess which was meant.
                    throw new ConfigException($"{at}: not a section: the runs' seeds are seeds: (a count, e.g. seeds: 3, or a list, seeds: [0, 7]); " +
                                              "the random draws' seed goes in random: (random: {count: 8, seed: 1, …})");
                default:
                    string? near = Suggest.Nearest(section, Sections);
                    string hint = near is not null ? $"; did you mean '{near}'?"
                        : SweepKeys.IsKnown(command, section) ? $"; settings go under base:, grid:, cases: or random: (e.g. base: {{{section}: …}})"
                        : $" (expected {string.Join(", ", Sections)})";
                    throw new ConfigException($"{source}: unknown section '{section}' at line {keyNode.Start.Line}{hint}");
            }
        }
        foreach (var (key, _) in grid)
            if (random.Any(r => r.Item1 == key)) throw new ConfigException($"{source}: '{key}' is both in grid: and in random:; give it in one of them");
        foreach (var key in cases.SelectMany(c => c.Settings.Select(s => s.Key)).Distinct())
            if (grid.Any(g => g.Item1 == key) || random.Any(r => r.Item1 == key))
                throw new ConfigException($"{source}: '{key}' is both in cases: and in {(grid.Any(g => g.Item1 == key) ? "grid:" : "random:")}; give it in one of them");

        return new SweepSpec
        {
            Source = source, Command = command, Base = baseSettings, Grid = grid, Cases = cases, RandomCount = random.Count > 0 ? count : 0, Random = random,
            Seeds = seeds, RandomSeed = randomSeed,
        };
    }

    // ---- pieces --------------------------------------------------------------------------------------------

    private static string? Scalar(YamlNode node) => (node as YamlScalarNode)?.Value;

    private static IEnumerable<(YamlNode, YamlNode)> Mapping(YamlNode node, string at, string expected)
    {
        if (node is YamlMappingNode m) return m.Children.Select(p => (p.Key, p.Value));
        if (node is YamlScalarNode { Value: null or "" }) return [];
        throw new ConfigException($"{at}: expected {expected}");
    }

    /// <summary>A key of the command's options or a dotted device parameter; an unknown one is named with the nearest suggested.</summary>
    private static string Key(TrainingCommand command, YamlNode node, string at, IReadOnlyList<string>? extra = null)
    {
        string key = Scalar(node) ?? "";
        if (SweepKeys.IsKnown(command, key)) return key;
        if (key == CaseKey) throw new ConfigException($"{at}: case: names a case; it goes in an entry of cases: (e.g. cases: [{{case: fast, lr: 0.1}}])");
        string where = $"{at}: unknown key '{key}' at line {node.Start.Line}";
        if (SweepKeys.IsDevice(key))
        {
            string? nearDevice = Suggest.Nearest(key, SweepKeys.DeviceKeys);
            throw new ConfigException($"{where}{(nearDevice is null ? "" : $"; did you mean '{nearDevice}'?")} (device parameters: onchip devices --keys)");
        }
        // A device parameter without its prefix (dw-min) is the likeliest meaning of a name only devices have.
        if (SweepKeys.DeviceKeys.Contains(SweepKeys.DevicePrefix + key))
            throw new ConfigException($"{where}; did you mean '{SweepKeys.DevicePrefix}{key}'? (device parameters take the device. prefix)");
        // Options are flat: optim.lr means lr.
        if (key.Contains('.') && command.Keys.Contains(key[(key.LastIndexOf('.') + 1)..]))
            throw new ConfigException($"{where}; the options of onchip {command.Name} are flat: use '{key[(key.LastIndexOf('.') + 1)..]}'");
        // A key of another training command: the spec most likely lacks (or has the wrong) command:.
        if (TrainingCommand.All.FirstOrDefault(c => c != command && c.Keys.Contains(key)) is { } other)
            throw new ConfigException($"{where}: it is an option of onchip {other.Name}, not of onchip {command.Name} " +
                                      $"(the spec runs {command.Name}{(command == TrainingCommand.Train ? ", the default" : "")}; to sweep {other.Name}, add command: {other.Name})");
        string? near = Suggest.Nearest(key, [.. command.Keys, .. extra ?? []]);
        throw new ConfigException($"{where}{(near is null ? "" : $"; did you mean '{near}'?")}");
    }

    private static void CheckNotReserved(string at, string key, string section)
    {
        if (key == "out") throw new ConfigException($"{at}: out: the sweep puts each run in DIR/runs/NNNN; give the sweep's directory with --out");
        if (key == "seed") throw new ConfigException($"{at}: seed: give the runs' seeds with the spec's seeds: (a count, or a list such as seeds: [0, 7]), not in {section}:");
    }

    /// <summary>A plain value: a scalar, or a list of scalars joined by commas (e.g. a per-layer lr).</summary>
    private static string Plain(YamlNode node, string at) => node switch
    {
        YamlScalarNode s => s.Value ?? "",
        YamlSequenceNode seq => string.Join(",", seq.Children.Select(c => Scalar(c) ?? throw new ConfigException($"{at}: nested lists are not allowed here"))),
        _ => throw new ConfigException($"{at}: expected a value"),
    };

    /// <summary>Checks a value against the key's parser (so a bad value is reported before anything runs).</summary>
    private static string Checked(TrainingCommand command, string at, string key, string value)
    {
        try { SweepKeys.Check(command, key, value); }
        catch (ConfigException e)
        {
            // The parser names the key ("act: unknown value …"); say it once, with its device. prefix when it has one.
            string name = SweepKeys.IsDevice(key) ? SweepKeys.DeviceName(key) : key;
            string message = e.Message.StartsWith(name + ": ", StringComparison.Ordinal) ? e.Message[(name.Length + 2)..] : e.Message;
            string where = at.EndsWith(": " + key, StringComparison.Ordinal) ? at : $"{at}: {key}";
            throw new ConfigException($"{where}: {message}");
        }
        return value.Trim();
    }

    private static string FormName(YamlNode node) =>
        node is YamlMappingNode { Children.Count: 1 } m ? $"{{{Scalar(m.Children.First().Key)}: …}}" : "this form";

    /// <summary>The values of a grid key (or a key of a case): a list, one value or a range.</summary>
    private static ValueForm.Discrete GridValues(TrainingCommand command, YamlNode node, string at, string key, string section)
    {
        var form = Form(command, node, $"{at}: {key}", key);
        return form is ValueForm.Discrete { Form: not "choice" } discrete ? discrete
            : throw new ConfigException($"{at}: {key}: {FormName(node)} draws values at random; put the key under random: (the {section} takes a list or a range)");
    }

    /// <summary>One entry of cases:: a mapping of settings, with an optional <c>case: NAME</c>.</summary>
    private static SweepCase Case(TrainingCommand command, YamlNode node, string at)
    {
        string? name = null;
        var settings = new List<(string, ValueForm.Discrete)>();
        foreach (var (k, v) in Mapping(node, at, "a mapping of settings (key: value or key: [values]), e.g. {case: fast, lr: 0.1}"))
        {
            if (Scalar(k) == CaseKey)
            {
                name = Scalar(v) is { Length: > 0 } text && !text.Any(char.IsControl) ? text : throw new ConfigException($"{at}: case: expected a name");
                continue;
            }
            string key = Key(command, k, at, extra: [CaseKey]);
            CheckNotReserved(at, key, "cases");
            if (settings.Any(s => s.Item1 == key)) throw new ConfigException($"{at}: '{key}' appears twice");
            settings.Add((key, GridValues(command, v, at, key, "case")));
        }
        if (settings.Count == 0) throw new ConfigException($"{at}: a case sets at least one key");
        return new SweepCase(name, settings);
    }

    private static ValueForm Form(TrainingCommand command, YamlNode node, string at, string key)
    {
        switch (node)
        {
            case YamlScalarNode s:
                return new ValueForm.Discrete([Checked(command, at, key, s.Value ?? "")], "value");
            case YamlSequenceNode seq:
                if (seq.Children.Count == 0) throw new ConfigException($"{at}: empty list");
                return new ValueForm.Discrete(seq.Children.Select(c => Checked(command, at, key, Plain(c, at))).ToArray(), "list");
            case YamlMappingNode { Children.Count: 1 } m:
                string form = Scalar(m.Children.First().Key) ?? "";
                var args = m.Children.First().Value;
                string where = $"{at}: {form}";
                switch (form)
                {
                    case "range":
                        return new ValueForm.Discrete(Range(Numbers(args, where, 2, 3), where).Select(v => Checked(command, at, key, v)).ToArray(), "range");
                    case "choice":
                        if (args is not YamlSequenceNode { Children.Count: > 0 } choices) throw new ConfigException($"{where}: expected a list of values, e.g. {{choice: [a, b]}}");
                        return new ValueForm.Discrete(choices.Children.Select(c => Checked(command, at, key, Plain(c, at))).ToArray(), "choice");
                    case "uniform":
                    case "log-uniform":
                    {
                        var b = Numbers(args, where, 2, 2);
                        if (!(b[0] < b[1])) throw new ConfigException($"{where}: expected [low, high] with low < high, got [{Fmt(b[0])}, {Fmt(b[1])}]");
                        if (form == "log-uniform" && b[0] <= 0) throw new ConfigException($"{where}: bounds must be positive, got [{Fmt(b[0])}, {Fmt(b[1])}]");
                        Checked(command, at, key, ConfigParse.Format((float)b[0]));
                        Checked(command, at, key, ConfigParse.Format((float)b[1]));
                        // A key that takes whole numbers (batch, t1, …) would fail at the first draw: say so now.
                        double probe = b[0] + 0.37 * (b[1] - b[0]);
                        if (probe == Math.Floor(probe)) probe += Math.Min(0.5, (b[1] - probe) / 2);
                        try { SweepKeys.Check(command, key, ConfigParse.Format((float)probe)); }
                        catch (ConfigException) { throw new ConfigException($"{where}: {key} takes whole numbers; use {{int-uniform: [{Fmt(b[0])}, {Fmt(b[1])}]}}"); }
                        return new ValueForm.Continuous(b[0], b[1], form == "log-uniform");
                    }
                    case "int-uniform":
                    {
                        var b = Numbers(args, where, 2, 2);
                        if (b.Any(x => x != Math.Floor(x) || Math.Abs(x) > 1e15)) throw new ConfigException($"{where}: expected two integers [low, high]");
                        if (!(b[0] <= b[1])) throw new ConfigException($"{where}: expected [low, high] with low ≤ high");
                        Checked(command, at, key, Fmt(b[0]));
                        Checked(command, at, key, Fmt(b[1]));
                        return new ValueForm.Integer((long)b[0], (long)b[1]);
                    }
                    default:
                        string? near = Suggest.Nearest(form, Forms);
                        throw new ConfigException($"{at}: unknown value form '{form}'{(near is null ? "" : $"; did you mean '{near}'?")} " +
                                                  "(expected a list, one value, or {range|choice|uniform|log-uniform|int-uniform: [...]})");
                }
            default:
                throw new ConfigException($"{at}: expected a list, one value, or {{range|choice|uniform|log-uniform|int-uniform: [...]}}");
        }
    }

    private static double[] Numbers(YamlNode node, string at, int min, int max)
    {
        if (node is not YamlSequenceNode seq || seq.Children.Count < min || seq.Children.Count > max)
            throw new ConfigException($"{at}: expected a list of {(min == max ? $"{min}" : $"{min} or {max}")} numbers");
        return seq.Children.Select(c =>
        {
            string text = Scalar(c) ?? "";
            return double.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out double v) && double.IsFinite(v)
                ? v : throw new ConfigException($"{at}: expected a number, got '{text}'");
        }).ToArray();
    }

    /// <summary>start, start + step, … up to and including stop (within a rounding tolerance); step defaults to 1.</summary>
    private static IReadOnlyList<string> Range(double[] args, string at)
    {
        double start = args[0], stop = args[1], step = args.Length > 2 ? args[2] : 1;
        if (step == 0 || (stop - start) / step < 0)
            throw new ConfigException($"{at}: the step {Fmt(step)} does not lead from {Fmt(start)} to {Fmt(stop)}");
        double n = Math.Floor((stop - start) / step + 1e-9);
        if (n >= 10_000) throw new ConfigException($"{at}: more than 10,000 values");
        bool integers = args.All(a => a == Math.Floor(a));
        var values = new List<string>();
        for (int i = 0; i <= (int)n; i++)
        {
            double v = start + i * step;
            // 0.1 + 2 × 0.1 prints as 0.30000000000000004: round to the precision of the inputs.
            values.Add(integers ? Fmt(v) : Fmt(Math.Round(v, 12)));
        }
        return values;
    }

    private static string Fmt(double v) => v.ToString("R", CultureInfo.InvariantCulture);

    private static int PositiveInt(string text, string at, int min, int max) => ConfigParse.Int(at, text, min, max);

    private static IReadOnlyList<ulong> ParseSeeds(YamlNode node, string at)
    {
        IReadOnlyList<string> texts = node switch
        {
            YamlScalarNode s => [],
            YamlSequenceNode seq => seq.Children.Select(c => Scalar(c) ?? throw new ConfigException($"{at}: expected seeds (non-negative integers)")).ToArray(),
            YamlMappingNode { Children.Count: 1 } m when Scalar(m.Children.First().Key) == "range" =>
                Range(Numbers(m.Children.First().Value, $"{at}: range", 2, 3), $"{at}: range"),
            _ => throw new ConfigException($"{at}: expected a number of seeds (seeds: 3 means 0, 1, 2) or a list (seeds: [0, 7, 11])"),
        };
        if (node is YamlScalarNode scalar)
        {
            int n = ConfigParse.Int(at, scalar.Value ?? "", 1, 100_000);
            return Enumerable.Range(0, n).Select(i => (ulong)i).ToArray();
        }
        if (texts.Count == 0) throw new ConfigException($"{at}: empty list");
        var seeds = texts.Select(t => ConfigParse.Seed(at, t)).ToArray();
        var duplicate = seeds.GroupBy(s => s).FirstOrDefault(g => g.Count() > 1);
        if (duplicate is not null) throw new ConfigException($"{at}: seed {duplicate.Key} is listed twice");
        return seeds;
    }
}

/// <summary>
/// A case of a spec: settings that go together, a list among them expanding into one configuration per value
/// (first key slowest), labelled by <see cref="Name"/> (<c>case: NAME</c>) in the summaries when given.
/// </summary>
internal sealed record SweepCase(string? Name, IReadOnlyList<(string Key, ValueForm.Discrete Values)> Settings)
{
    /// <summary>Its configurations: the label (as the setting <c>case</c>) then the case's keys, each point in order.</summary>
    public IReadOnlyList<IReadOnlyList<KeyValuePair<string, string>>> Points()
    {
        var points = new List<List<KeyValuePair<string, string>>> { Name is null ? [] : [new(SweepSpec.CaseKey, Name)] };
        foreach (var (key, values) in Settings)
            points = points.SelectMany(p => values.Values.Select(v => new List<KeyValuePair<string, string>>(p) { new(key, v) })).ToList();
        return points;
    }
}
