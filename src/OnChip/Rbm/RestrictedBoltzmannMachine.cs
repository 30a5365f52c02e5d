using OnChip.Networks;
using OnChip.Randomness;

namespace OnChip.Rbm;

/// <summary>
/// A Restricted Boltzmann Machine with binary units: E(v, h) = −a·v − b·h − vᵀWh,
/// p(h_j = 1 | v) = sigmoid(b_j + Σ_i v_i W_ij), p(v_i = 1 | h) = sigmoid(a_i + Σ_j W_ij h_j),
/// free energy F(v) = −a·v − Σ_j softplus(b_j + Σ_i v_i W_ij).
/// <para>
/// Parameters (each an <see cref="Parameter"/>, so every change goes through its <see cref="Parameter.Storage"/>):
/// <c>W</c> of shape [visible × hidden] (row i = the synapses of visible unit i: a crossbar whose rows are driven by the
/// visible layer and whose columns feed the hidden units), visible biases <c>a</c> [visible], hidden biases <c>b</c> [hidden].
/// </para>
/// <para>
/// <b>drbm</b> (discriminative RBM, Ernoult 2019): the visible layer is the image (<see cref="ImageSize"/> units) followed
/// by the one-hot label (<see cref="LabelCount"/> units, visible indices ImageSize…Visible−1). The label units form one
/// softmax group: a configuration has exactly one label unit on, so p(y | h) = softmax_y(a_y + W_{y,:}·h) and the
/// negative phase samples a one-hot label. An image x is classified as argmin_y F(x, y).
/// <b>rbm</b>: the visible layer is the image alone; classification uses a softmax read-out of p(h | x)
/// (<see cref="Readout"/>, parameters <c>R</c> [hidden × classes] and <c>c</c> [classes]).
/// </para>
/// </summary>
internal sealed class RestrictedBoltzmannMachine
{
    public RestrictedBoltzmannMachine(string kind, int imageSize, int classCount, int hidden)
    {
        if (!RbmKinds.Names.Contains(kind)) throw new ArgumentException($"unknown RBM kind '{kind}' (expected one of: {string.Join(", ", RbmKinds.Names)})");
        ArgumentOutOfRangeException.ThrowIfLessThan(imageSize, 1);
        ArgumentOutOfRangeException.ThrowIfLessThan(hidden, 1);
        ArgumentOutOfRangeException.ThrowIfNegative(classCount);
        if (kind == RbmKinds.Discriminative && classCount < 2) throw new ArgumentException("a discriminative RBM needs at least two classes");
        Kind = kind;
        ImageSize = imageSize;
        ClassCount = classCount;
        LabelCount = kind == RbmKinds.Discriminative ? classCount : 0;
        Visible = imageSize + LabelCount;
        Hidden = hidden;
        W = new Parameter("W", Visible, hidden, 0);
        A = new Parameter("a", 1, Visible, 0);
        B = new Parameter("b", 1, hidden, 0);
        Parameters = [W, A, B];
        if (kind == RbmKinds.Generative && classCount > 0) Readout = new HiddenReadout(hidden, classCount);
    }

    /// <summary><see cref="RbmKinds.Discriminative"/> or <see cref="RbmKinds.Generative"/>.</summary>
    public string Kind { get; }
    public bool IsDiscriminative => Kind == RbmKinds.Discriminative;
    /// <summary>Pixels per image: the first visible units.</summary>
    public int ImageSize { get; }
    /// <summary>Number of classes of the task (the label units of a drbm, the read-out outputs of an rbm).</summary>
    public int ClassCount { get; }
    /// <summary>Label units in the visible layer: <see cref="ClassCount"/> for drbm, 0 for rbm.</summary>
    public int LabelCount { get; }
    public int Visible { get; }
    public int Hidden { get; }

    /// <summary>Weights [visible × hidden].</summary>
    public Parameter W { get; }
    /// <summary>Visible biases [visible].</summary>
    public Parameter A { get; }
    /// <summary>Hidden biases [hidden].</summary>
    public Parameter B { get; }
    /// <summary>The machine's own parameters, W, a, b: the synapses trained by contrastive divergence.</summary>
    public IReadOnlyList<Parameter> Parameters { get; }
    /// <summary>The softmax read-out of a generative rbm (null for drbm).</summary>
    public HiddenReadout? Readout { get; }

    /// <summary>
    /// Hinton's recipe (A Practical Guide to Training RBMs, 2010): W ~ N(0, std²), b = 0, a_i = ln(p_i / (1 − p_i)) with
    /// p_i the mean of visible unit i over the training data (clamped to [0.01, 0.99]; for label units, the class
    /// frequency, i.e. a_y = ln p_y for the softmax group up to a constant). The read-out starts at zero.
    /// </summary>
    public void Initialize(Rng rng, float std, ReadOnlySpan<float> visibleMean)
    {
        if (visibleMean.Length != Visible) throw new ArgumentException($"expected {Visible} visible means, got {visibleMean.Length}");
        rng.FillGaussian(W.Value.Span);
        System.Numerics.Tensors.TensorPrimitives.Multiply(W.Value.Span, std, W.Value.Span);
        B.Value.Clear();
        var a = A.Value.Span;
        for (int i = 0; i < Visible; i++)
        {
            float p = Math.Clamp(visibleMean[i], 0.01f, 0.99f);
            a[i] = i < ImageSize ? MathF.Log(p / (1 - p)) : MathF.Log(p);
        }
        Readout?.Clear();
    }

    // ---- Reference maths on one configuration (double precision, no vectorisation): for tests, tools and checks. ----

    /// <summary>E(v, h) = −a·v − b·h − vᵀWh.</summary>
    public double Energy(ReadOnlySpan<float> v, ReadOnlySpan<float> h)
    {
        CheckVisible(v);
        if (h.Length != Hidden) throw new ArgumentException($"expected {Hidden} hidden values, got {h.Length}");
        double e = 0;
        var a = A.Value.Span;
        var b = B.Value.Span;
        for (int i = 0; i < Visible; i++) e -= a[i] * (double)v[i];
        for (int j = 0; j < Hidden; j++) e -= b[j] * (double)h[j];
        for (int i = 0; i < Visible; i++)
        {
            if (v[i] == 0) continue;
            var row = W.Value.Row(i);
            for (int j = 0; j < Hidden; j++) e -= v[i] * (double)row[j] * h[j];
        }
        return e;
    }

    /// <summary>F(v) = −a·v − Σ_j softplus(b_j + Σ_i v_i W_ij) = −ln Σ_h e^{−E(v, h)}.</summary>
    public double FreeEnergy(ReadOnlySpan<float> v)
    {
        CheckVisible(v);
        Span<double> pre = Hidden <= 1024 ? stackalloc double[Hidden] : new double[Hidden];
        HiddenInput(v, pre);
        double f = 0;
        var a = A.Value.Span;
        for (int i = 0; i < Visible; i++) f -= a[i] * (double)v[i];
        foreach (double x in pre) f -= Math.Max(x, 0) + Math.Log(1 + Math.Exp(-Math.Abs(x)));
        return f;
    }

    /// <summary>p(h_j = 1 | v) for every hidden unit.</summary>
    public void HiddenProbabilities(ReadOnlySpan<float> v, Span<float> p)
    {
        CheckVisible(v);
        if (p.Length != Hidden) throw new ArgumentException($"expected room for {Hidden} hidden units, got {p.Length}");
        Span<double> pre = Hidden <= 1024 ? stackalloc double[Hidden] : new double[Hidden];
        HiddenInput(v, pre);
        for (int j = 0; j < Hidden; j++) p[j] = (float)(1 / (1 + Math.Exp(-pre[j])));
    }

    /// <summary>
    /// p(v_i = 1 | h) for every visible unit: sigmoid for image units; for the label units of a drbm, the softmax
    /// probability that the label is i (the one-hot group).
    /// </summary>
    public void VisibleProbabilities(ReadOnlySpan<float> h, Span<float> p)
    {
        if (h.Length != Hidden) throw new ArgumentException($"expected {Hidden} hidden values, got {h.Length}");
        if (p.Length != Visible) throw new ArgumentException($"expected room for {Visible} visible units, got {p.Length}");
        Span<double> pre = Visible <= 2048 ? stackalloc double[Visible] : new double[Visible];
        var a = A.Value.Span;
        for (int i = 0; i < Visible; i++)
        {
            double x = a[i];
            var row = W.Value.Row(i);
            for (int j = 0; j < Hidden; j++) x += row[j] * (double)h[j];
            pre[i] = x;
        }
        for (int i = 0; i < ImageSize; i++) p[i] = (float)(1 / (1 + Math.Exp(-pre[i])));
        if (LabelCount == 0) return;
        var labels = pre[ImageSize..];
        double max = double.NegativeInfinity;
        foreach (double x in labels) max = Math.Max(max, x);
        double sum = 0;
        foreach (double x in labels) sum += Math.Exp(x - max);
        for (int c = 0; c < LabelCount; c++) p[ImageSize + c] = (float)(Math.Exp(labels[c] - max) / sum);
    }

    /// <summary>drbm: F(x, y), the free energy of image <paramref name="image"/> with the one-hot label <paramref name="label"/>.</summary>
    public double FreeEnergy(ReadOnlySpan<float> image, int label)
    {
        if (!IsDiscriminative) throw new InvalidOperationException("F(x, y) is defined for a discriminative RBM (drbm)");
        if (image.Length != ImageSize) throw new ArgumentException($"expected {ImageSize} pixels, got {image.Length}");
        if ((uint)label >= (uint)LabelCount) throw new ArgumentOutOfRangeException(nameof(label), label, $"labels are 0..{LabelCount - 1}");
        var v = new float[Visible];
        image.CopyTo(v);
        v[ImageSize + label] = 1f;
        return FreeEnergy(v);
    }

    /// <summary>drbm: the label with the lowest free energy F(x, y) (reference implementation).</summary>
    public int Classify(ReadOnlySpan<float> image)
    {
        int best = 0;
        double lowest = double.PositiveInfinity;
        for (int y = 0; y < LabelCount; y++)
        {
            double f = FreeEnergy(image, y);
            if (f < lowest) (best, lowest) = (y, f);
        }
        return best;
    }

    private void HiddenInput(ReadOnlySpan<float> v, Span<double> pre)
    {
        var b = B.Value.Span;
        for (int j = 0; j < Hidden; j++) pre[j] = b[j];
        for (int i = 0; i < Visible; i++)
        {
            if (v[i] == 0) continue;
            var row = W.Value.Row(i);
            for (int j = 0; j < Hidden; j++) pre[j] += v[i] * (double)row[j];
        }
    }

    private void CheckVisible(ReadOnlySpan<float> v)
    {
        if (v.Length != Visible) throw new ArgumentException($"expected {Visible} visible values, got {v.Length}");
    }

    public override string ToString() => $"{Kind} {ImageSize}{(LabelCount > 0 ? $"+{LabelCount}" : "")}-{Hidden}";
}

/// <summary>
/// The classifier of a generative rbm: softmax regression on the hidden probabilities p(h | x), logits = p(h|x)·R + c,
/// trained by SGD on the cross-entropy alongside the RBM (one step per mini-batch, on the features of the data phase).
/// </summary>
internal sealed class HiddenReadout
{
    public HiddenReadout(int hidden, int classes)
    {
        R = new Parameter("R", hidden, classes, 0);
        C = new Parameter("c", 1, classes, 0);
        Parameters = [R, C];
    }

    /// <summary>Weights [hidden × classes].</summary>
    public Parameter R { get; }
    /// <summary>Biases [classes].</summary>
    public Parameter C { get; }
    public IReadOnlyList<Parameter> Parameters { get; }
    public int Classes => C.Length;

    public void Clear()
    {
        R.Value.Clear();
        C.Value.Clear();
    }
}
