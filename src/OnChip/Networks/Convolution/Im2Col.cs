using System.Numerics.Tensors;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;

namespace OnChip.Networks.Convolution;

/// <summary>
/// Lowering of a convolution to a matrix product: each output position's receptive field becomes one row
/// (k·k·Cin values ordered ky, kx, c) of a "column" matrix, so conv(x) = col(x) · Kᵀ runs on the packed GEMM.
/// <see cref="ScatterAdd"/> is the exact transpose (col2im), used for the drive on the lower layer.
/// </summary>
internal static class Im2Col
{
    /// <summary>Writes the Positions × PatchSize patch matrix of one example <paramref name="image"/> into <paramref name="col"/>.</summary>
    public static void Gather(ConvGeometry g, ReadOnlySpan<float> image, Span<float> col)
    {
        int k = g.Kernel, cin = g.InChannels, patch = g.PatchSize;
        int row = 0;
        for (int oy = 0; oy < g.ConvHeight; oy++)
        {
            for (int ox = 0; ox < g.ConvWidth; ox++, row++)
            {
                var dst = col.Slice(row * patch, patch);
                int y0 = oy * g.Stride - g.Padding, x0 = ox * g.Stride - g.Padding;
                for (int ky = 0; ky < k; ky++)
                {
                    int y = y0 + ky;
                    var line = dst.Slice(ky * k * cin, k * cin);
                    if ((uint)y >= (uint)g.InHeight) { line.Clear(); continue; }
                    if (g.InputChannelsLast)
                    {
                        // One contiguous run of kx·Cin values, clipped at the borders.
                        int xa = Math.Max(x0, 0), xb = Math.Min(x0 + k, g.InWidth);
                        if (xa > x0) line[..((xa - x0) * cin)].Clear();
                        if (xb > xa) image.Slice((y * g.InWidth + xa) * cin, (xb - xa) * cin).CopyTo(line[((xa - x0) * cin)..]);
                        if (xb < x0 + k) line[(Math.Max(xb - x0, 0) * cin)..].Clear();
                    }
                    else
                    {
                        int plane = g.InHeight * g.InWidth;
                        for (int kx = 0; kx < k; kx++)
                        {
                            int x = x0 + kx;
                            bool inside = (uint)x < (uint)g.InWidth;
                            for (int c = 0; c < cin; c++)
                                line[kx * cin + c] = inside ? image[c * plane + y * g.InWidth + x] : 0f;
                        }
                    }
                }
            }
        }
    }

    /// <summary><paramref name="image"/> += col2im(<paramref name="col"/>): the transpose of <see cref="Gather"/>.</summary>
    public static void ScatterAdd(ConvGeometry g, ReadOnlySpan<float> col, Span<float> image)
    {
        if (g.InputChannelsLast && g.InChannels % 16 == 0 && g.InChannels <= 256 && Vector512.IsHardwareAccelerated)
        {
            GatherAdd(g, col, image);
            return;
        }
        int k = g.Kernel, cin = g.InChannels, patch = g.PatchSize;
        int row = 0;
        for (int oy = 0; oy < g.ConvHeight; oy++)
        {
            for (int ox = 0; ox < g.ConvWidth; ox++, row++)
            {
                var src = col.Slice(row * patch, patch);
                int y0 = oy * g.Stride - g.Padding, x0 = ox * g.Stride - g.Padding;
                for (int ky = 0; ky < k; ky++)
                {
                    int y = y0 + ky;
                    if ((uint)y >= (uint)g.InHeight) continue;
                    var line = src.Slice(ky * k * cin, k * cin);
                    if (g.InputChannelsLast)
                    {
                        int xa = Math.Max(x0, 0), xb = Math.Min(x0 + k, g.InWidth);
                        if (xb <= xa) continue;
                        var dst = image.Slice((y * g.InWidth + xa) * cin, (xb - xa) * cin);
                        TensorPrimitives.Add(dst, line.Slice((xa - x0) * cin, (xb - xa) * cin), dst);
                    }
                    else
                    {
                        int plane = g.InHeight * g.InWidth;
                        for (int kx = 0; kx < k; kx++)
                        {
                            int x = x0 + kx;
                            if ((uint)x >= (uint)g.InWidth) continue;
                            for (int c = 0; c < cin; c++) image[c * plane + y * g.InWidth + x] += line[kx * cin + c];
                        }
                    }
                }
            }
        }
    }

    /// <summary>
    /// col2im organised by input pixel: each pixel's channel run sums, in registers, the patch entries of every output
    /// position that covers it, then is written once. Scattering patch by patch instead reads and writes the image
    /// k·k times over and was the slowest part of a conv relaxation step.
    /// </summary>
    private static void GatherAdd(ConvGeometry g, ReadOnlySpan<float> col, Span<float> image)
    {
        int k = g.Kernel, cin = g.InChannels, patch = g.PatchSize, s = g.Stride, p = g.Padding;
        int vectors = cin / 16;
        Span<Vector512<float>> acc = stackalloc Vector512<float>[16];
        ref float colRef = ref MemoryMarshal.GetReference(col);
        ref float imageRef = ref MemoryMarshal.GetReference(image);
        for (int y = 0; y < g.InHeight; y++)
        {
            for (int x = 0; x < g.InWidth; x++)
            {
                ref float pixel = ref Unsafe.Add(ref imageRef, (y * g.InWidth + x) * cin);
                for (int v = 0; v < vectors; v++) acc[v] = Vector512.LoadUnsafe(ref pixel, (nuint)(16 * v));
                for (int ky = 0; ky < k; ky++)
                {
                    int ty = y + p - ky;  // = oy·s
                    if (ty < 0 || ty % s != 0 || ty / s >= g.ConvHeight) continue;
                    int oy = ty / s;
                    for (int kx = 0; kx < k; kx++)
                    {
                        int tx = x + p - kx;
                        if (tx < 0 || tx % s != 0 || tx / s >= g.ConvWidth) continue;
                        int ox = tx / s;
                        ref float src = ref Unsafe.Add(ref colRef, (oy * g.ConvWidth + ox) * patch + (ky * k + kx) * cin);
                        for (int v = 0; v < vectors; v++) acc[v] += Vector512.LoadUnsafe(ref src, (nuint)(16 * v));
                    }
                }
                for (int v = 0; v < vectors; v++) acc[v].StoreUnsafe(ref pixel, (nuint)(16 * v));
            }
        }
    }
}
