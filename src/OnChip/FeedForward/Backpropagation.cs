using System.Numerics.Tensors;
using OnChip.Optimizers;
using OnChip.Parallelism;
using OnChip.Tensors;

namespace OnChip.FeedForward;

/// <summary>
/// Backpropagation for feed-forward networks, in two orders. <c>bp</c>: all layers' errors δ_l = (δ_{l+1} W_l) ⊙ σ'(a_l)
/// are computed with the current weights, then every layer is updated. <c>progressive-bp</c> (van Doremaele et al.
/// 2024): the last layer is updated first with its local error, the error is then propagated through the
/// <em>already updated</em> weights (as read back from their storage, e.g. an EC-RAM crossbar) to the previous layer,
/// which is updated, and so on — no derivatives are stored; the result differs from bp by O(η).
/// </summary>
internal sealed class Backpropagation
{
    private readonly FeedForwardNetwork _network;
    private readonly Matrix[] _delta;
    private readonly float[][] _exact;
    private double _difference, _reference;
    private long _elements;

    public Backpropagation(FeedForwardNetwork network, bool progressive, int capacity)
    {
        _network = network;
        Progressive = progressive;
        _delta = network.Archi.Select((n, l) => new Matrix(l == 0 ? 0 : capacity, n)).ToArray();
        _exact = progressive ? network.Parameters.Select(p => new float[p.Length]).ToArray() : [];
    }

    public bool Progressive { get; }
    public string Name => Progressive ? "progressive-bp" : "bp";

    public void TrainBatch(FeedForwardNetwork.Activations act, Matrix targets, int count, Optimizer optimizer, WorkerPool pool)
    {
        _network.Forward(act, count, pool);
        OutputError(act, targets, count);
        int depth = _network.Depth;
        if (!Progressive)
        {
            for (int l = depth - 1; l >= 0; l--)
            {
                Gradient(l, act, count, pool);
                if (l > 0) PropagateError(l, _network.Weight(l).Read(count), act, count, pool);
            }
            optimizer.Step(pool);
            return;
        }

        // What exact backprop would ask for, to measure how far the progressive updates are from it: a measurement,
        // not part of the rule, so it takes the weights uncounted (Value, not Read).
        for (int l = depth - 1; l >= 0; l--)
        {
            Gradient(l, act, count, pool);
            _network.Weight(l).Grad.Data.CopyTo(_exact[2 * l], 0);
            _network.Bias(l).Grad.Data.CopyTo(_exact[2 * l + 1], 0);
            if (l > 0) PropagateError(l, _network.Weight(l).Value, act, count, pool);
        }
        for (int l = depth - 1; l >= 0; l--)  // δ_L is unchanged; the hidden errors are recomputed as layers change
        {
            Gradient(l, act, count, pool);
            Compare(l);
            optimizer.Step(pool, group: l);
            if (l > 0) PropagateError(l, _network.Weight(l).Read(count), act, count, pool);  // through the weights as updated and read back
        }
    }

    /// <summary>δ_L = ∂ℓ/∂a_L: (h − y) ⊙ σ'(a) for MSE, p − y for the softmax output.</summary>
    private void OutputError(FeedForwardNetwork.Activations act, Matrix targets, int count)
    {
        int last = _network.Depth;
        var delta = _delta[last].RowSpan(0, count);
        TensorPrimitives.Subtract(act.H[last].RowSpan(0, count), targets.RowSpan(0, count), delta);
        if (_network.SoftmaxOutput) return;
        var slope = SlopeScratch(count, _network.Archi[last]);
        _network.Activation.Derivative(act.A[last].RowSpan(0, count), act.H[last].RowSpan(0, count), slope);
        TensorPrimitives.Multiply(delta, slope, delta);
    }

    private float[] _slope = [];
    private Span<float> SlopeScratch(int rows, int cols)
    {
        if (_slope.Length < rows * cols) _slope = new float[rows * cols];
        return _slope.AsSpan(0, rows * cols);
    }

    /// <summary>∂L/∂W_l = δ_{l+1}ᵀ h_l / count and ∂L/∂b_{l+1} = Σ δ_{l+1} / count (batch mean).</summary>
    private void Gradient(int l, FeedForwardNetwork.Activations act, int count, WorkerPool pool)
    {
        int nIn = _network.Archi[l], nOut = _network.Archi[l + 1];
        float scale = 1f / count;
        var delta = _delta[l + 1];
        Gemm.Multiply(pool, true, false, nOut, nIn, count, scale, delta.Data, 0, nOut, act.H[l].Data, 0, nIn, 0f, _network.Weight(l).Grad.Data, 0, nIn);
        var gb = _network.Bias(l).Grad.Data.AsSpan();
        gb.Clear();
        for (int r = 0; r < count; r++) TensorPrimitives.MultiplyAdd(delta.Row(r), scale, gb, gb);
    }

    /// <summary>δ_l = (δ_{l+1} W_l) ⊙ σ'(a_l), through <paramref name="weight"/>: W_l as it is stored now.</summary>
    private void PropagateError(int l, Matrix weight, FeedForwardNetwork.Activations act, int count, WorkerPool pool)
    {
        int nIn = _network.Archi[l], nOut = _network.Archi[l + 1];
        Gemm.Multiply(pool, false, false, count, nIn, nOut, 1f, _delta[l + 1].Data, 0, nOut, weight.Data, 0, nIn, 0f, _delta[l].Data, 0, nIn);
        var slope = SlopeScratch(count, nIn);
        _network.Activation.Derivative(act.A[l].RowSpan(0, count), act.H[l].RowSpan(0, count), slope);
        TensorPrimitives.Multiply(_delta[l].RowSpan(0, count), slope, _delta[l].RowSpan(0, count));
    }

    private float[] _gap = [];

    /// <summary>Adds Σ|g_progressive − g_exact| and Σ|g_exact| of layer l's weight and bias (vectorised, no allocation).</summary>
    private void Compare(int l)
    {
        Accumulate(_network.Weight(l).Grad.Data, _exact[2 * l]);
        Accumulate(_network.Bias(l).Grad.Data, _exact[2 * l + 1]);
    }

    private void Accumulate(float[] progressive, float[] exact)
    {
        if (_gap.Length < progressive.Length) _gap = new float[progressive.Length];
        var gap = _gap.AsSpan(0, progressive.Length);
        TensorPrimitives.Subtract(progressive, exact, gap);
        _difference += TensorPrimitives.SumOfMagnitudes(gap);
        _reference += TensorPrimitives.SumOfMagnitudes(exact);
        _elements += progressive.Length;
    }

    /// <summary>Mean |g_progressive − g_exact| per element and the same relative to mean |g_exact|, since the last call.</summary>
    public IReadOnlyDictionary<string, double>? TakeMeasurements()
    {
        if (!Progressive || _elements == 0) return null;
        var result = new Dictionary<string, double>
        {
            ["grad_difference"] = _difference / _elements,
            ["grad_difference_rel"] = _reference > 0 ? _difference / _reference : 0,
        };
        (_difference, _reference, _elements) = (0, 0, 0);
        return result;
    }
}
