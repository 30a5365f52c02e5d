namespace OnChip.Rbm;

/// <summary>The two RBM models of <c>onchip rbm</c>.</summary>
internal static class RbmKinds
{
    /// <summary>Discriminative RBM (Ernoult 2019): visible = image + one-hot label; classify by the lowest free energy F(x, y).</summary>
    public const string Discriminative = "drbm";

    /// <summary>Generative RBM on the image alone, with a softmax read-out of p(h|v) trained alongside.</summary>
    public const string Generative = "rbm";

    public static IReadOnlyList<string> Names { get; } = [Discriminative, Generative];
}

/// <summary>How grey levels in [0, 1] become visible units.</summary>
internal static class Binarization
{
    /// <summary>Bernoulli-sampled, redrawn at every presentation (Ernoult 2019's binary sampled visibles).</summary>
    public const string Sample = "sample";

    /// <summary>1 where the grey level is above 0.5, else 0.</summary>
    public const string Threshold = "threshold";

    /// <summary>The grey levels are used as they are, as probabilities (mean-field visibles).</summary>
    public const string None = "none";

    public static IReadOnlyList<string> Names { get; } = [Sample, Threshold, None];

    /// <summary>
    /// The deterministic visible units an image is evaluated with (test error, reconstruction error, read-out features):
    /// the thresholded image for <see cref="Threshold"/>, the grey levels themselves (their expectation) otherwise.
    /// </summary>
    public static void ForEvaluation(string mode, ReadOnlySpan<float> image, Span<float> visible)
    {
        if (mode == Threshold) RbmKernels.Threshold(image, visible);
        else image.CopyTo(visible);
    }
}
