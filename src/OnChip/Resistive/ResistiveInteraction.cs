using System.Numerics.Tensors;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;
using OnChip.Networks;
using OnChip.Networks.Interactions;
using OnChip.Parallelism;
using OnChip.Tensors;

namespace OnChip.Resistive;

/// <summary>
/// Programmable resistors between every unit of two layers: conductances G (upper × lower, g ≥ 0), with energy
/// E = ½ Σ_rows Σ_ji G_ji (s_up_j − s_low_i)² (the power they dissipate, halved: Kirchhoff's laws minimise it).
/// As a term of Φ = −E: the drive on a node is the current its neighbours push in, Σ_i G_ji s_low_i (G s_low on the
/// upper layer, Gᵀ s_up on the lower one), and the curvature is the node's total conductance (row sums of G on the
/// upper layer, column sums on the lower one); ∂Φ/∂G_ji = −½(s_up_j − s_low_i)², the EP learning rule local to
/// each resistor (its voltage drop, squared). The drive and its derivatives are a Hopfield dense coupling's (the
/// bilinear term Σ s_up·(G s_low)), so those are delegated to a <see cref="DenseInteraction"/> over the same
/// conductances; what is resistive here is the curvature and the squares in ∂Φ/∂G.
/// </summary>
internal sealed class ResistiveInteraction : Interaction, IDissipative
{
    private readonly int[] _layers;
    private readonly Parameter[] _parameters;
    private readonly DenseInteraction _coupling;
    private float[] _difference = [], _upper = [], _lower = [], _field = [], _withOnes = [], _product = [], _rowSums = [], _colSums = [];

    public ResistiveInteraction(int lower, int upper, Parameter conductance)
    {
        if (!conductance.NonNegative) throw new ArgumentException($"{conductance.Name}: conductances must be marked non-negative");
        _layers = [lower, upper];
        _parameters = [conductance];
        Conductance = conductance;
        _coupling = new DenseInteraction(lower, upper, conductance, lowerIsClamped: lower == 0);
    }

    public Parameter Conductance { get; }
    public int Lower => _layers[0];
    public int Upper => _layers[1];
    public int LowerSize => Conductance.Value.Cols;
    public int UpperSize => Conductance.Value.Rows;
    public override IReadOnlyList<int> Layers => _layers;
    public override IReadOnlyList<Parameter> Parameters => _parameters;

    public override void AddDrive(int layer, Matrix[] states, Matrix drive, int start, int count, WorkerPool pool) =>
        _coupling.AddDrive(layer, states, drive, start, count, pool);

    /// <summary>Row sums G·1 on the upper layer, column sums 1ᵀG on the lower one: one vector read of G.</summary>
    public override void AddCurvature(int layer, Span<float> curvature) => AddCurvature(layer, curvature, Conductance.Read(1));

    private void AddCurvature(int layer, Span<float> curvature, Matrix g)
    {
        if (layer == Upper)
        {
            for (int j = 0; j < UpperSize; j++) curvature[j] += TensorPrimitives.Sum(g.Row(j));
        }
        else
        {
            for (int j = 0; j < UpperSize; j++) TensorPrimitives.Add(curvature, g.Row(j), curvature);
        }
    }

    /// <summary>
    /// [s_low; 1]·Gᵀ: the drive on the upper layer and, from the row of ones, its row sums (the curvature), in one
    /// product instead of a product and a second pass over G (count + 1 vector reads). (Computing it transposed, G·[s_low; 1]ᵀ, reads G in place
    /// but pads the 33 columns to the kernel's 64: twice as slow here.)
    /// </summary>
    public override void AddDriveWithCurvature(int layer, Matrix[] states, Matrix drive, Span<float> curvature, int count, WorkerPool pool)
    {
        if (layer != Upper)
        {
            base.AddDriveWithCurvature(layer, states, drive, curvature, count, pool);
            return;
        }
        var lowerWithOnes = WithOnesRow(states[Lower], count);
        int n = (count + 1) * UpperSize;
        if (_product.Length < n) _product = new float[n];
        Gemm.Multiply(pool, false, true, count + 1, UpperSize, LowerSize, 1f,
            lowerWithOnes, 0, LowerSize, Conductance.Read(count + 1).Data, 0, LowerSize, 0f, _product, 0, UpperSize);
        var target = drive.RowSpan(0, count);
        TensorPrimitives.Add(target, _product.AsSpan(0, count * UpperSize), target);
        TensorPrimitives.Add(curvature, _product.AsSpan(count * UpperSize, UpperSize), curvature);
    }

    /// <summary>Rows [0, count) of <paramref name="lower"/> followed by a row of ones, in a scratch buffer.</summary>
    private float[] WithOnesRow(Matrix lower, int count)
    {
        int n = (count + 1) * LowerSize;
        if (_withOnes.Length < n) _withOnes = new float[n];
        lower.RowSpan(0, count).CopyTo(_withOnes);
        _withOnes.AsSpan(count * LowerSize, LowerSize).Fill(1f);
        return _withOnes;
    }

    public override void AccumulateCurvatureGradient(int layer, ReadOnlySpan<float> weights, float coef)
    {
        var grad = Conductance.Grad;
        for (int j = 0; j < UpperSize; j++)
        {
            if (layer == Upper) TensorPrimitives.Add(grad.Row(j), coef * weights[j], grad.Row(j));
            else TensorPrimitives.MultiplyAdd(weights, coef, grad.Row(j), grad.Row(j));
        }
    }

    /// <summary>
    /// coef·Σ_rows [∂Φ/∂G(a) − ∂Φ/∂G(b)] with ∂Φ/∂G_ji = s_up_j s_low_i − ½s_up_j² − ½s_low_i²: the bilinear part
    /// as products, then the squares as one rank-one pass −½coef(U_j + L_i), U and L the sums over rows of the squared
    /// upper and lower states (a's minus b's). With a shared lower layer it is a single product (see inside).
    /// </summary>
    public override void AccumulateGradient(Matrix[] a, Matrix[]? b, float coef, int count, WorkerPool pool, float keep = 1f)
    {
        var grad = Conductance.Grad;
        if (_upper.Length < UpperSize) _upper = new float[UpperSize];
        var up = _upper.AsSpan(0, UpperSize);
        if (b is not null && ReferenceEquals(a[Lower], b[Lower]))
        {
            // Both states share the lower layer (the clamped input): the squares of the lower states cancel, and the
            // upper ones ride along as one more row of the product, [a_up − b_up; −½U]ᵀ[s_low; 1], so the whole
            // gradient is written in one pass.
            int n = (count + 1) * UpperSize;
            if (_difference.Length < n) _difference = new float[n];
            TensorPrimitives.Subtract(a[Upper].RowSpan(0, count), b[Upper].RowSpan(0, count), _difference.AsSpan(0, count * UpperSize));
            SquareSums(a[Upper], b[Upper], count, up);
            TensorPrimitives.Multiply(up, -0.5f, _difference.AsSpan(count * UpperSize, UpperSize));
            Gemm.Multiply(pool, true, false, UpperSize, LowerSize, count + 1, coef,
                _difference, 0, UpperSize, WithOnesRow(a[Lower], count), 0, LowerSize, keep, grad.Data, 0, LowerSize);
            return;
        }
        _coupling.AccumulateGradient(a, b, coef, count, pool, keep);   // the bilinear part (lower layers not shared)
        if (_lower.Length < LowerSize) _lower = new float[LowerSize];
        var low = _lower.AsSpan(0, LowerSize);
        SquareSums(a[Upper], b?[Upper], count, up);
        SquareSums(a[Lower], b?[Lower], count, low);
        float half = -0.5f * coef;
        TensorPrimitives.Multiply(up, half, up);
        TensorPrimitives.Multiply(low, half, low);
        for (int j = 0; j < UpperSize; j++) AddRowShift(grad.Row(j), low, up[j]);
    }

    /// <summary>sums = Σ_rows a² − Σ_rows b² (b null: zero).</summary>
    private static void SquareSums(Matrix a, Matrix? b, int count, Span<float> sums)
    {
        sums.Clear();
        for (int r = 0; r < count; r++) TensorPrimitives.MultiplyAdd(a.Row(r), a.Row(r), sums, sums);
        if (b is null) return;
        for (int r = 0; r < count; r++)
        {
            var row = b.Row(r);
            for (int i = 0; i < sums.Length; i++) sums[i] -= row[i] * row[i];
        }
    }

    /// <summary>row[i] += shift[i] + constant, in one pass.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void AddRowShift(Span<float> row, ReadOnlySpan<float> shift, float constant)
    {
        int n = row.Length, i = 0;
        ref float r = ref MemoryMarshal.GetReference(row);
        ref float s = ref MemoryMarshal.GetReference(shift);
        var c = Vector512.Create(constant);
        for (; i <= n - 16; i += 16)
            (Vector512.LoadUnsafe(ref r, (nuint)i) + Vector512.LoadUnsafe(ref s, (nuint)i) + c).StoreUnsafe(ref r, (nuint)i);
        for (; i < n; i++) Unsafe.Add(ref r, i) += Unsafe.Add(ref s, i) + constant;
    }

    public override void AddDriveDirectional(int layer, Matrix[] states, Matrix?[] direction, Matrix target, int start, int count, WorkerPool pool) =>
        _coupling.AddDriveDirectional(layer, states, direction, target, start, count, pool);

    /// <summary>∂/∂G of d_up·(G s_low) + d_low·(Gᵀ s_up) = d_upᵀ s_low + s_upᵀ d_low (the curvature's share is separate).</summary>
    public override void AccumulateGradientDirectional(Matrix[] states, Matrix?[] direction, float coef, int start, int count, WorkerPool pool, float keep = 1f) =>
        _coupling.AccumulateGradientDirectional(states, direction, coef, start, count, pool, keep);

    /// <summary>
    /// Σ g·ΔV² = Σ_j rowsum_j·s_up_j² + Σ_i colsum_i·s_low_i² − 2 Σ_j s_up_j (G s_low)_j, summed over rows. A
    /// measurement (what a power meter shows), not a use of the network: it takes the conductances uncounted.
    /// </summary>
    public double Power(Matrix[] states, int count, WorkerPool pool)
    {
        var g = Conductance.Value;
        if (_field.Length < count * UpperSize) _field = new float[count * UpperSize];
        Gemm.Multiply(pool, false, true, count, UpperSize, LowerSize, 1f,
            states[Lower].Data, 0, LowerSize, g.Data, 0, LowerSize, 0f, _field, 0, UpperSize);
        if (_rowSums.Length != UpperSize) (_rowSums, _colSums) = (new float[UpperSize], new float[LowerSize]);
        var (rowSums, colSums) = (_rowSums, _colSums);
        Array.Clear(rowSums);
        Array.Clear(colSums);
        AddCurvature(Upper, rowSums, g);
        AddCurvature(Lower, colSums, g);
        double total = 0;
        for (int r = 0; r < count; r++)
        {
            var up = states[Upper].Row(r);
            var low = states[Lower].Row(r);
            var field = _field.AsSpan(r * UpperSize, UpperSize);
            double sum = 0;
            for (int j = 0; j < up.Length; j++) sum += (double)rowSums[j] * up[j] * up[j] - 2.0 * up[j] * field[j];
            for (int i = 0; i < low.Length; i++) sum += (double)colSums[i] * low[i] * low[i];
            total += sum;
        }
        return total;
    }
}
