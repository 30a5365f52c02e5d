using System.Numerics.Tensors;
using OnChip.Data;
using OnChip.Parallelism;
using OnChip.Tensors;

namespace OnChip.Rbm;

/// <summary>How the negative phase is sampled.</summary>
/// <param name="Steps">k, the Gibbs steps v → h → v per update (CD-k).</param>
/// <param name="Persistent">Persistent CD (Tieleman 2008): the chains continue from where the previous update left
/// them instead of restarting at the data.</param>
/// <param name="Chains">Independent chains per example; their negative statistics are averaged (Ernoult 2019's #CD).</param>
internal sealed record CdSettings(int Steps = 1, bool Persistent = false, int Chains = 1)
{
    public void Validate()
    {
        if (Steps < 1) throw new ArgumentOutOfRangeException(nameof(Steps), Steps, "CD needs at least one Gibbs step");
        if (Chains < 1) throw new ArgumentOutOfRangeException(nameof(Chains), Chains, "CD needs at least one chain per example");
    }
}

/// <summary>
/// Contrastive divergence on mini-batches: writes the loss gradient (minus the CD estimate of the log-likelihood
/// gradient, averaged over the batch) into <c>W.Grad</c>, <c>a.Grad</c>, <c>b.Grad</c>; an optimizer then turns it into
/// the change each parameter's storage applies. Nothing here holds a copy of the weights: every product takes them from
/// <c>Parameter.Read</c>, as the storage left them.
/// <para>
/// Statistics. Positive phase: the data visibles v⁰ (binarized as configured; with the one-hot label for drbm) and
/// p(h | v⁰). Negative phase, per chain: h⁰ ~ p(h | v⁰) (CD) or h ~ p(h | v_chain) (PCD), then k times
/// v ~ p(v | h) (Bernoulli image units, one-hot softmax sample of the label group), h ~ p(h | v); the statistics use
/// the final binary v^k and the probabilities p(h | v^k) (Rao-Blackwellised: unbiased for ⟨v hᵀ⟩ under the chain).
/// W.Grad = −(1/B) [Σ_data v⁰ p(h|v⁰)ᵀ − (1/N) Σ_chains v^k p(h|v^k)ᵀ], computed as ONE transposed GEMM over the data
/// rows and the chain rows stacked (the chain rows of p(h|·) pre-scaled by −1/N); a.Grad and b.Grad likewise.
/// </para>
/// <para>
/// Layout. Row buffers hold the batch's data rows right-aligned before the chain rows, so data and chains are one
/// contiguous block whatever the batch size. Every row has its own random stream (<see cref="RowStreams"/>), rows are
/// split between workers, columns of the bias statistics too, and <see cref="Gemm"/> is bitwise independent of the
/// worker count: the same seed gives the same samples and gradients with any number of threads. After the first call
/// nothing is allocated. Every product takes its parameters from <c>Parameter.Read</c>, so their storage counts the
/// reads: W, B rows for the positive phase (the one-hot label's rows of W are part of that read) and N·B per half
/// Gibbs step (PCD: N·B more to restart the chains); b, one per hidden row computed; a, one per visible row sampled
/// and, when drbm scores the batch, one per example (the label biases).
/// </para>
/// </summary>
internal sealed class ContrastiveDivergence : IParallelJob
{
    private enum Stage { Load, DataHidden, ChainHidden, ChainVisible, ColumnSums }

    private readonly RestrictedBoltzmannMachine _rbm;
    private readonly WorkerPool _pool;
    private readonly int _capacity, _chains, _visible, _hidden, _image;
    private readonly Matrix _v, _pre, _h, _hs, _vpre;
    private readonly int[] _indices, _labels;
    private readonly bool[] _rowCorrect;
    private readonly double[] _rowLoss;
    private readonly RowStreams _streams;
    private readonly float[][] _uniforms, _scores, _columnScratch;

    // Arguments of the current parallel stage.
    private Stage _stage;
    private int _rowsInStage;
    private bool _sample, _scale;
    private Dataset? _data;
    private string _binarize = Binarization.None;
    /// <summary>1 once the persistent chains have started (a float so that checkpoints carry it with the chains).</summary>
    private readonly float[] _chainsStarted = [0f];
    /// <summary>The parameters as the current stage read them (<c>Parameter.Read</c> counted the reads).</summary>
    private Matrix _weights = null!, _hiddenBias = null!, _visibleBias = null!;

    public ContrastiveDivergence(RestrictedBoltzmannMachine rbm, CdSettings settings, int batchCapacity, WorkerPool pool, ulong seed)
    {
        settings.Validate();
        ArgumentOutOfRangeException.ThrowIfLessThan(batchCapacity, 1);
        _rbm = rbm;
        _pool = pool;
        Settings = settings;
        _capacity = batchCapacity;
        _chains = settings.Chains;
        _visible = rbm.Visible;
        _hidden = rbm.Hidden;
        _image = rbm.ImageSize;
        int rows = batchCapacity * (1 + settings.Chains);
        _v = new Matrix(rows, _visible);
        _pre = new Matrix(rows, _hidden);
        _h = new Matrix(rows, _hidden);
        _hs = new Matrix(batchCapacity * settings.Chains, _hidden);
        _vpre = new Matrix(batchCapacity * settings.Chains, _visible);
        _indices = new int[batchCapacity];
        _labels = new int[batchCapacity];
        _rowCorrect = new bool[batchCapacity];
        _rowLoss = new double[batchCapacity];
        _streams = new RowStreams(seed, "rbm-gibbs", rows);
        int uniforms = Math.Max(_visible, _hidden) + RowStreams.Block;
        _uniforms = Enumerable.Range(0, pool.Workers).Select(_ => new float[uniforms]).ToArray();
        _scores = Enumerable.Range(0, pool.Workers).Select(_ => new float[Math.Max(rbm.LabelCount, 1)]).ToArray();
        _columnScratch = Enumerable.Range(0, pool.Workers).Select(_ => new float[_visible]).ToArray();
    }

    public CdSettings Settings { get; }
    public RestrictedBoltzmannMachine Machine => _rbm;
    public int Capacity => _capacity;
    /// <summary>Examples in the current batch.</summary>
    public int Count { get; private set; }
    /// <summary>drbm: also score the batch by free energy in the positive phase (<see cref="TrainCorrect"/>, <see cref="TrainLoss"/>).</summary>
    public bool ScoreTraining { get; set; } = true;
    /// <summary>drbm with <see cref="ScoreTraining"/>: examples of the last batch whose lowest free energy was at the true label.</summary>
    public int TrainCorrect { get; private set; }
    /// <summary>drbm with <see cref="ScoreTraining"/>: Σ over the last batch of −ln p(y | x), p(y | x) = softmax_y(−F(x, y)).</summary>
    public double TrainLoss { get; private set; }

    /// <summary>First row of the data block in the row buffers.</summary>
    public int DataStart => _capacity - Count;
    /// <summary>The labels of the current batch.</summary>
    public ReadOnlySpan<int> Labels => _labels.AsSpan(0, Count);
    /// <summary>Visible rows: data block [DataStart, Capacity), then the chains (chain c of example r at Capacity + c·Count + r).</summary>
    public Matrix VisibleRows => _v;
    /// <summary>Hidden probabilities of the rows of <see cref="VisibleRows"/> (chain rows scaled by −1/N after <see cref="ComputeGradient"/>).</summary>
    public Matrix HiddenRows => _h;

    /// <summary>Copies the examples <paramref name="indices"/> of <paramref name="data"/> into the data rows, binarized by <paramref name="binarize"/>.</summary>
    public void LoadBatch(Dataset data, ReadOnlySpan<int> indices, string binarize)
    {
        if (indices.Length < 1 || indices.Length > _capacity) throw new ArgumentException($"a batch holds 1..{_capacity} examples, got {indices.Length}");
        if (data.FeatureCount != _image) throw new ArgumentException($"{data.Name} has {data.FeatureCount} features; the RBM has {_image} pixels");
        if (_rbm.ClassCount > 0 && data.ClassCount > _rbm.ClassCount) throw new ArgumentException($"{data.Name} has {data.ClassCount} classes; the RBM has {_rbm.ClassCount}");
        Count = indices.Length;
        indices.CopyTo(_indices);
        _data = data;
        _binarize = binarize;
        RunRows(Stage.Load, Count);
        _data = null;
    }

    /// <summary>
    /// Sets the data rows to the given visible vectors (<paramref name="count"/> rows of <see cref="RestrictedBoltzmannMachine.Visible"/>
    /// values, used as they are; for drbm the label part must be one-hot: the label is its largest entry).
    /// </summary>
    public void LoadVisible(ReadOnlySpan<float> rows, int count)
    {
        if (count < 1 || count > _capacity) throw new ArgumentException($"a batch holds 1..{_capacity} examples, got {count}");
        if (rows.Length != count * _visible) throw new ArgumentException($"expected {count}×{_visible} values, got {rows.Length}");
        Count = count;
        rows.CopyTo(_v.RowSpan(DataStart, count));
        for (int r = 0; r < count; r++)
            _labels[r] = _rbm.LabelCount > 0 ? TensorPrimitives.IndexOfMax(rows.Slice(r * _visible + _image, _rbm.LabelCount)) : 0;
    }

    /// <summary>Forgets the persistent chains: the next update restarts them from the data.</summary>
    public void ResetChains() => _chainsStarted[0] = 0f;

    /// <summary>
    /// What the next update depends on besides the weights: every row's random stream and, for persistent CD, the
    /// chains (the visible rows) and whether they have started. Live arrays: a checkpoint saves and restores them.
    /// </summary>
    public IReadOnlyList<(string Name, float[] Data)> StateBuffers => Settings.Persistent
        ? [("gibbs-streams", _streams.State), ("chains", _v.Data), ("chains-started", _chainsStarted)]
        : [("gibbs-streams", _streams.State)];

    /// <summary>Runs the positive and negative phases on the loaded batch and writes the gradients of W, a, b.</summary>
    public void ComputeGradient()
    {
        if (Count == 0) throw new InvalidOperationException("no batch loaded");
        int count = Count, start = DataStart, chainRows = _chains * count;

        // Positive phase: pre-activations of the image part (the label adds one row of W, per example, in the row job).
        _weights = _rbm.W.Read(count);
        Gemm.Multiply(_pool, false, false, count, _hidden, _image, 1f, _v.Data, start * _visible, _visible,
            _weights.Data, 0, _hidden, 0f, _pre.Data, start * _hidden, _hidden);
        _hiddenBias = _rbm.B.Read(count);
        if (_rbm.IsDiscriminative && ScoreTraining) _visibleBias = _rbm.A.Read(count);
        RunRows(Stage.DataHidden, count);
        if (_rbm.IsDiscriminative && ScoreTraining)
        {
            int correct = 0;
            double loss = 0;
            for (int r = 0; r < count; r++)
            {
                if (_rowCorrect[r]) correct++;
                loss += _rowLoss[r];
            }
            (TrainCorrect, TrainLoss) = (correct, loss);
        }

        if (Settings.Persistent)
        {
            if (_chainsStarted[0] == 0f) StartChains(count);
            _chainsStarted[0] = 1f;
            ChainHidden(chainRows, sample: true, scale: false);
        }
        for (int step = 1; step <= Settings.Steps; step++)
        {
            // v ~ p(v | h): pre-activations Hs·Wᵀ, then sigmoid/softmax and sampling per row.
            Gemm.Multiply(_pool, false, true, chainRows, _visible, _hidden, 1f, _hs.Data, 0, _hidden,
                _rbm.W.Read(chainRows).Data, 0, _hidden, 0f, _vpre.Data, 0, _visible);
            _visibleBias = _rbm.A.Read(chainRows);
            RunRows(Stage.ChainVisible, chainRows);
            bool last = step == Settings.Steps;
            ChainHidden(chainRows, sample: !last, scale: last);
        }

        // Bias statistics (columns split between workers), then ⟨v hᵀ⟩_data − ⟨v hᵀ⟩_model as one TN GEMM.
        RunRows(Stage.ColumnSums, _visible + _hidden);
        Gemm.Multiply(_pool, true, false, _visible, _hidden, count + chainRows, -1f / count, _v.Data, start * _visible, _visible,
            _h.Data, start * _hidden, _hidden, 0f, _rbm.W.Grad.Data, 0, _hidden);
    }

    private void ChainHidden(int chainRows, bool sample, bool scale)
    {
        Gemm.Multiply(_pool, false, false, chainRows, _hidden, _visible, 1f, _v.Data, _capacity * _visible, _visible,
            _rbm.W.Read(chainRows).Data, 0, _hidden, 0f, _pre.Data, _capacity * _hidden, _hidden);
        _hiddenBias = _rbm.B.Read(chainRows);
        _sample = sample;
        _scale = scale;
        RunRows(Stage.ChainHidden, chainRows);
    }

    /// <summary>Persistent chains start at the data: chain row i copies data row i mod count.</summary>
    private void StartChains(int count)
    {
        int total = _chains * _capacity;
        for (int i = 0; i < total; i++) _v.Row(DataStart + i % count).CopyTo(_v.Row(_capacity + i));
    }

    private void RunRows(Stage stage, int rows)
    {
        _stage = stage;
        _rowsInStage = rows;
        _pool.Run(this);
    }

    void IParallelJob.Execute(int worker, int workers)
    {
        var (from, to) = WorkerPool.Share(_rowsInStage, worker, workers);
        if (_stage == Stage.ColumnSums)
        {
            ColumnSums(from, to, worker);
            return;
        }
        for (int r = from; r < to; r++)
        {
            switch (_stage)
            {
                case Stage.Load: LoadRow(r, worker); break;
                case Stage.DataHidden: DataHiddenRow(r, worker); break;
                case Stage.ChainHidden: ChainHiddenRow(r, worker); break;
                case Stage.ChainVisible: ChainVisibleRow(r, worker); break;
            }
        }
    }

    private void LoadRow(int r, int worker)
    {
        int row = DataStart + r;
        var data = _data!;
        int index = _indices[r];
        var image = data.Features.AsSpan(index * _image, _image);
        var v = _v.Row(row);
        var pixels = v[.._image];
        switch (_binarize)
        {
            case Binarization.Sample:
                var u = _uniforms[worker].AsSpan(0, _image);
                _streams.FillUniform(row, u);
                RbmKernels.Bernoulli(image, u, pixels);
                break;
            case Binarization.Threshold:
                RbmKernels.Threshold(image, pixels);
                break;
            default:
                image.CopyTo(pixels);
                break;
        }
        int label = data.Labels[index];
        _labels[r] = label;
        if (_rbm.LabelCount > 0)
        {
            var labels = v[_image..];
            labels.Clear();
            labels[label] = 1f;
        }
    }

    private void DataHiddenRow(int r, int worker)
    {
        int row = DataStart + r;
        var pre = _pre.Row(row);
        var h = _h.Row(row);
        TensorPrimitives.Add(pre, _hiddenBias.Span, pre);
        if (_rbm.IsDiscriminative)
        {
            var w = _weights;
            int label = _labels[r];
            if (ScoreTraining)
            {
                var scores = _scores[worker];
                FreeEnergyScores(_rbm, w, _visibleBias.Span, pre, scores);
                _rowCorrect[r] = TensorPrimitives.IndexOfMax(scores) == label;
                _rowLoss[r] = RbmKernels.LogSumExp(scores) - scores[label];
            }
            // p(h | x, y): the one-hot label adds its row of W.
            RbmKernels.SigmoidWithBias(pre, w.Row(_image + label), h);
        }
        else TensorPrimitives.Sigmoid(pre, h);

        if (Settings.Persistent) return;
        var u = _uniforms[worker].AsSpan(0, _hidden);
        for (int c = 0; c < _chains; c++)
        {
            int m = c * Count + r;
            _streams.FillUniform(_capacity + m, u);
            RbmKernels.Bernoulli(h, u, _hs.Row(m));
        }
    }

    /// <summary>
    /// drbm: scores s_y = a_y + Σ_j softplus(u_j + W_{y,j}) = −F(x, y) − a_x·x for every label y, where u = b + xᵀW_x is the
    /// hidden input from the image alone, <paramref name="weights"/> and <paramref name="visibleBias"/> W and a as read.
    /// The lowest free energy is the highest score.
    /// </summary>
    public static void FreeEnergyScores(RestrictedBoltzmannMachine rbm, Matrix weights, ReadOnlySpan<float> visibleBias,
        ReadOnlySpan<float> imageInput, Span<float> scores)
    {
        var w = weights;
        var a = visibleBias;
        for (int y = 0; y < rbm.LabelCount; y++)
            scores[y] = a[rbm.ImageSize + y] + RbmKernels.SoftplusSum(imageInput, w.Row(rbm.ImageSize + y), default);
    }

    private void ChainHiddenRow(int m, int worker)
    {
        int row = _capacity + m;
        var h = _h.Row(row);
        RbmKernels.SigmoidWithBias(_pre.Row(row), _hiddenBias.Span, h);
        if (_sample)
        {
            var u = _uniforms[worker].AsSpan(0, _hidden);
            _streams.FillUniform(row, u);
            RbmKernels.Bernoulli(h, u, _hs.Row(m));
        }
        if (_scale) TensorPrimitives.Multiply(h, -1f / _chains, h);
    }

    private void ChainVisibleRow(int m, int worker)
    {
        int row = _capacity + m;
        var pre = _vpre.Row(m);
        var v = _v.Row(row);
        var a = _visibleBias.Span;
        int draws = _image + (_rbm.LabelCount > 0 ? 1 : 0);
        var u = _uniforms[worker].AsSpan(0, draws);
        _streams.FillUniform(row, u);
        var image = pre[.._image];
        RbmKernels.SigmoidWithBias(image, a[.._image], image);
        RbmKernels.Bernoulli(image, u, v[.._image]);
        if (_rbm.LabelCount == 0) return;
        var logits = pre[_image..];
        TensorPrimitives.Add(logits, a[_image..], logits);
        int label = RbmKernels.SoftmaxSample(logits, u[_image]);
        var labels = v[_image..];
        labels.Clear();
        labels[label] = 1f;
    }

    /// <summary>a.Grad and b.Grad for columns [from, to) of the concatenated (visible, hidden) columns.</summary>
    private void ColumnSums(int from, int to, int worker)
    {
        int count = Count, start = DataStart, chainRows = _chains * count;
        float inverse = 1f / count;
        if (from < _visible)
        {
            int end = Math.Min(to, _visible), width = end - from;
            var data = _rbm.A.Grad.Span.Slice(from, width);
            var model = _columnScratch[worker].AsSpan(0, width);
            data.Clear();
            model.Clear();
            for (int r = 0; r < count; r++) TensorPrimitives.Add(data, _v.Row(start + r).Slice(from, width), data);
            for (int m = 0; m < chainRows; m++) TensorPrimitives.Add(model, _v.Row(_capacity + m).Slice(from, width), model);
            // −(1/B)(Σ_data v − (1/N) Σ_chains v)
            TensorPrimitives.Multiply(data, -inverse, data);
            TensorPrimitives.MultiplyAdd(model, inverse / _chains, data, data);
        }
        if (to > _visible)
        {
            int first = Math.Max(from, _visible) - _visible, width = to - _visible - first;
            var grad = _rbm.B.Grad.Span.Slice(first, width);
            grad.Clear();
            // Chain rows are already scaled by −1/N.
            for (int r = start; r < _capacity + chainRows; r++) TensorPrimitives.Add(grad, _h.Row(r).Slice(first, width), grad);
            TensorPrimitives.Multiply(grad, -inverse, grad);
        }
    }
}
