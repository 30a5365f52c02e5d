using System.Numerics.Tensors;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;
using OnChip.Networks.Costs;
using OnChip.Tensors;

namespace OnChip.Networks.Layers;

/// <summary>
/// The exact minimiser of an energy quadratic in each unit, ½a·s² − u·s, under a box constraint per unit:
/// s = clip(u/a, lower, upper). This is a resistive network's node behind its diode(s): a is the total conductance
/// at the node, u the current its neighbours and bias source push in. A unit with a = 0 (nothing connected) is put
/// at 0. The bounds may be infinite (a unit with no diode, such as a resistive network's linear output).
/// </summary>
internal sealed class BoxedQuadraticUpdate : LayerUpdate
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
        for (int r = 0; r < drive.Length; r += cols) Clip(drive.Slice(r, cols), inverseCurvature, next.Slice(r, cols));
    }

    /// <summary>s = min(max(u·(1/a), lower), upper) in one pass (the same three roundings as three separate passes).</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private void Clip(ReadOnlySpan<float> u, ReadOnlySpan<float> inverse, Span<float> s)
    {
        int n = s.Length, i = 0;
        ref float pu = ref MemoryMarshal.GetReference(u);
        ref float pi = ref MemoryMarshal.GetReference(inverse);
        ref float lo = ref MemoryMarshal.GetArrayDataReference(_lower);
        ref float hi = ref MemoryMarshal.GetArrayDataReference(_upper);
        ref float ps = ref MemoryMarshal.GetReference(s);
        for (; i <= n - 16; i += 16)
        {
            var v = Vector512.LoadUnsafe(ref pu, (nuint)i) * Vector512.LoadUnsafe(ref pi, (nuint)i);
            v = Vector512.Max(v, Vector512.LoadUnsafe(ref lo, (nuint)i));
            Vector512.Min(v, Vector512.LoadUnsafe(ref hi, (nuint)i)).StoreUnsafe(ref ps, (nuint)i);
        }
        for (; i < n; i++) Unsafe.Add(ref ps, i) = Math.Min(Math.Max(Unsafe.Add(ref pu, i) * Unsafe.Add(ref pi, i), _lower[i]), _upper[i]);
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
