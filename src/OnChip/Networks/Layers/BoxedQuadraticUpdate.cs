using System.Numerics.Tensors;
using OnChip.Networks.Costs;
using OnChip.Tensors;

namespace OnChip.Networks.Layers;

/// <summary>
/// The exact minimiser of an energy quadratic in each unit, ½a·s² − u·s, under a box constraint per unit:
/// s = clip(u/a, lower, upper). This is a resistive network's node behind its diode(s): a is the total conductance
/// at the node, u the current its neighbours and bias source push in. A unit with a = 0 (nothing connected) is put
/// at 0. The bounds may be infinite (a unit with no diode, such as a resistive network's linear output).
/// </summary>
public sealed class BoxedQuadraticUpdate : LayerUpdate
{
    private readonly float[] _lower, _upper;

    public BoxedQuadraticUpdate(string name, float[] lower, float[] upper)
    {
        if (lower.Length != upper.Length) throw new ArgumentException("one lower and one upper bound per unit");
        for (int i = 0; i < lower.Length; i++)
            if (!(lower[i] <= upper[i])) throw new ArgumentException($"unit {i}: lower bound {lower[i]} above upper bound {upper[i]}");
        Name = name;
        _lower = lower;
        _upper = upper;
    }

    public override string Name { get; }
    public override bool NeedsCurvature => true;
    public ReadOnlySpan<float> Lower => _lower;
    public ReadOnlySpan<float> Upper => _upper;

    public override void Apply(ReadOnlySpan<float> drive, Span<float> next, int cols, ReadOnlySpan<float> inverseCurvature)
    {
        for (int r = 0; r < drive.Length; r += cols)
        {
            var row = next.Slice(r, cols);
            TensorPrimitives.Multiply(drive.Slice(r, cols), inverseCurvature, row);
            TensorPrimitives.Max(row, _lower, row);
            TensorPrimitives.Min(row, _upper, row);
        }
    }

    public override void Slope(ReadOnlySpan<float> drive, ReadOnlySpan<float> s, Span<float> slope, int cols, ReadOnlySpan<float> inverseCurvature)
    {
        // Inside the box s = u/a and ∂s/∂u = 1/a; on a bound the diode holds the node and the slope is 0.
        for (int r = 0; r < s.Length; r += cols)
            for (int j = 0; j < cols; j++)
            {
                float v = s[r + j];
                slope[r + j] = v > _lower[j] && v < _upper[j] ? inverseCurvature[j] : 0f;
            }
    }

    /// <summary>With ℓ quadratic, the nudged energy stays quadratic: the drive takes −β·∂ℓ/∂s at s = 0, the curvature β·ℓ''.</summary>
    public override void Nudge(CostFunction cost, Matrix[] current, Matrix targets, float beta, Matrix drive, int start, int count) =>
        cost.AddLinearStateGradient(targets, -beta, drive, start, count);

    public override float NudgedCurvature(CostFunction cost, float curvature, float beta) => curvature + beta * cost.Curvature;
}
