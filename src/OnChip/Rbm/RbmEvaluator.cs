using System.Numerics.Tensors;
using OnChip.Data;
using OnChip.Parallelism;
using OnChip.Tensors;

namespace OnChip.Rbm;

/// <summary>What an evaluation measured. Accuracy is a fraction in [0, 1]; losses are means per example.</summary>
/// <param name="Loss">Mean cross-entropy −ln p(y | x): drbm p(y | x) = softmax_y(−F(x, y)); rbm, the read-out's softmax.</param>
/// <param name="ReconstructionError">Mean over examples and pixels of (v − p(v | h))² with h = p(h | v) (one
/// deterministic v → h → v pass; drbm: v holds the true label, only image pixels are compared).</param>
internal sealed record RbmEvaluation(int Count, double Accuracy, double Loss, double ReconstructionError)
{
    public double Error => 1 - Accuracy;
}

/// <summary>
/// Scores an RBM on a dataset, deterministically (no sampling): images become visible units by
/// <see cref="Binarization.ForEvaluation"/> (grey levels as probabilities, or thresholded for <c>threshold</c>);
/// drbm predicts argmin_y F(x, y), rbm the read-out's argmax on p(h | x). Examples are independent, so the batch size
/// changes speed, not results; allocation-free after construction.
/// </summary>
internal sealed class RbmEvaluator : IParallelJob
{
    private enum Stage { Load, Hidden, Reconstruction }

    private readonly RestrictedBoltzmannMachine _rbm;
    private readonly WorkerPool _pool;
    private readonly string _binarize;
    private readonly int _batch, _image, _hidden;
    private readonly Matrix _x, _u, _h, _recon, _logits;
    private readonly bool[] _correct;
    private readonly double[] _loss, _reconError;
    private readonly int[] _predicted, _labels;
    private readonly float[][] _scores;
    private Stage _stage;
    private int _count, _start;
    /// <summary>The parameters as the current batch read them (<c>Parameter.Read</c> counted the reads).</summary>
    private Matrix _weights = null!, _hiddenBias = null!, _visibleBias = null!, _labelBias = null!;
    private Dataset? _data;

    public RbmEvaluator(RestrictedBoltzmannMachine rbm, WorkerPool pool, string binarize, int batchSize = 500)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(batchSize, 1);
        _rbm = rbm;
        _pool = pool;
        _binarize = binarize;
        _batch = batchSize;
        _image = rbm.ImageSize;
        _hidden = rbm.Hidden;
        _x = new Matrix(batchSize, _image);
        _u = new Matrix(batchSize, _hidden);
        _h = new Matrix(batchSize, _hidden);
        _recon = new Matrix(batchSize, _image);
        _logits = new Matrix(batchSize, Math.Max(rbm.ClassCount, 1));
        _correct = new bool[batchSize];
        _loss = new double[batchSize];
        _reconError = new double[batchSize];
        _predicted = new int[batchSize];
        _labels = new int[batchSize];
        _scores = Enumerable.Range(0, pool.Workers).Select(_ => new float[Math.Max(rbm.ClassCount, 1)]).ToArray();
    }

    public RbmEvaluation Evaluate(Dataset data) => Evaluate(data, null);

    /// <summary>Evaluates every example; when <paramref name="predictions"/> is given, writes each example's predicted class.</summary>
    public RbmEvaluation Evaluate(Dataset data, Span<int> predictions)
    {
        if (data.FeatureCount != _image) throw new ArgumentException($"{data.Name} has {data.FeatureCount} features; the RBM has {_image} pixels");
        if (data.ClassCount > _rbm.ClassCount) throw new ArgumentException($"{data.Name} has {data.ClassCount} classes; the RBM knows {_rbm.ClassCount}");
        if (!predictions.IsEmpty && predictions.Length < data.Count) throw new ArgumentException("predictions is shorter than the dataset");
        if (data.Count == 0) return new RbmEvaluation(0, double.NaN, double.NaN, double.NaN);
        long correct = 0;
        double loss = 0, recon = 0;
        _data = data;
        try
        {
            for (int start = 0; start < data.Count; start += _batch)
            {
                int count = Math.Min(_batch, data.Count - start);
                (_start, _count) = (start, count);
                Run(Stage.Load);
                // Two reads of W per example: x → h (all labels' free energies share it) and h → reconstruction.
                _weights = _rbm.W.Read(count);
                Gemm.Multiply(_pool, false, false, count, _hidden, _image, 1f, _x.Data, 0, _image,
                    _weights.Data, 0, _hidden, 0f, _u.Data, 0, _hidden);
                _hiddenBias = _rbm.B.Read(count);
                if (_rbm.IsDiscriminative) _labelBias = _rbm.A.Read(count);
                Run(Stage.Hidden);
                // Reconstruction p(v | h): h·W_xᵀ over the image rows of W.
                Gemm.Multiply(_pool, false, true, count, _image, _hidden, 1f, _h.Data, 0, _hidden,
                    _rbm.W.Read(count).Data, 0, _hidden, 0f, _recon.Data, 0, _image);
                _visibleBias = _rbm.A.Read(count);
                if (_rbm.Readout is { } readout)
                {
                    var (c, l) = ReadoutTrainer.Logits(_pool, readout, _h, 0, count, _logits, _labels);
                    correct += c;
                    loss += l;
                    for (int r = 0; r < count; r++) _predicted[r] = TensorPrimitives.IndexOfMax(_logits.Row(r));
                }
                Run(Stage.Reconstruction);
                for (int r = 0; r < count; r++)
                {
                    if (_rbm.IsDiscriminative)
                    {
                        if (_correct[r]) correct++;
                        loss += _loss[r];
                    }
                    recon += _reconError[r];
                    if (!predictions.IsEmpty) predictions[start + r] = _predicted[r];
                }
            }
        }
        finally
        {
            _data = null;
        }
        int n = data.Count;
        bool classifies = _rbm.IsDiscriminative || _rbm.Readout is not null;
        return new RbmEvaluation(n, classifies ? (double)correct / n : double.NaN, classifies ? loss / n : double.NaN, recon / ((double)n * _image));
    }

    private void Run(Stage stage)
    {
        _stage = stage;
        _pool.Run(this);
    }

    void IParallelJob.Execute(int worker, int workers)
    {
        var (from, to) = WorkerPool.Share(_count, worker, workers);
        for (int r = from; r < to; r++)
        {
            switch (_stage)
            {
                case Stage.Load:
                    int index = _start + r;
                    Binarization.ForEvaluation(_binarize, _data!.Example(index), _x.Row(r));
                    _labels[r] = _data.Labels[index];
                    break;
                case Stage.Hidden: HiddenRow(r, worker); break;
                case Stage.Reconstruction:
                    var recon = _recon.Row(r);
                    RbmKernels.SigmoidWithBias(recon, _visibleBias.Span[.._image], recon);
                    TensorPrimitives.Subtract(recon, _x.Row(r), recon);
                    _reconError[r] = TensorPrimitives.Dot(recon, recon);
                    break;
            }
        }
    }

    private void HiddenRow(int r, int worker)
    {
        var u = _u.Row(r);
        TensorPrimitives.Add(u, _hiddenBias.Span, u);
        if (!_rbm.IsDiscriminative)
        {
            TensorPrimitives.Sigmoid(u, _h.Row(r));
            return;
        }
        var scores = _scores[worker];
        ContrastiveDivergence.FreeEnergyScores(_rbm, _weights, _labelBias.Span, u, scores);
        int label = _labels[r];
        int predicted = TensorPrimitives.IndexOfMax(scores);
        _predicted[r] = predicted;
        _correct[r] = predicted == label;
        _loss[r] = RbmKernels.LogSumExp(scores) - scores[label];
        RbmKernels.SigmoidWithBias(u, _weights.Row(_image + label), _h.Row(r));
    }
}
