using OnChip.Tensors;

namespace OnChip.Networks.Costs;

/// <summary>
/// ℓ = ½‖y − s_N‖² on the output layer, which takes part in the dynamics (Scellier &amp; Bengio 2017). With expanded
/// outputs (<paramref name="expand"/> = k &gt; 1) the layer has k units per class, each trained towards its class's
/// target, and a class's score is the mean of its k units (Laydevant et al. 2021).
/// </summary>
internal sealed class SquaredError(int outputLayer, int classCount, int expand = 1) : CostFunction
{
    /// <summary>Output units per class.</summary>
    public int Expand { get; } = expand;

    /// <summary>The target of output unit <paramref name="unit"/> from a row of class targets.</summary>
    public float TargetOf(ReadOnlySpan<float> classTargets, int unit) => classTargets[unit / Expand];

    public override string Name => "mse";
    public override int Layer => outputLayer;
    public override int ClassCount => classCount;

    public override void AddStateGradient(Matrix[] states, Matrix targets, float coef, Matrix target, int start, int count)
    {
        var s = states[Layer];
        for (int r = start; r < start + count; r++)
        {
            var sr = s.Row(r);
            var yr = targets.Row(r);
            var tr = target.Row(r);
            for (int j = 0; j < sr.Length; j++) tr[j] += coef * (sr[j] - yr[j / Expand]);
        }
    }

    public override void AddLinearStateGradient(Matrix targets, float coef, Matrix target, int start, int count)
    {
        if (Expand != 1) throw new NotSupportedException("expanded outputs with an exact quadratic output update");
        for (int r = start; r < start + count; r++)
            System.Numerics.Tensors.TensorPrimitives.MultiplyAdd(targets.Row(r), -coef, target.Row(r), target.Row(r));
    }

    public override float Curvature => 1f;

    public override void Scores(Matrix[] states, int start, int count, Matrix scores)
    {
        if (Expand == 1)
        {
            states[Layer].RowSpan(start, count).CopyTo(scores.RowSpan(start, count));
            return;
        }
        for (int r = start; r < start + count; r++)
        {
            var s = states[Layer].Row(r);
            var score = scores.Row(r);
            for (int c = 0; c < score.Length; c++) score[c] = System.Numerics.Tensors.TensorPrimitives.Sum(s.Slice(c * Expand, Expand)) / Expand;
        }
    }

    /// <summary>½‖y − score‖² from the class scores (with expanded outputs, the class means: the loss of the prediction).</summary>
    public override double Loss(Matrix scores, Matrix targets, int start, int count)
    {
        double total = 0;
        var s = scores;
        for (int r = start; r < start + count; r++)
        {
            var sr = s.Row(r);
            var yr = targets.Row(r);
            for (int j = 0; j < sr.Length; j++)
            {
                double d = yr[j] - sr[j];
                total += 0.5 * d * d;
            }
        }
        return total;
    }
}
