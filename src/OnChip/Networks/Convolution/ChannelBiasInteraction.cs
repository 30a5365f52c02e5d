using System.Numerics.Tensors;
using OnChip.Networks.Interactions;
using OnChip.Parallelism;
using OnChip.Tensors;

namespace OnChip.Networks.Convolution;

/// <summary>
/// Φ_b = Σ_rows Σ_positions b · s_layer[position, :]: one bias per channel of a channels-last image layer, as a
/// convolution's bias (PyTorch's Conv2d bias; max, average and softmax pooling commute with adding it). ∂Φ/∂b sums the
/// layer over rows and positions.
/// </summary>
internal sealed class ChannelBiasInteraction : Interaction
{
    public override StateDependence StateDependence => StateDependence.Linear;

    private readonly int[] _layers;
    private readonly Parameter[] _parameters;

    public ChannelBiasInteraction(int layer, Parameter bias, int positions)
    {
        _layers = [layer];
        _parameters = [bias];
        Bias = bias;
        Positions = positions;
    }

    public Parameter Bias { get; }
    public int Positions { get; }
    public int Layer => _layers[0];
    private int Channels => Bias.Value.Cols;
    public override IReadOnlyList<int> Layers => _layers;
    public override IReadOnlyList<Parameter> Parameters => _parameters;

    public override void AddDrive(int layer, Matrix[] states, Matrix drive, int start, int count, WorkerPool pool)
    {
        var b = Bias.Read((long)count * Positions).Data.AsSpan();   // added at every position, as the kernel is applied
        for (int r = start; r < start + count; r++)
        {
            var row = drive.Row(r);
            for (int p = 0; p < Positions; p++)
            {
                var run = row.Slice(p * Channels, Channels);
                TensorPrimitives.Add(run, b, run);
            }
        }
    }

    public override void AccumulateGradient(Matrix[] a, Matrix[]? b, float coef, int count, WorkerPool pool, float keep = 1f)
    {
        var grad = Bias.Grad.Data.AsSpan();
        if (keep == 0f) grad.Clear();
        Sum(a[Layer], coef, 0, count, grad);
        if (b is not null) Sum(b[Layer], -coef, 0, count, grad);
    }

    public override void AddDriveDirectional(int layer, Matrix[] states, Matrix?[] direction, Matrix target, int start, int count, WorkerPool pool)
    {
        // A constant drive has no derivative with respect to the states.
    }

    public override void AccumulateGradientDirectional(Matrix[] states, Matrix?[] direction, float coef, int start, int count, WorkerPool pool, float keep = 1f)
    {
        var grad = Bias.Grad.Data.AsSpan();
        if (keep == 0f) grad.Clear();
        if (direction[Layer] is { } d) Sum(d, coef, start, count, grad);
    }

    private void Sum(Matrix layer, float coef, int start, int count, Span<float> grad)
    {
        for (int r = start; r < start + count; r++)
        {
            var row = layer.Row(r);
            for (int p = 0; p < Positions; p++) TensorPrimitives.MultiplyAdd(row.Slice(p * Channels, Channels), coef, grad, grad);
        }
    }
}
