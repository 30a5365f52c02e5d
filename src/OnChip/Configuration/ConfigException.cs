namespace OnChip.Configuration;

/// <summary>A bad option value, unknown key or inconsistent combination; the message names the key.</summary>
public sealed class ConfigException(string message) : UserFacingException(message);
