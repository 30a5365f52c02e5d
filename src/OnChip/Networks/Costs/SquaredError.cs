using OnChip.Tensors;

namespace OnChip.Networks.Costs;

/// <summary>ℓ = ½‖y − s_N‖² on the output layer, which takes part in the dynamics (Scellier &amp; Bengio 2017).</summary>
public sealed class SquaredError(int outputLayer, int classCount) : CostFunction
{
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
            for (int j = 0; j < sr.Length; j++) tr[j] += coef * (sr[j] - yr[j]);
        }
    }

    public override void AddLinearStateGradient(Matrix targets, float coef, Matrix target, int start, int count)
    {
        for (int r = start; r < start + count; r++)
            System.Numerics.Tensors.TensorPrimitives.MultiplyAdd(targets.Row(r), -coef, target.Row(r), target.Row(r));
    }

    public override float Curvature => 1f;

    public override void Scores(Matrix[] states, int start, int count, Matrix scores) =>
        states[Layer].RowSpan(start, count).CopyTo(scores.RowSpan(start, count));

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
