using OnChip.Networks;
using OnChip.Tensors;

namespace OnChip.Resistive;

/// <summary>
/// The input voltages of a resistive network: every feature twice, as +g·x and −g·x (a conductance cannot be
/// negative, so a negative weight on a pixel is a conductance to its negated copy). g is the input gain.
/// </summary>
internal sealed class DoubledInput(int features, float gain) : InputEncoding
{
    public override int Features { get; } = features;
    public float Gain { get; } = gain;

    public override void Encode(Matrix features, Matrix inputLayer, int count)
    {
        for (int r = 0; r < count; r++)
        {
            var x = features.Row(r);
            var v = inputLayer.Row(r);
            System.Numerics.Tensors.TensorPrimitives.Multiply(x, Gain, v[..Features]);
            System.Numerics.Tensors.TensorPrimitives.Multiply(x, -Gain, v[Features..]);
        }
    }
}
