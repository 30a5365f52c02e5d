namespace OnChip.Networks.Convolution;

/// <summary>
/// Shapes of one convolutional coupling s_upper · P(conv(s_lower)). Images are stored one example per row.
/// Hidden layers are channels-last (H, W, C), so the lowered product (positions × Cout) is already in layer order
/// and a patch gathers whole channel runs; the clamped input may be channel-major (C, H, W) as datasets store it.
/// The kernel is a (Cout × k·k·Cin) matrix with columns ordered (ky, kx, c).
/// </summary>
internal sealed record ConvGeometry
{
    public ConvGeometry(int inChannels, int inHeight, int inWidth, int outChannels, int kernel, int padding, int stride,
        PoolKind pool, bool inputChannelsLast, float poolTemperature = 1f)
    {
        if (!(poolTemperature > 0f) || float.IsInfinity(poolTemperature)) throw new ArgumentException($"pool temperature must be positive and finite, got {poolTemperature}");
        if (inChannels < 1 || inHeight < 1 || inWidth < 1) throw new ArgumentException($"input shape {inChannels}x{inHeight}x{inWidth} must be positive");
        if (outChannels < 1) throw new ArgumentException($"channel count must be positive, got {outChannels}");
        if (kernel < 1) throw new ArgumentException($"kernel size must be positive, got {kernel}");
        if (padding < 0) throw new ArgumentException($"padding must not be negative, got {padding}");
        if (stride < 1) throw new ArgumentException($"stride must be positive, got {stride}");
        int span = inHeight + 2 * padding - kernel;
        int spanW = inWidth + 2 * padding - kernel;
        if (span < 0 || spanW < 0)
            throw new ArgumentException($"a {kernel}x{kernel} kernel does not fit a {inHeight}x{inWidth} image with padding {padding}");
        if (span % stride != 0 || spanW % stride != 0)
            throw new ArgumentException($"stride {stride} does not divide {inHeight}x{inWidth} + 2·{padding} padding − kernel {kernel}");
        (InChannels, InHeight, InWidth, OutChannels, Kernel, Padding, Stride, Pool, InputChannelsLast) =
            (inChannels, inHeight, inWidth, outChannels, kernel, padding, stride, pool, inputChannelsLast);
        PoolTemperature = poolTemperature;
        ConvHeight = span / stride + 1;
        ConvWidth = spanW / stride + 1;
        if (pool != PoolKind.None && (ConvHeight % PoolSize != 0 || ConvWidth % PoolSize != 0))
            throw new ArgumentException($"the {ConvHeight}x{ConvWidth} convolution output does not divide into {PoolSize}x{PoolSize} pooling windows " +
                                        $"(input {inHeight}x{inWidth}, kernel {kernel}, padding {padding}, stride {stride})");
        int factor = pool == PoolKind.None ? 1 : PoolSize;
        OutHeight = ConvHeight / factor;
        OutWidth = ConvWidth / factor;
    }

    /// <summary>Side of the (non-overlapping) pooling windows.</summary>
    public const int PoolSize = 2;

    public int InChannels { get; }
    public int InHeight { get; }
    public int InWidth { get; }
    public int OutChannels { get; }
    public int Kernel { get; }
    public int Padding { get; }
    public int Stride { get; }
    public PoolKind Pool { get; }
    /// <summary>T of softmax pooling, Σ z·e^{z/T} / Σ e^{z/T} over a window (Laborieux &amp; Zenke's Tmp; 1 in their CIFAR-10 runs).</summary>
    public float PoolTemperature { get; }
    /// <summary>False for a channel-major (C, H, W) lower layer: only the clamped input, whose transposed drive is never needed.</summary>
    public bool InputChannelsLast { get; }
    public int ConvHeight { get; }
    public int ConvWidth { get; }
    public int OutHeight { get; }
    public int OutWidth { get; }

    public int InSize => InChannels * InHeight * InWidth;
    /// <summary>Number of convolution output positions (before pooling).</summary>
    public int Positions => ConvHeight * ConvWidth;
    /// <summary>Values under one kernel placement: k·k·Cin (the kernel's fan-in).</summary>
    public int PatchSize => Kernel * Kernel * InChannels;
    /// <summary>Values of the pre-pooling output of one example: positions × Cout.</summary>
    public int ConvSize => Positions * OutChannels;
    /// <summary>Size of the upper layer: OutHeight × OutWidth × Cout.</summary>
    public int OutSize => OutHeight * OutWidth * OutChannels;

    /// <summary>Multiply-adds of one forward convolution of one example.</summary>
    public long MultiplyAdds => (long)Positions * PatchSize * OutChannels;
}
