using System.Globalization;

namespace OnChip.Networks.Convolution;

/// <summary>
/// The convolutional part of a layered network (Laborieux et al. 2021): the input image shape, then per conv layer
/// its output channels, kernel size, pooling, padding and stride, then the sizes of the fully connected layers
/// after the last conv layer (the last one is the readout with the CE loss, the output layer with MSE).
/// Written on the command line as --channels 32-64 --kernels 5-5 --pools mm --paddings 0-0 --fc 10.
/// </summary>
internal sealed record ConvSpec(int InChannels, int InHeight, int InWidth, int[] Channels, int[] Kernels, PoolKind[] Pools,
    int[] Paddings, int[] Strides, int[] Fc)
{
    /// <summary>Checks the per-layer lists against each other and the spatial sizes against the input, with one-line messages.</summary>
    public IReadOnlyList<ConvGeometry> Geometries()
    {
        int n = Channels.Length;
        if (n == 0) throw new ArgumentException("channels: a conv net needs at least one conv layer, e.g. --channels 32-64");
        CheckCount("kernels", Kernels.Length, n);
        CheckCount("pools", Pools.Length, n);
        CheckCount("paddings", Paddings.Length, n);
        CheckCount("strides", Strides.Length, n);
        if (Fc.Length == 0) throw new ArgumentException("fc: give at least the output size, e.g. --fc 10");
        var result = new ConvGeometry[n];
        int c = InChannels, h = InHeight, w = InWidth;
        for (int i = 0; i < n; i++)
        {
            try
            {
                result[i] = new ConvGeometry(c, h, w, Channels[i], Kernels[i], Paddings[i], Strides[i], Pools[i], inputChannelsLast: i > 0);
            }
            catch (ArgumentException e)
            {
                throw new ArgumentException($"conv layer {i + 1} of {InChannels}x{InHeight}x{InWidth} input: {e.Message}");
            }
            (c, h, w) = (result[i].OutChannels, result[i].OutHeight, result[i].OutWidth);
        }
        return result;
    }

    /// <summary>Flat layer sizes, input first: C·H·W, each conv layer's pooled output, then the fully connected sizes.</summary>
    public int[] Archi()
    {
        var g = Geometries();
        return [InChannels * InHeight * InWidth, .. g.Select(x => x.OutSize), .. Fc];
    }

    public string ChannelsText => Join(Channels);
    public string KernelsText => Join(Kernels);
    public string PoolsText => new(Pools.Select(PoolKinds.Letter).ToArray());
    public string PaddingsText => Join(Paddings);
    public string StridesText => Join(Strides);
    public string FcText => Join(Fc);
    public string InputText => $"{InChannels}x{InHeight}x{InWidth}";

    /// <summary>"32-64" → [32, 64]; values must be at least <paramref name="min"/>.</summary>
    public static int[] ParseList(string key, string text, int min)
    {
        var parts = text.Split('-', StringSplitOptions.TrimEntries);
        var values = new int[parts.Length];
        for (int i = 0; i < parts.Length; i++)
            if (!int.TryParse(parts[i], NumberStyles.Integer, CultureInfo.InvariantCulture, out values[i]) || values[i] < min)
                throw new ArgumentException($"{key}: '{text}' is not a list of integers ≥ {min} joined by '-', e.g. 32-64");
        return values;
    }

    /// <summary>"mm" → [Max, Max].</summary>
    public static PoolKind[] ParsePools(string text)
    {
        if (text.Length == 0) throw new ArgumentException("pools: give one letter per conv layer (m max, a average, s softmax, i none), e.g. mm");
        var result = new PoolKind[text.Length];
        for (int i = 0; i < text.Length; i++)
        {
            try { result[i] = PoolKinds.Parse(text[i]); }
            catch (ArgumentException e) { throw new ArgumentException($"pools: {e.Message} in '{text}'"); }
        }
        return result;
    }

    /// <summary>"3x32x32" → (3, 32, 32).</summary>
    public static (int C, int H, int W) ParseShape(string text)
    {
        var parts = text.Split('x');
        if (parts.Length == 3 && int.TryParse(parts[0], out int c) && int.TryParse(parts[1], out int h) && int.TryParse(parts[2], out int w) && c > 0 && h > 0 && w > 0)
            return (c, h, w);
        throw new ArgumentException($"'{text}' is not an image shape CxHxW, e.g. 1x28x28");
    }

    private static void CheckCount(string key, int count, int layers)
    {
        if (count != layers)
            throw new ArgumentException($"{key}: {count} values for {layers} conv layers (channels); give one per conv layer");
    }

    private static string Join(int[] values) => string.Join('-', values);
}
