namespace OnChip.Networks;

/// <summary>What defines a layered energy-based network: sizes (input first), neuron activation, cost.</summary>
public sealed record NetworkSpec(int[] Archi, string Activation, string Loss)
{
    public static int[] ParseArchi(string text)
    {
        var parts = text.Split('-', StringSplitOptions.TrimEntries);
        var sizes = new int[parts.Length];
        for (int i = 0; i < parts.Length; i++)
        {
            if (!int.TryParse(parts[i], out sizes[i]) || sizes[i] <= 0)
                throw new ArgumentException($"'{text}' is not an architecture: expected positive layer sizes joined by '-', e.g. 784-512-10");
        }
        if (sizes.Length < 2) throw new ArgumentException($"'{text}' is not an architecture: it needs at least an input and an output size, e.g. 784-512-10");
        return sizes;
    }

    public string ArchiText => string.Join('-', Archi);
}
