using System.Numerics.Tensors;
using OnChip.Parallelism;
using OnChip.Tensors;

namespace OnChip.Networks.Interactions;

/// <summary>Φ_b = Σ_rows b · s_layer: a constant drive b on the layer; ∂Φ/∂b = Σ_rows s_layer.</summary>
internal sealed class BiasInteraction : Interaction
{
    public override StateDependence StateDependence => StateDependence.Linear;

    private readonly int[] _layers;
    private readonly Parameter[] _parameters;

    public BiasInteraction(int layer, Parameter bias)
    {
        _layers = [layer];
        _parameters = [bias];
        Bias = bias;
    }

    public Parameter Bias { get; }
    public int Layer => _layers[0];
    public override IReadOnlyList<int> Layers => _layers;
    public override IReadOnlyList<Parameter> Parameters => _parameters;

    public override void AddDrive(int layer, Matrix[] states, Matrix drive, int start, int count, WorkerPool pool)
    {
        var b = Bias.Read(count).Data.AsSpan();
        for (int r = start; r < start + count; r++)
        {
            var row = drive.Row(r);
            TensorPrimitives.Add(row, b, row);
        }
    }

    public override void AccumulateGradient(Matrix[] a, Matrix[]? b, float coef, int count, WorkerPool pool, float keep = 1f)
    {
        var grad = Bias.Grad.Data.AsSpan();
        if (keep == 0f) grad.Clear();
        var sa = a[Layer];
        for (int r = 0; r < count; r++) TensorPrimitives.MultiplyAdd(sa.Row(r), coef, grad, grad);
        if (b is null) return;
        var sb = b[Layer];
        for (int r = 0; r < count; r++) TensorPrimitives.MultiplyAdd(sb.Row(r), -coef, grad, grad);
    }

    public override void AddDriveDirectional(int layer, Matrix[] states, Matrix?[] direction, Matrix target, int start, int count, WorkerPool pool)
    {
        // A constant drive has no derivative with respect to the states.
    }

    public override void AccumulateGradientDirectional(Matrix[] states, Matrix?[] direction, float coef, int start, int count, WorkerPool pool, float keep = 1f)
    {
        var grad = Bias.Grad.Data.AsSpan();
        if (keep == 0f) grad.Clear();
        if (direction[Layer] is not { } d) return;
        for (int r = start; r < start + count; r++) TensorPrimitives.MultiplyAdd(d.Row(r), coef, grad, grad);
    }
}
