using System.Globalization;

namespace OnChip.Configuration;

/// <summary>
/// One setting, defined once and used by both the command line (<c>--name value</c>) and YAML files (<c>name: value</c>):
/// its name, help text, how to parse a textual value into the config and how to print it back.
/// </summary>
internal sealed class ConfigKey<TConfig>(
    string name, string help, Action<TConfig, string> set, Func<TConfig, string?> get, bool isFlag = false, bool hidden = false)
{
    public string Name { get; } = name;
    public string Help { get; } = help;
    /// <summary>A boolean switch: <c>--name</c> alone means true.</summary>
    public bool IsFlag { get; } = isFlag;
    /// <summary>A former name kept so old configs still load: not in help, never written.</summary>
    public bool Hidden { get; } = hidden;
    /// <summary>Where the default differs by context (e.g. "--model conv: 0.5"): shown after the default in help; not carried by <see cref="For{TOuter}"/>.</summary>
    public string? DefaultNote { get; init; }

    public void Set(TConfig config, string value)
    {
        try
        {
            set(config, value.Trim());
        }
        catch (ConfigException) { throw; }
        catch (Exception e) when (e is FormatException or OverflowException or ArgumentException)
        {
            throw new ConfigException($"{Name}: {e.Message}");
        }
    }

    public string? Get(TConfig config) => get(config);

    /// <summary>The same key on a config that holds a <typeparamref name="TConfig"/> (shares options between commands).</summary>
    public ConfigKey<TOuter> For<TOuter>(Func<TOuter, TConfig> inner) =>
        new(Name, Help, (o, v) => Set(inner(o), v), o => Get(inner(o)), IsFlag, Hidden);
}

/// <summary>Parsers that produce messages naming what was expected.</summary>
internal static class ConfigParse
{
    public static int Int(string key, string text, int min = int.MinValue, int max = int.MaxValue)
    {
        if (!int.TryParse(text, NumberStyles.Integer, CultureInfo.InvariantCulture, out int v))
            throw new ConfigException($"{key}: expected an integer, got '{text}'");
        if (v < min || v > max)
            throw new ConfigException(max == int.MaxValue
                ? $"{key}: must be at least {min}, got {v}"
                : $"{key}: must be between {min} and {max}, got {v}");
        return v;
    }

    public static float Float(string key, string text, float min = float.NegativeInfinity, bool exclusiveMin = false, float max = float.PositiveInfinity)
    {
        if (!float.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out float v) || !float.IsFinite(v))
            throw new ConfigException($"{key}: expected a number, got '{text}'");
        if (exclusiveMin ? v <= min : v < min)
            throw new ConfigException($"{key}: must be {(exclusiveMin ? "greater than" : "at least")} {min.ToString(CultureInfo.InvariantCulture)}, got {text}");
        if (v > max) throw new ConfigException($"{key}: must be at most {max.ToString(CultureInfo.InvariantCulture)}, got {text}");
        return v;
    }

    public static float[] FloatList(string key, string text, float min, bool exclusiveMin)
    {
        var parts = text.Trim('[', ']').Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries);
        if (parts.Length == 0) throw new ConfigException($"{key}: expected one number or a comma-separated list, got '{text}'");
        return parts.Select(p => Float(key, p, min, exclusiveMin)).ToArray();
    }

    public static bool Bool(string key, string text) => text.ToLowerInvariant() switch
    {
        "true" or "yes" or "on" or "1" or "" => true,
        "false" or "no" or "off" or "0" => false,
        _ => throw new ConfigException($"{key}: expected true or false, got '{text}'"),
    };

    public static ulong Seed(string key, string text)
    {
        if (!ulong.TryParse(text, NumberStyles.Integer, CultureInfo.InvariantCulture, out ulong v))
            throw new ConfigException($"{key}: expected a non-negative integer seed, got '{text}'");
        return v;
    }

    public static string Choice(string key, string text, IReadOnlyList<string> allowed)
    {
        if (allowed.Contains(text)) return text;
        string? near = Suggest.Nearest(text, allowed);
        throw new ConfigException($"{key}: unknown value '{text}' (expected one of: {string.Join(", ", allowed)}){(near is null ? "" : $"; did you mean '{near}'?")}");
    }

    public static string Format(float v) => v.ToString("R", CultureInfo.InvariantCulture);
    public static string Format(IEnumerable<float> v) => string.Join(",", v.Select(Format));
}

/// <summary>"Did you mean" suggestions by edit distance.</summary>
internal static class Suggest
{
    public static string? Nearest(string text, IEnumerable<string> candidates)
    {
        // A candidate the text starts with, or that starts with the text ("batchsize" → "batch"), is the likeliest.
        string lower = text.ToLowerInvariant();
        var prefixed = candidates.Where(c => c.Length >= 2 && (lower.StartsWith(c.ToLowerInvariant()) || c.ToLowerInvariant().StartsWith(lower)) && lower.Length >= 2)
            .OrderByDescending(c => c.Length).FirstOrDefault();
        if (prefixed is not null) return prefixed;
        string? best = null;
        int bestDistance = int.MaxValue;
        foreach (var c in candidates)
        {
            int d = Distance(text.ToLowerInvariant(), c.ToLowerInvariant());
            if (d < bestDistance) (best, bestDistance) = (c, d);
        }
        return best is not null && bestDistance <= Math.Max(2, best.Length / 3) ? best : null;
    }

    /// <summary>Levenshtein distance.</summary>
    public static int Distance(string a, string b)
    {
        var previous = new int[b.Length + 1];
        var current = new int[b.Length + 1];
        for (int j = 0; j <= b.Length; j++) previous[j] = j;
        for (int i = 1; i <= a.Length; i++)
        {
            current[0] = i;
            for (int j = 1; j <= b.Length; j++)
            {
                int cost = a[i - 1] == b[j - 1] ? 0 : 1;
                current[j] = Math.Min(Math.Min(current[j - 1] + 1, previous[j] + 1), previous[j - 1] + cost);
            }
            (previous, current) = (current, previous);
        }
        return previous[b.Length];
    }
}
