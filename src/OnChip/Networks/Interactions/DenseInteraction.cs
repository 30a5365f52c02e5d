using System.Numerics.Tensors;
using OnChip.Parallelism;
using OnChip.Tensors;

namespace OnChip.Networks.Interactions;

/// <summary>
/// Φ_W = Σ_rows s_upper · (W s_lower), W of shape (upper × lower). Drives: W s_lower on the upper layer and
/// Wᵀ s_upper on the lower one; ∂Φ/∂W = Σ_rows s_upperᵀ s_lower.
/// </summary>
internal sealed class DenseInteraction : Interaction
{
    public override StateDependence StateDependence => StateDependence.Bilinear;

    private readonly int[] _layers;
    private readonly Parameter[] _parameters;
    private float[] _difference = [];
    private Matrix[]? _directionView;

    public DenseInteraction(int lower, int upper, Parameter weight, bool lowerIsClamped)
    {
        _layers = [lower, upper];
        _parameters = [weight];
        Weight = weight;
        LowerIsClamped = lowerIsClamped;
    }

    public Parameter Weight { get; }
    public int Lower => _layers[0];
    public int Upper => _layers[1];
    /// <summary>True when the lower layer is the clamped input, so both phases share it and ΔW needs one product.</summary>
    public bool LowerIsClamped { get; }
    public int LowerSize => Weight.Value.Cols;
    public int UpperSize => Weight.Value.Rows;
    public override IReadOnlyList<int> Layers => _layers;
    public override IReadOnlyList<Parameter> Parameters => _parameters;

    public override void AddDrive(int layer, Matrix[] states, Matrix drive, int start, int count, WorkerPool pool)
    {
        var w = Weight.Read(count);
        if (layer == Upper)
        {
            // drive_up += s_low · Wᵀ
            Gemm.Multiply(pool, false, true, count, UpperSize, LowerSize, 1f,
                states[Lower].Data, start * LowerSize, LowerSize, w.Data, 0, LowerSize, 1f, drive.Data, start * UpperSize, UpperSize);
        }
        else
        {
            // drive_low += s_up · W
            Gemm.Multiply(pool, false, false, count, LowerSize, UpperSize, 1f,
                states[Upper].Data, start * UpperSize, UpperSize, w.Data, 0, LowerSize, 1f, drive.Data, start * LowerSize, LowerSize);
        }
    }

    public override void AccumulateGradient(Matrix[] a, Matrix[]? b, float coef, int count, WorkerPool pool, float keep = 1f)
    {
        var grad = Weight.Grad;
        if (b is not null && ReferenceEquals(a[Lower], b[Lower]))
        {
            // Shared lower layer: (a_up − b_up)ᵀ s_low, one product instead of two.
            int n = count * UpperSize;
            if (_difference.Length < n) _difference = new float[n];
            TensorPrimitives.Subtract(a[Upper].RowSpan(0, count), b[Upper].RowSpan(0, count), _difference.AsSpan(0, n));
            Gemm.Multiply(pool, true, false, UpperSize, LowerSize, count, coef,
                _difference, 0, UpperSize, a[Lower].Data, 0, LowerSize, keep, grad.Data, 0, LowerSize);
            return;
        }
        Gemm.Multiply(pool, true, false, UpperSize, LowerSize, count, coef,
            a[Upper].Data, 0, UpperSize, a[Lower].Data, 0, LowerSize, keep, grad.Data, 0, LowerSize);
        if (b is not null)
            Gemm.Multiply(pool, true, false, UpperSize, LowerSize, count, -coef,
                b[Upper].Data, 0, UpperSize, b[Lower].Data, 0, LowerSize, 1f, grad.Data, 0, LowerSize);
    }

    public override void AddDriveDirectional(int layer, Matrix[] states, Matrix?[] direction, Matrix target, int start, int count, WorkerPool pool)
    {
        // Bilinear: the drive's derivative is the drive itself, applied to the direction of the other layer.
        int other = layer == Upper ? Lower : Upper;
        if (direction[other] is null) return;
        // Workers may race here, but they all store the same reference.
        var view = _directionView ??= new Matrix[Math.Max(Lower, Upper) + 1];
        view[other] = direction[other]!;
        AddDrive(layer, view, target, start, count, pool);
    }

    public override void AccumulateGradientDirectional(Matrix[] states, Matrix?[] direction, float coef, int start, int count, WorkerPool pool, float keep = 1f)
    {
        // D_s(s_upᵀ s_low)[d] = d_upᵀ s_low + s_upᵀ d_low
        var grad = Weight.Grad.Data;
        if (keep == 0f && direction[Upper] is null && direction[Lower] is null) Weight.Grad.Clear();
        if (direction[Upper] is { } up)
        {
            Gemm.Multiply(pool, true, false, UpperSize, LowerSize, count, coef,
                up.Data, start * UpperSize, UpperSize, states[Lower].Data, start * LowerSize, LowerSize, keep, grad, 0, LowerSize);
            keep = 1f;
        }
        if (direction[Lower] is { } low)
            Gemm.Multiply(pool, true, false, UpperSize, LowerSize, count, coef,
                states[Upper].Data, start * UpperSize, UpperSize, low.Data, start * LowerSize, LowerSize, keep, grad, 0, LowerSize);
    }
}
