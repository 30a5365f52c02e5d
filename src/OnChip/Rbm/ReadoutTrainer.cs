using System.Numerics.Tensors;
using OnChip.Optimizers;
using OnChip.Parallelism;
using OnChip.Tensors;

namespace OnChip.Rbm;

/// <summary>
/// Trains the softmax read-out of a generative rbm on hidden probabilities: logits = h·R + c, cross-entropy loss,
/// R.Grad = (1/B) hᵀ(softmax − onehot), c.Grad = (1/B) Σ (softmax − onehot); the optimizer applies the step through
/// the parameters' storage. Allocation-free after construction.
/// </summary>
internal sealed class ReadoutTrainer
{
    private readonly HiddenReadout _readout;
    private readonly WorkerPool _pool;
    private readonly Matrix _delta;

    public ReadoutTrainer(HiddenReadout readout, int capacity, WorkerPool pool)
    {
        _readout = readout;
        _pool = pool;
        _delta = new Matrix(capacity, readout.Classes);
    }

    /// <summary>
    /// One step on the rows [<paramref name="rowStart"/>, +<paramref name="count"/>) of <paramref name="hidden"/> with their
    /// labels; returns the number classified correctly and the summed cross-entropy, both before the step.
    /// </summary>
    public (int Correct, double Loss) Train(Matrix hidden, int rowStart, int count, ReadOnlySpan<int> labels, Optimizer optimizer)
    {
        if (count > _delta.Rows) throw new ArgumentException($"at most {_delta.Rows} rows, got {count}");
        int classes = _readout.Classes, h = hidden.Cols;
        var (correct, loss) = Logits(_pool, _readout, hidden, rowStart, count, _delta, labels);
        // δ = (softmax − onehot) / B
        for (int r = 0; r < count; r++)
        {
            var d = _delta.Row(r);
            TensorPrimitives.SoftMax(d, d);
            d[labels[r]] -= 1f;
            TensorPrimitives.Multiply(d, 1f / count, d);
        }
        Gemm.Multiply(_pool, true, false, h, classes, count, 1f, hidden.Data, rowStart * h, h, _delta.Data, 0, classes,
            0f, _readout.R.Grad.Data, 0, classes);
        var c = _readout.C.Grad.Span;
        c.Clear();
        for (int r = 0; r < count; r++) TensorPrimitives.Add(c, _delta.Row(r), c);
        optimizer.Step(_pool);
        return (correct, loss);
    }

    /// <summary>logits = h·R + c into <paramref name="logits"/> rows 0..count; returns correct count and summed cross-entropy.</summary>
    public static (int Correct, double Loss) Logits(WorkerPool pool, HiddenReadout readout, Matrix hidden, int rowStart, int count,
        Matrix logits, ReadOnlySpan<int> labels)
    {
        int classes = readout.Classes, h = hidden.Cols;
        Gemm.Multiply(pool, false, false, count, classes, h, 1f, hidden.Data, rowStart * h, h, readout.R.Read(count).Data, 0, classes,
            0f, logits.Data, 0, classes);
        var bias = readout.C.Read(count).Span;
        int correct = 0;
        double loss = 0;
        for (int r = 0; r < count; r++)
        {
            var z = logits.Row(r);
            TensorPrimitives.Add(z, bias, z);
            if (TensorPrimitives.IndexOfMax(z) == labels[r]) correct++;
            loss += RbmKernels.LogSumExp(z) - z[labels[r]];
        }
        return (correct, loss);
    }
}
