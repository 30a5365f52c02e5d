using OnChip.Networks.Convolution;

namespace OnChip.Networks;

/// <summary>
/// What defines a layered energy-based network: sizes (input first), neuron activation, cost, and for a conv net
/// the conv layers (<see cref="Conv"/>), whose flat sizes then make up the start of <see cref="Archi"/>.
/// </summary>
/// <param name="OutputExpand">Output units per class (squared error only): the output layer has k·classes units, each
/// class's k units are trained towards its target and averaged for its score (Laydevant et al. 2021).</param>
internal sealed record NetworkSpec(int[] Archi, string Activation, string Loss, ConvSpec? Conv = null, int OutputExpand = 1)
{
    /// <summary>A conv net: the architecture follows from the conv layers and the input shape.</summary>
    public static NetworkSpec Convolutional(ConvSpec conv, string activation, string loss, int outputExpand = 1) => new(conv.Archi(), activation, loss, conv, outputExpand);

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
