using OnChip.Configuration;

namespace OnChip;

/// <summary>
/// A group of <c>onchip train</c> settings (a model, a rule, an optimizer, a storage or the run's options), checked as
/// soon as it is built: a bad value throws a <see cref="ConfigException"/> that names the setting, exactly as the command
/// line would. Each type's <c>With</c> sets any other option by its command-line name, so everything the CLI can do, the
/// library can do.
/// </summary>
public abstract class Settings
{
    private List<KeyValuePair<string, string>> _values = [];

    private protected Settings() { }

    /// <summary>The settings as (option name, value) pairs, in the order they apply.</summary>
    public IReadOnlyList<KeyValuePair<string, string>> Values => _values;

    /// <summary>A copy with one more option (its <c>onchip train</c> name without dashes); the derived types' <c>With</c>.</summary>
    private protected Settings CopyWith(string option, object value)
    {
        var copy = (Settings)MemberwiseClone();
        copy._values = [.. _values];
        copy.Add(option, value);
        return copy;
    }

    /// <summary>The settings as command-line options.</summary>
    public override string ToString() => string.Join(" ", _values.Select(kv => $"--{kv.Key} {kv.Value}"));

    private protected void Add(string option, object? value)
    {
        if (value is null) return;
        string text = value switch
        {
            float f => f.ToString("R", System.Globalization.CultureInfo.InvariantCulture),
            double d => d.ToString("R", System.Globalization.CultureInfo.InvariantCulture),
            bool b => b ? "true" : "false",
            float[] list => string.Join(',', list.Select(f => f.ToString("R", System.Globalization.CultureInfo.InvariantCulture))),
            IFormattable x => x.ToString(null, System.Globalization.CultureInfo.InvariantCulture),
            _ => value.ToString()!,
        };
        TrainingConfig.KeyNamed(option).Set(new TrainingConfig(), text);   // checks the value now, with the command line's message
        _values.Add(KeyValuePair.Create(option, text));
    }

    internal void ApplyTo(TrainingConfig config)
    {
        foreach (var (option, value) in _values)
            TrainingConfig.KeyNamed(option).Set(config, value);
    }
}
