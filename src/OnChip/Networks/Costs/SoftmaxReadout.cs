using System.Numerics.Tensors;
using OnChip.Parallelism;
using OnChip.Tensors;

namespace OnChip.Networks.Costs;

/// <summary>
/// Cross-entropy readout of Laborieux et al. 2021: the output leaves the dynamics, p = softmax(W_out s_top + b_out),
/// ℓ = −log p_y, so the top layer feels β (y − p) W_out during nudging. Owns W_out and b_out.
/// </summary>
internal sealed class SoftmaxReadout : CostFunction
{
    private readonly Parameter[] _parameters;
    private Matrix _probabilities;

    public SoftmaxReadout(int topLayer, Parameter weight, Parameter bias)
    {
        Layer = topLayer;
        Weight = weight;
        Bias = bias;
        _parameters = [weight, bias];
        _probabilities = new Matrix(0, weight.Value.Rows);
    }

    public Parameter Weight { get; }
    public Parameter Bias { get; }
    public override string Name => "ce";
    public override int Layer { get; }
    public override int ClassCount => Weight.Value.Rows;
    public override IReadOnlyList<Parameter> Parameters => _parameters;
    private int TopSize => Weight.Value.Cols;

    /// <summary>p = softmax(s_top W_outᵀ + b_out) for rows [start, start+count) into the scratch buffer.</summary>
    private void ComputeProbabilities(Matrix[] states, int start, int count)
    {
        int c = ClassCount;
        var bias = Bias.Read(count).Data.AsSpan();
        for (int r = start; r < start + count; r++) bias.CopyTo(_probabilities.Row(r));
        Gemm.Multiply(WorkerPool.Serial, false, true, count, c, TopSize, 1f,
            states[Layer].Data, start * TopSize, TopSize, Weight.Read(count).Data, 0, TopSize, 1f, _probabilities.Data, start * c, c);
        for (int r = start; r < start + count; r++) TensorPrimitives.SoftMax(_probabilities.Row(r), _probabilities.Row(r));
    }

    /// <summary>Turns the probabilities of rows [start, start+count) into p − y = ∂ℓ/∂logits.</summary>
    private void SubtractTargets(Matrix targets, int start, int count) =>
        TensorPrimitives.Subtract(_probabilities.RowSpan(start, count), targets.RowSpan(start, count), _probabilities.RowSpan(start, count));

    public override void EnsureCapacity(int rows)
    {
        if (_probabilities.Rows < rows) _probabilities = new Matrix(rows, ClassCount);
    }

    public override void AddStateGradient(Matrix[] states, Matrix targets, float coef, Matrix target, int start, int count)
    {
        ComputeProbabilities(states, start, count);
        SubtractTargets(targets, start, count);
        // target += coef · (p − y) · W_out
        Gemm.Multiply(WorkerPool.Serial, false, false, count, TopSize, ClassCount, coef,
            _probabilities.Data, start * ClassCount, ClassCount, Weight.Read(count).Data, 0, TopSize, 1f, target.Data, start * TopSize, TopSize);
    }

    public override void Scores(Matrix[] states, int start, int count, Matrix scores)
    {
        ComputeProbabilities(states, start, count);
        _probabilities.RowSpan(start, count).CopyTo(scores.RowSpan(start, count));
    }

    /// <summary>−Σ y·ln p from the probabilities <see cref="Scores"/> wrote (no second pass through W_out).</summary>
    public override double Loss(Matrix scores, Matrix targets, int start, int count)
    {
        double total = 0;
        for (int r = start; r < start + count; r++)
        {
            var p = scores.Row(r);
            var y = targets.Row(r);
            for (int j = 0; j < p.Length; j++)
                if (y[j] != 0f) total -= y[j] * Math.Log(Math.Max(p[j], 1e-30f));
        }
        return total;
    }

    public override void AccumulateParameterGradient(Matrix[] states, Matrix targets, float coef, int count, WorkerPool pool, float keep = 1f)
    {
        ComputeProbabilities(states, 0, count);
        SubtractTargets(targets, 0, count);
        Gemm.Multiply(pool, true, false, ClassCount, TopSize, count, coef,
            _probabilities.Data, 0, ClassCount, states[Layer].Data, 0, TopSize, keep, Weight.Grad.Data, 0, TopSize);
        var gb = Bias.Grad.Data.AsSpan();
        if (keep == 0f) gb.Clear();
        for (int r = 0; r < count; r++) TensorPrimitives.MultiplyAdd(_probabilities.Row(r), coef, gb, gb);
    }
}
