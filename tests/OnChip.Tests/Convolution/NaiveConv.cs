using OnChip.Networks.Convolution;

namespace OnChip.Tests.Convolution;

/// <summary>
/// Textbook convolution and pooling in double precision, written loop by loop from the definitions (no lowering,
/// no shared code with the library's kernels): the reference for the conv interaction's drives and gradients.
/// Layouts: the lower image is (C,H,W) or (H,W,C) per the geometry, everything above is (H,W,C).
/// </summary>
internal static class NaiveConv
{
    public static int InIndex(ConvGeometry g, int y, int x, int c) =>
        g.InputChannelsLast ? (y * g.InWidth + x) * g.InChannels + c : (c * g.InHeight + y) * g.InWidth + x;

    /// <summary>z[(oy, ox), co] = Σ K[co, (ky, kx, ci)] · x[oy·s − p + ky, ox·s − p + kx, ci] (zero outside).</summary>
    public static double[] Conv(ConvGeometry g, IReadOnlyList<double> image, IReadOnlyList<double> kernel)
    {
        var z = new double[g.ConvSize];
        for (int oy = 0; oy < g.ConvHeight; oy++)
            for (int ox = 0; ox < g.ConvWidth; ox++)
                for (int co = 0; co < g.OutChannels; co++)
                {
                    double sum = 0;
                    for (int ky = 0; ky < g.Kernel; ky++)
                        for (int kx = 0; kx < g.Kernel; kx++)
                            for (int ci = 0; ci < g.InChannels; ci++)
                            {
                                int y = oy * g.Stride - g.Padding + ky, x = ox * g.Stride - g.Padding + kx;
                                if (y < 0 || y >= g.InHeight || x < 0 || x >= g.InWidth) continue;
                                sum += kernel[co * g.PatchSize + (ky * g.Kernel + kx) * g.InChannels + ci] * image[InIndex(g, y, x, ci)];
                            }
                    z[(oy * g.ConvWidth + ox) * g.OutChannels + co] = sum;
                }
        return z;
    }

    /// <summary>
    /// Indices into z of the inputs of pooled output (oy, ox, c), each with its weight ∂P/∂z (all window members for
    /// average; for softmax q = p·(1 + (z − P)/T) with p = e^{z/T} / Σ e^{z/T}).
    /// </summary>
    public static IEnumerable<(int Index, double Weight)> Window(ConvGeometry g, double[] z, int oy, int ox, int c)
    {
        if (g.Pool == PoolKind.None)
        {
            yield return ((oy * g.ConvWidth + ox) * g.OutChannels + c, 1.0);
            yield break;
        }
        var members = new List<int>();
        for (int dy = 0; dy < 2; dy++)
            for (int dx = 0; dx < 2; dx++) members.Add(((2 * oy + dy) * g.ConvWidth + 2 * ox + dx) * g.OutChannels + c);
        if (g.Pool == PoolKind.Average)
        {
            foreach (int m in members) yield return (m, 0.25);
            yield break;
        }
        if (g.Pool == PoolKind.Softmax)
        {
            var (p, pooled) = Softmax(g, z, members);
            for (int k = 0; k < members.Count; k++) yield return (members[k], p[k] * (1 + (z[members[k]] - pooled) / g.PoolTemperature));
            yield break;
        }
        int best = members[0];
        foreach (int m in members) if (z[m] > z[best]) best = m;
        yield return (best, 1.0);
    }

    /// <summary>The softmax weights p_k = e^{z_k/T} / Σ_j e^{z_j/T} of a window and P = Σ p_k z_k, straight from the definition.</summary>
    public static (double[] P, double Pooled) Softmax(ConvGeometry g, double[] z, List<int> members)
    {
        var e = members.Select(m => Math.Exp(z[m] / g.PoolTemperature)).ToArray();
        double sum = e.Sum();
        var p = e.Select(v => v / sum).ToArray();
        return (p, members.Select((m, k) => p[k] * z[m]).Sum());
    }

    public static double[] Pool(ConvGeometry g, double[] z)
    {
        var output = new double[g.OutSize];
        if (g.Pool == PoolKind.Softmax)
        {
            for (int oy = 0; oy < g.OutHeight; oy++)
                for (int ox = 0; ox < g.OutWidth; ox++)
                    for (int c = 0; c < g.OutChannels; c++)
                    {
                        var members = new List<int>();
                        for (int dy = 0; dy < 2; dy++)
                            for (int dx = 0; dx < 2; dx++) members.Add(((2 * oy + dy) * g.ConvWidth + 2 * ox + dx) * g.OutChannels + c);
                        output[(oy * g.OutWidth + ox) * g.OutChannels + c] = Softmax(g, z, members).Pooled;
                    }
            return output;
        }
        for (int oy = 0; oy < g.OutHeight; oy++)
            for (int ox = 0; ox < g.OutWidth; ox++)
                for (int c = 0; c < g.OutChannels; c++)
                    foreach (var (i, w) in Window(g, z, oy, ox, c)) output[(oy * g.OutWidth + ox) * g.OutChannels + c] += w * z[i];
        return output;
    }

    /// <summary>∂/∂x of Σ upper · P(conv(x)), from the definition: each upper value flows back through its window and every kernel tap.</summary>
    public static double[] LowerDrive(ConvGeometry g, IReadOnlyList<double> image, IReadOnlyList<double> kernel, IReadOnlyList<double> upper)
    {
        var z = Conv(g, image, kernel);
        var result = new double[g.InSize];
        for (int oy = 0; oy < g.OutHeight; oy++)
            for (int ox = 0; ox < g.OutWidth; ox++)
                for (int co = 0; co < g.OutChannels; co++)
                    foreach (var (i, w) in Window(g, z, oy, ox, co))
                    {
                        double u = w * upper[(oy * g.OutWidth + ox) * g.OutChannels + co];
                        int position = i / g.OutChannels, cy = position / g.ConvWidth, cx = position % g.ConvWidth;
                        for (int ky = 0; ky < g.Kernel; ky++)
                            for (int kx = 0; kx < g.Kernel; kx++)
                                for (int ci = 0; ci < g.InChannels; ci++)
                                {
                                    int y = cy * g.Stride - g.Padding + ky, x = cx * g.Stride - g.Padding + kx;
                                    if (y < 0 || y >= g.InHeight || x < 0 || x >= g.InWidth) continue;
                                    result[InIndex(g, y, x, ci)] += u * kernel[co * g.PatchSize + (ky * g.Kernel + kx) * g.InChannels + ci];
                                }
                    }
        return result;
    }

    /// <summary>∂/∂K of Σ upper · P(conv_K(x)).</summary>
    public static double[] KernelGradient(ConvGeometry g, IReadOnlyList<double> image, IReadOnlyList<double> kernel, IReadOnlyList<double> upper)
    {
        var z = Conv(g, image, kernel);
        var result = new double[g.OutChannels * g.PatchSize];
        for (int oy = 0; oy < g.OutHeight; oy++)
            for (int ox = 0; ox < g.OutWidth; ox++)
                for (int co = 0; co < g.OutChannels; co++)
                    foreach (var (i, w) in Window(g, z, oy, ox, co))
                    {
                        double u = w * upper[(oy * g.OutWidth + ox) * g.OutChannels + co];
                        int position = i / g.OutChannels, cy = position / g.ConvWidth, cx = position % g.ConvWidth;
                        for (int ky = 0; ky < g.Kernel; ky++)
                            for (int kx = 0; kx < g.Kernel; kx++)
                                for (int ci = 0; ci < g.InChannels; ci++)
                                {
                                    int y = cy * g.Stride - g.Padding + ky, x = cx * g.Stride - g.Padding + kx;
                                    if (y < 0 || y >= g.InHeight || x < 0 || x >= g.InWidth) continue;
                                    result[co * g.PatchSize + (ky * g.Kernel + kx) * g.InChannels + ci] += u * image[InIndex(g, y, x, ci)];
                                }
                    }
        return result;
    }
}
