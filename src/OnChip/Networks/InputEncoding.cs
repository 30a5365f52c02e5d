using OnChip.Tensors;

namespace OnChip.Networks;

/// <summary>
/// How a network turns the data's features into the clamped input layer when the two differ (a resistive network
/// drives every pixel twice, as +g·x and −g·x, since its conductances cannot be negative). Without one, the features
/// are the input layer.
/// </summary>
internal abstract class InputEncoding
{
    /// <summary>Features per example the encoding reads.</summary>
    public abstract int Features { get; }

    /// <summary>Writes rows [0, count) of the input layer from the same rows of <paramref name="features"/>.</summary>
    public abstract void Encode(Matrix features, Matrix inputLayer, int count);
}
