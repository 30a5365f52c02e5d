using System.CommandLine;
using OnChip.Configuration;

namespace OnChip.Cli.Commands;

/// <summary>
/// Command-line options generated from a config key table, plus <c>--config FILE.yaml</c>. Precedence:
/// defaults &lt; YAML file &lt; flags given on the command line.
/// </summary>
internal sealed class ConfigOptions<TConfig>
{
    private readonly IReadOnlyList<ConfigKey<TConfig>> _keys;
    private readonly List<(ConfigKey<TConfig> Key, Option<string> Option)> _options = [];

    public ConfigOptions(Command command, IReadOnlyList<ConfigKey<TConfig>> keys, TConfig defaults, string configHelp)
    {
        _keys = keys;
        ConfigFileOption = new Option<string>("--config") { Description = configHelp, HelpName = "FILE.yaml" };
        command.Options.Add(ConfigFileOption);
        foreach (var key in keys)
        {
            string? fallback = key.Get(defaults);
            string help = fallback is null ? key.Help : $"{key.Help} [default: {fallback}{(key.DefaultNote is { } note ? "; " + note : "")}]";
            var option = new Option<string>("--" + key.Name) { Description = help, HelpName = key.IsFlag ? "true|false" : "value", Hidden = key.Hidden };
            if (key.IsFlag) option.Arity = ArgumentArity.ZeroOrOne;
            command.Options.Add(option);
            _options.Add((key, option));
        }
    }

    public Option<string> ConfigFileOption { get; }

    /// <summary>Names of the keys given explicitly on the command line.</summary>
    public IReadOnlySet<string> ExplicitKeys(ParseResult parse) =>
        _options.Where(o => parse.GetResult(o.Option) is { Implicit: false }).Select(o => o.Key.Name).ToHashSet();

    /// <summary>Applies the YAML file (if any) and then the explicit flags onto <paramref name="config"/>.</summary>
    public TConfig Resolve(ParseResult parse, TConfig config)
    {
        if (parse.GetValue(ConfigFileOption) is string file) ConfigFile.Apply(file, _keys, config);
        foreach (var (key, option) in _options)
        {
            if (parse.GetResult(option) is not { Implicit: false }) continue;
            string? value = parse.GetValue(option);
            try { key.Set(config, value ?? (key.IsFlag ? "true" : throw new ConfigException($"{key.Name}: needs a value"))); }
            catch (ConfigException e) { throw new ConfigException("--" + e.Message); }
        }
        return config;
    }
}
