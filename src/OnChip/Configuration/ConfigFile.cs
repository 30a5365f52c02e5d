using System.Text;
using YamlDotNet.Core;
using YamlDotNet.RepresentationModel;

namespace OnChip.Configuration;

/// <summary>Reads and writes flat YAML configs (<c>key: value</c>, lists allowed as values) against a key table.</summary>
internal static class ConfigFile
{
    /// <summary>Reads <paramref name="path"/> into key → textual value pairs, rejecting keys that are not in <paramref name="keys"/>.</summary>
    public static IReadOnlyList<KeyValuePair<string, string>> Read<T>(string path, IReadOnlyList<ConfigKey<T>> keys)
    {
        string text;
        try { text = File.ReadAllText(path); }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new ConfigException($"{path}: cannot read the config file ({e.Message})");
        }
        return Parse(text, path, keys);
    }

    /// <summary>
    /// Reads <paramref name="path"/> and sets each of its keys on <paramref name="config"/> (what <c>--config FILE</c>
    /// does before the flags are applied); a bad value is reported with the file's name.
    /// </summary>
    public static T Apply<T>(string path, IReadOnlyList<ConfigKey<T>> keys, T config)
    {
        foreach (var (name, value) in Read(path, keys))
        {
            try { keys.First(k => k.Name == name).Set(config, value); }
            catch (ConfigException e) { throw new ConfigException($"{path}: {e.Message}"); }
        }
        return config;
    }

    public static IReadOnlyList<KeyValuePair<string, string>> Parse<T>(string text, string source, IReadOnlyList<ConfigKey<T>> keys)
    {
        var stream = new YamlStream();
        try { stream.Load(new StringReader(text)); }
        catch (YamlException e)
        {
            throw new ConfigException($"{source}: not valid YAML at line {e.Start.Line}, column {e.Start.Column}: {e.Message}");
        }
        var result = new List<KeyValuePair<string, string>>();
        if (stream.Documents.Count == 0) return result;
        if (stream.Documents[0].RootNode is not YamlMappingNode mapping)
            throw new ConfigException($"{source}: expected a mapping of settings (key: value)");
        var names = keys.Select(k => k.Name).ToArray();
        foreach (var (keyNode, valueNode) in mapping.Children)
        {
            string key = ((YamlScalarNode)keyNode).Value ?? "";
            if (!names.Contains(key))
            {
                string? near = Suggest.Nearest(key, names);
                throw new ConfigException($"{source}: unknown key '{key}' at line {keyNode.Start.Line}{(near is null ? "" : $"; did you mean '{near}'?")}");
            }
            string value = valueNode switch
            {
                YamlScalarNode s => s.Value ?? "",
                YamlSequenceNode seq => string.Join(",", seq.Children.Select(c => (c as YamlScalarNode)?.Value
                    ?? throw new ConfigException($"{source}: {key}: nested values are not allowed"))),
                _ => throw new ConfigException($"{source}: {key}: expected a value or a list"),
            };
            result.Add(new(key, value));
        }
        return result;
    }

    /// <summary>Writes every key's current value (unset keys as comments) in table order.</summary>
    public static string Write<T>(T config, IReadOnlyList<ConfigKey<T>> keys, string header)
    {
        var sb = new StringBuilder();
        foreach (var line in header.Split('\n')) sb.Append("# ").AppendLine(line);
        foreach (var key in keys)
        {
            if (key.Hidden) continue;
            string? value = key.Get(config);
            if (value is null) sb.Append("# ").Append(key.Name).AppendLine(": (not set)");
            else sb.Append(key.Name).Append(": ").AppendLine(Quote(value));
        }
        return sb.ToString();
    }

    /// <summary>Plain scalars stay plain; anything YAML could misread (commas, spaces, colons, '#') is double-quoted.</summary>
    public static string Quote(string value) =>
        value.Length > 0 && value.All(c => char.IsAsciiLetterOrDigit(c) || "-_./+".Contains(c))
            ? value
            : "\"" + value.Replace("\\", "\\\\").Replace("\"", "\\\"") + "\"";
}
