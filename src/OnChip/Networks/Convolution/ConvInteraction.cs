using OnChip.Parallelism;
using OnChip.Tensors;
using OnChip.Networks.Interactions;

namespace OnChip.Networks.Convolution;

/// <summary>
/// Φ_K = Σ_rows s_upper · P(conv_K(s_lower)) (Laborieux et al. 2021), K a (Cout × k·k·Cin) kernel <see cref="Parameter"/>.
/// Drives: P(conv(s_lower)) on the upper layer, convᵀ(Pᵀ(s_upper)) on the lower one; ∂Φ/∂K = Σ Pᵀ(s_upper)ᵀ col(s_lower).
/// With max pooling the winners are those of conv(s_lower) at the states where Φ is evaluated, which makes every
/// quantity here bilinear in (s_upper, s_lower) once the winners are fixed; the directional derivatives used by
/// BPTT/RBP/GDU keep them fixed (the second derivative of max pooling is zero almost everywhere).
/// Softmax pooling is smooth and not bilinear: its drives, gradient and their linearisations use the pooling's
/// Jacobian and second derivative at conv(s_lower) (<see cref="Pooling.SoftmaxTranspose"/>, <see cref="Pooling.SoftmaxSecondOrder"/>),
/// and at complex states the term computes its own holomorphic drives and gradient (<see cref="AddDrivesComplex"/>).
/// Convolutions are lowered (im2col) to the packed GEMM, a few examples per product; each product reads K once per
/// image position (every position is a matrix–vector product through the kernel).
/// </summary>
internal sealed class ConvInteraction : Interaction
{
    /// <summary>Bilinear with average or no pooling; holomorphic but not bilinear with softmax pooling; max pooling has no holomorphic extension.</summary>
    public override StateDependence StateDependence => Geometry.Pool switch
    {
        PoolKind.Max => StateDependence.Other,
        PoolKind.Softmax => StateDependence.Holomorphic,
        _ => StateDependence.Bilinear,
    };

    private bool Softmax => Geometry.Pool == PoolKind.Softmax;

    private readonly int[] _layers;
    private readonly Parameter[] _parameters;
    private readonly int _chunk;
    private readonly DriveJob _job;
    /// <summary>Max-pooling winners per row from the last <see cref="AddDrives"/> (Relaxation only).</summary>
    private int[] _rowWinners = [];

    public ConvInteraction(int lower, int upper, Parameter kernel, ConvGeometry geometry)
    {
        if (kernel.Value.Rows != geometry.OutChannels || kernel.Value.Cols != geometry.PatchSize)
            throw new ArgumentException($"kernel {kernel} does not match {geometry.OutChannels}x{geometry.PatchSize}");
        _layers = [lower, upper];
        _parameters = [kernel];
        Kernel = kernel;
        Geometry = geometry;
        // Enough rows per product to fill the GEMM's 6-row micro-kernel many times over, few enough to stay in L2.
        _chunk = Math.Clamp(512 / geometry.Positions, 1, 16);
        _job = new DriveJob(this);
    }

    public Parameter Kernel { get; }
    public ConvGeometry Geometry { get; }
    public int Lower => _layers[0];
    public int Upper => _layers[1];
    public override IReadOnlyList<int> Layers => _layers;
    public override IReadOnlyList<Parameter> Parameters => _parameters;

    public override void AddDrive(int layer, Matrix[] states, Matrix drive, int start, int count, WorkerPool pool) =>
        RunRows(pool, layer, states, null, drive, start, count);

    public override void EnsureCapacity(int rows)
    {
        if (Geometry.Pool == PoolKind.Max && _rowWinners.Length < rows * Geometry.OutSize) _rowWinners = new int[rows * Geometry.OutSize];
    }

    /// <summary>
    /// Both drives from one convolution of the lower layer: its max-pooling winners route the upper layer back down.
    /// With <paramref name="lowerUnchanged"/>, a lone lower drive reuses the winners of the previous call (the
    /// alternating order computes the upper drive from the same lower states half a step earlier).
    /// </summary>
    public override void AddDrives(int[] layers, Matrix[] states, Matrix[] drives, int start, int count, bool lowerUnchanged)
    {
        bool up = false, low = false;
        foreach (int l in layers)
        {
            if (l == Upper) up = true;
            else if (l == Lower) low = true;
        }
        bool stored = Geometry.Pool == PoolKind.Max && _rowWinners.Length >= (start + count) * Geometry.OutSize;
        DriveRows(up ? drives[Upper] : null, low ? drives[Lower] : null, states, null, start, count,
            store: stored, reuse: stored && lowerUnchanged && !up);
    }

    public override void AddDriveDirectional(int layer, Matrix[] states, Matrix?[] direction, Matrix target, int start, int count, WorkerPool pool)
    {
        int other = layer == Upper ? Lower : Upper;
        // The drive on the lower layer of a softmax-pooled term depends on that layer too (through the pooling's slopes).
        if (direction[other] is null && !(Softmax && layer == Lower && direction[Lower] is not null)) return;
        RunRows(pool, layer, states, direction, target, start, count);
    }

    private void RunRows(WorkerPool pool, int layer, Matrix[] states, Matrix?[]? direction, Matrix target, int start, int count)
    {
        if (pool.Workers == 1 || count < 2)
        {
            DriveRows(layer == Upper ? target : null, layer == Lower ? target : null, states, direction, start, count, store: false, reuse: false);
            return;
        }
        _job.Set(layer, states, direction, target, start, count);
        pool.Run(_job);
    }

    /// <summary>
    /// upTarget[rows] += drive on the upper layer and lowTarget[rows] += drive on the lower one (either may be null),
    /// or with a direction their linearisations along it (the other layer's direction replaces its state; the
    /// winners stay those of the states). <paramref name="store"/> keeps the winners per row; <paramref name="reuse"/> takes them from there.
    /// </summary>
    private void DriveRows(Matrix? upTarget, Matrix? lowTarget, Matrix[] states, Matrix?[]? direction, int start, int count, bool store, bool reuse)
    {
        var g = Geometry;
        if (Softmax && direction is not null)
        {
            SoftmaxDirectionalRows(upTarget, lowTarget, states, direction, start, count);
            return;
        }
        bool max = g.Pool == PoolKind.Max;
        var s = ConvScratch.For(g, _chunk);
        int cols = g.Positions * g.PatchSize;
        for (int r0 = start; r0 < start + count; r0 += _chunk)
        {
            int n = Math.Min(_chunk, start + count - r0);
            var winners = store ? _rowWinners.AsSpan(r0 * g.OutSize, n * g.OutSize) : s.Winners.AsSpan(0, n * g.OutSize);
            if (upTarget is not null || (max && !reuse) || (Softmax && lowTarget is not null))
            {
                Forward(states[Lower], r0, n, s);
                for (int i = 0; i < n; i++) Pooling.ChooseWinners(g, s.Z.AsSpan(i * g.ConvSize, g.ConvSize), winners.Slice(i * g.OutSize, g.OutSize));
            }
            if (upTarget is not null)
            {
                if (direction is not null) Forward(direction[Lower]!, r0, n, s);
                for (int i = 0; i < n; i++)
                    Pooling.Select(g, s.Z.AsSpan(i * g.ConvSize, g.ConvSize), winners.Slice(i * g.OutSize, g.OutSize), upTarget.Row(r0 + i));
            }
            if (lowTarget is not null)
            {
                var up = direction is null ? states[Upper] : direction[Upper]!;
                for (int i = 0; i < n; i++)
                    Pooling.Transpose(g, up.Row(r0 + i), s.Z.AsSpan(i * g.ConvSize, g.ConvSize), winners.Slice(i * g.OutSize, g.OutSize), s.Dz.AsSpan(i * g.ConvSize, g.ConvSize));
                // patches of the drive = Pᵀ(s_up) · K, then folded back onto the image (col2im)
                Gemm.Multiply(false, false, n * g.Positions, g.PatchSize, g.OutChannels, 1f,
                    s.Dz.AsSpan(0, n * g.ConvSize), g.OutChannels, Kernel.Read(n * g.Positions).Data, g.PatchSize, 0f, s.Col.AsSpan(0, n * cols), g.PatchSize);
                for (int i = 0; i < n; i++) Im2Col.ScatterAdd(g, s.Col.AsSpan(i * cols, cols), lowTarget.Row(r0 + i));
            }
        }
    }

    /// <summary>Z[0..n) = conv(source rows r0…r0+n) into the scratch (patches in s.Col).</summary>
    private void Forward(Matrix source, int r0, int n, ConvScratch s) => Forward(source, r0, n, s.Col, s.Z);

    /// <summary>z[0..n) = conv(source rows r0…r0+n), the patches left in <paramref name="col"/>.</summary>
    private void Forward(Matrix source, int r0, int n, float[] col, float[] z)
    {
        var g = Geometry;
        int cols = g.Positions * g.PatchSize;
        for (int i = 0; i < n; i++) Im2Col.Gather(g, source.Row(r0 + i), col.AsSpan(i * cols, cols));
        Gemm.Multiply(false, true, n * g.Positions, g.OutChannels, g.PatchSize, 1f,
            col.AsSpan(0, n * cols), g.PatchSize, Kernel.Read(n * g.Positions).Data, g.PatchSize, 0f, z.AsSpan(0, n * g.ConvSize), g.OutChannels);
    }

    /// <summary>target rows [r0, r0+n) += convᵀ(dz): patches of the drive dz · K, folded back onto the image (col2im); uses s.Col.</summary>
    private void Backward(float[] dz, int r0, int n, Matrix target, ConvScratch s)
    {
        var g = Geometry;
        int cols = g.Positions * g.PatchSize;
        Gemm.Multiply(false, false, n * g.Positions, g.PatchSize, g.OutChannels, 1f,
            dz.AsSpan(0, n * g.ConvSize), g.OutChannels, Kernel.Read(n * g.Positions).Data, g.PatchSize, 0f, s.Col.AsSpan(0, n * cols), g.PatchSize);
        for (int i = 0; i < n; i++) Im2Col.ScatterAdd(g, s.Col.AsSpan(i * cols, cols), target.Row(r0 + i));
    }

    /// <summary>
    /// s.Dz rows [0, n) = J(z)ᵀ d_up + s_up·∂²P(z)[conv(d_low)] for the examples r0…r0+n−1 (z in s.Z, conv(d_low) in
    /// s.ZIm): the pooled term's derivative with respect to z, linearised along the direction; shared by the lower
    /// drive's and the kernel gradient's directional derivatives.
    /// </summary>
    private void LinearizedPoolGradient(ConvScratch s, int r0, int n, Matrix? dUp, Matrix? dLow, Matrix upper)
    {
        var g = Geometry;
        for (int i = 0; i < n; i++)
        {
            var z = s.Z.AsSpan(i * g.ConvSize, g.ConvSize);
            var dz = s.Dz.AsSpan(i * g.ConvSize, g.ConvSize);
            if (dUp is not null) Pooling.SoftmaxTranspose(g, z, dUp.Row(r0 + i), default, dz);
            else dz.Clear();
            if (dLow is not null) Pooling.SoftmaxSecondOrder(g, z, s.ZIm.AsSpan(i * g.ConvSize, g.ConvSize), upper.Row(r0 + i), dz);
        }
    }

    /// <summary>
    /// The linearisations of a softmax-pooled term's drives along <paramref name="direction"/> at the states:
    /// upper J(z)·conv(d_low); lower convᵀ(J(z)ᵀ d_up + s_up·∂²P(z)[conv(d_low)]), z = conv(s_low).
    /// </summary>
    private void SoftmaxDirectionalRows(Matrix? upTarget, Matrix? lowTarget, Matrix[] states, Matrix?[] direction, int start, int count)
    {
        var g = Geometry;
        var (dUp, dLow) = (direction[Upper], direction[Lower]);
        if (dLow is null && (lowTarget is null || dUp is null)) return;
        var s = ConvScratch.ForTwo(g, _chunk);
        for (int r0 = start; r0 < start + count; r0 += _chunk)
        {
            int n = Math.Min(_chunk, start + count - r0);
            Forward(states[Lower], r0, n, s);
            if (dLow is not null) Forward(dLow, r0, n, s.ColIm, s.ZIm);
            if (upTarget is not null && dLow is not null)
                for (int i = 0; i < n; i++)
                    Pooling.SoftmaxLinearize(g, s.Z.AsSpan(i * g.ConvSize, g.ConvSize), s.ZIm.AsSpan(i * g.ConvSize, g.ConvSize), upTarget.Row(r0 + i));
            if (lowTarget is null) continue;
            LinearizedPoolGradient(s, r0, n, dUp, dLow, states[Upper]);
            Backward(s.Dz, r0, n, lowTarget, s);
        }
    }

    /// <summary>
    /// Drives at a complex state re + i·im. With softmax pooling, z = conv(re) + i·conv(im) goes through the
    /// holomorphic pooling: upper P(z), lower convᵀ(J(z)ᵀ(s_up)) with complex s_up (real kernel: convᵀ of each part).
    /// The clamped input is real (its imaginary part is zero and is not convolved).
    /// </summary>
    public override void AddDrivesComplex(int[] layers, Matrix[] re, Matrix[] im, Matrix[] driveRe, Matrix[] driveIm, int start, int count)
    {
        if (!Softmax)
        {
            base.AddDrivesComplex(layers, re, im, driveRe, driveIm, start, count);
            return;
        }
        bool up = false, low = false;
        foreach (int l in layers)
        {
            if (l == Upper) up = true;
            else if (l == Lower) low = true;
        }
        var g = Geometry;
        var s = ConvScratch.ForTwo(g, _chunk);
        for (int r0 = start; r0 < start + count; r0 += _chunk)
        {
            int n = Math.Min(_chunk, start + count - r0);
            ForwardComplex(re, im, r0, n, s);
            for (int i = 0; i < n; i++)
            {
                Pooling.SoftmaxComplex(g, s.Z.AsSpan(i * g.ConvSize, g.ConvSize), s.ZIm.AsSpan(i * g.ConvSize, g.ConvSize), re[Upper].Row(r0 + i), im[Upper].Row(r0 + i),
                    up ? driveRe[Upper].Row(r0 + i) : default, up ? driveIm[Upper].Row(r0 + i) : default,
                    low ? s.Dz.AsSpan(i * g.ConvSize, g.ConvSize) : default, low ? s.DzIm.AsSpan(i * g.ConvSize, g.ConvSize) : default);
            }
            if (!low) continue;
            Backward(s.Dz, r0, n, driveRe[Lower], s);
            Backward(s.DzIm, r0, n, driveIm[Lower], s);
        }
    }

    /// <summary>s.Z, s.ZIm = conv of the real and imaginary parts of the lower layer (patches in s.Col, s.ColIm); a clamped lower layer is real.</summary>
    private void ForwardComplex(Matrix[] re, Matrix[] im, int r0, int n, ConvScratch s)
    {
        Forward(re[Lower], r0, n, s.Col, s.Z);
        if (LayeredNetwork.IsClamped(Lower)) s.ZIm.AsSpan(0, n * Geometry.ConvSize).Clear();
        else Forward(im[Lower], r0, n, s.ColIm, s.ZIm);
    }

    /// <summary>
    /// K.Grad ← keep·K.Grad + coefRe·Re G + coefIm·Im G, G = Σ_rows J(z)ᵀ(s_up) ⊗ col(s_low) at s = re + i·im (softmax pooling):
    /// with J(z)ᵀ(s_up) = a + i·b and col = c + i·d, that is Σ (coefRe·a + coefIm·b) ⊗ c + (coefIm·a − coefRe·b) ⊗ d.
    /// </summary>
    public override void AccumulateGradientComplex(Matrix[] re, Matrix[] im, float coefRe, float coefIm, int count, WorkerPool pool, float keep)
    {
        if (!Softmax)
        {
            base.AccumulateGradientComplex(re, im, coefRe, coefIm, count, pool, keep);
            return;
        }
        var g = Geometry;
        var grad = Kernel.Grad.Data;
        if (count == 0)
        {
            if (keep == 0f) Kernel.Grad.Clear();
            return;
        }
        bool realLower = LayeredNetwork.IsClamped(Lower);
        var s = ConvScratch.ForTwo(g, _chunk);
        for (int r0 = 0; r0 < count; r0 += _chunk)
        {
            int n = Math.Min(_chunk, count - r0);
            ForwardComplex(re, im, r0, n, s);
            for (int i = 0; i < n; i++)
                Pooling.SoftmaxComplex(g, s.Z.AsSpan(i * g.ConvSize, g.ConvSize), s.ZIm.AsSpan(i * g.ConvSize, g.ConvSize), re[Upper].Row(r0 + i), im[Upper].Row(r0 + i),
                    default, default, s.Dz.AsSpan(i * g.ConvSize, g.ConvSize), s.DzIm.AsSpan(i * g.ConvSize, g.ConvSize));
            Span<float> a = s.Dz.AsSpan(0, n * g.ConvSize), b = s.DzIm.AsSpan(0, n * g.ConvSize);
            Span<float> u = s.Z.AsSpan(0, n * g.ConvSize), v = s.ZIm.AsSpan(0, n * g.ConvSize);
            System.Numerics.Tensors.TensorPrimitives.Multiply(a, coefRe, u);
            System.Numerics.Tensors.TensorPrimitives.MultiplyAdd(b, coefIm, u, u);
            Gemm.Multiply(pool, true, false, g.OutChannels, g.PatchSize, n * g.Positions, 1f,
                s.Z, 0, g.OutChannels, s.Col, 0, g.PatchSize, keep, grad, 0, g.PatchSize);
            keep = 1f;
            if (realLower) continue;
            System.Numerics.Tensors.TensorPrimitives.Multiply(a, coefIm, v);
            System.Numerics.Tensors.TensorPrimitives.MultiplyAdd(b, -coefRe, v, v);
            Gemm.Multiply(pool, true, false, g.OutChannels, g.PatchSize, n * g.Positions, 1f,
                s.ZIm, 0, g.OutChannels, s.ColIm, 0, g.PatchSize, 1f, grad, 0, g.PatchSize);
        }
    }

    public override void AccumulateGradient(Matrix[] a, Matrix[]? b, float coef, int count, WorkerPool pool, float keep = 1f)
    {
        if (b is not null && ReferenceEquals(a[Lower], b[Lower]))
        {
            // Shared (clamped) lower layer: same patches and same winners, so one product of Pᵀ(a_up − b_up).
            Accumulate(a[Upper], b[Upper], a[Lower], a[Lower], coef, 0, count, pool, keep);
            return;
        }
        Accumulate(a[Upper], null, a[Lower], a[Lower], coef, 0, count, pool, keep);
        if (b is not null) Accumulate(b[Upper], null, b[Lower], b[Lower], -coef, 0, count, pool, 1f);
    }

    public override void AccumulateGradientDirectional(Matrix[] states, Matrix?[] direction, float coef, int start, int count, WorkerPool pool, float keep = 1f)
    {
        if (Softmax)
        {
            SoftmaxGradientDirectional(states, direction, coef, start, count, pool, keep);
            return;
        }
        // D_s(Pᵀ(s_up)ᵀ col(s_low))[d] = Pᵀ(d_up)ᵀ col(s_low) + Pᵀ(s_up)ᵀ col(d_low), winners fixed at the states.
        if (keep == 0f && direction[Upper] is null && direction[Lower] is null) Kernel.Grad.Clear();
        if (direction[Upper] is { } up)
        {
            Accumulate(up, null, states[Lower], states[Lower], coef, start, count, pool, keep);
            keep = 1f;
        }
        if (direction[Lower] is { } low) Accumulate(states[Upper], null, low, states[Lower], coef, start, count, pool, keep);
    }

    /// <summary>
    /// D_s(Σ J(z)ᵀ(s_up) ⊗ col(s_low))[d] = Σ [J(z)ᵀ(d_up) + s_up·∂²P(z)[conv(d_low)]] ⊗ col(s_low) + J(z)ᵀ(s_up) ⊗ col(d_low),
    /// z = conv(s_low): softmax pooling's slopes move with the lower layer.
    /// </summary>
    private void SoftmaxGradientDirectional(Matrix[] states, Matrix?[] direction, float coef, int start, int count, WorkerPool pool, float keep)
    {
        var g = Geometry;
        var grad = Kernel.Grad.Data;
        var (dUp, dLow) = (direction[Upper], direction[Lower]);
        if (count == 0 || (dUp is null && dLow is null))
        {
            if (keep == 0f) Kernel.Grad.Clear();
            return;
        }
        var s = ConvScratch.ForTwo(g, _chunk);
        for (int r0 = start; r0 < start + count; r0 += _chunk)
        {
            int n = Math.Min(_chunk, start + count - r0);
            Forward(states[Lower], r0, n, s);
            if (dLow is not null) Forward(dLow, r0, n, s.ColIm, s.ZIm);
            LinearizedPoolGradient(s, r0, n, dUp, dLow, states[Upper]);
            Gemm.Multiply(pool, true, false, g.OutChannels, g.PatchSize, n * g.Positions, coef,
                s.Dz, 0, g.OutChannels, s.Col, 0, g.PatchSize, keep, grad, 0, g.PatchSize);
            keep = 1f;
            if (dLow is null) continue;
            for (int i = 0; i < n; i++)
                Pooling.SoftmaxTranspose(g, s.Z.AsSpan(i * g.ConvSize, g.ConvSize), states[Upper].Row(r0 + i), default, s.DzIm.AsSpan(i * g.ConvSize, g.ConvSize));
            Gemm.Multiply(pool, true, false, g.OutChannels, g.PatchSize, n * g.Positions, coef,
                s.DzIm, 0, g.OutChannels, s.ColIm, 0, g.PatchSize, 1f, grad, 0, g.PatchSize);
        }
    }

    /// <summary>
    /// K.Grad ← keep·K.Grad + coef · Σ_rows Pᵀ(up − minus)ᵀ col(low), winners from conv(<paramref name="winnersFrom"/>).
    /// </summary>
    private void Accumulate(Matrix up, Matrix? minus, Matrix low, Matrix winnersFrom, float coef, int start, int count, WorkerPool pool, float keep)
    {
        var g = Geometry;
        var grad = Kernel.Grad.Data;
        if (count == 0)
        {
            if (keep == 0f) Kernel.Grad.Clear();
            return;
        }
        var s = ConvScratch.For(g, _chunk);
        int cols = g.Positions * g.PatchSize;
        for (int r0 = start; r0 < start + count; r0 += _chunk)
        {
            int n = Math.Min(_chunk, start + count - r0);
            if (g.Pool is PoolKind.Max or PoolKind.Softmax)
            {
                Forward(winnersFrom, r0, n, s);   // the winners (softmax: the slopes' z), recomputed: a product through K
                for (int i = 0; i < n; i++) Pooling.ChooseWinners(g, s.Z.AsSpan(i * g.ConvSize, g.ConvSize), s.Winners.AsSpan(i * g.OutSize, g.OutSize));
            }
            for (int i = 0; i < n; i++)
            {
                var dz = s.Dz.AsSpan(i * g.ConvSize, g.ConvSize);
                var winners = s.Winners.AsSpan(i * g.OutSize, g.OutSize);
                if (Softmax)
                {
                    Pooling.SoftmaxTranspose(g, s.Z.AsSpan(i * g.ConvSize, g.ConvSize), up.Row(r0 + i), minus is null ? default : minus.Row(r0 + i), dz);
                    continue;
                }
                Pooling.Transpose(g, up.Row(r0 + i), default, winners, dz);
                if (minus is null) continue;
                var other = s.Z.AsSpan(i * g.ConvSize, g.ConvSize);
                Pooling.Transpose(g, minus.Row(r0 + i), default, winners, other);
                System.Numerics.Tensors.TensorPrimitives.Subtract(dz, other, dz);
            }
            if (g.Pool is not (PoolKind.Max or PoolKind.Softmax) || !ReferenceEquals(low, winnersFrom))
                for (int i = 0; i < n; i++) Im2Col.Gather(g, low.Row(r0 + i), s.Col.AsSpan(i * cols, cols));
            // K.Grad (Cout × patch) += coef · dzᵀ (Cout × n·positions) · col (n·positions × patch)
            Gemm.Multiply(pool, true, false, g.OutChannels, g.PatchSize, n * g.Positions, coef,
                s.Dz, 0, g.OutChannels, s.Col, 0, g.PatchSize, keep, grad, 0, g.PatchSize);
            keep = 1f;
        }
    }

    private sealed class DriveJob(ConvInteraction owner) : IParallelJob
    {
        private int _layer, _start, _count;
        private Matrix[] _states = [];
        private Matrix?[]? _direction;
        private Matrix? _target;

        public void Set(int layer, Matrix[] states, Matrix?[]? direction, Matrix target, int start, int count) =>
            (_layer, _states, _direction, _target, _start, _count) = (layer, states, direction, target, start, count);

        public void Execute(int worker, int workers)
        {
            var (a, b) = WorkerPool.Share(_count, worker, workers);
            owner.DriveRows(_layer == owner.Upper ? _target : null, _layer == owner.Lower ? _target : null, _states, _direction, _start + a, b - a, store: false, reuse: false);
        }
    }
}
