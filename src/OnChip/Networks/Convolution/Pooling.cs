using System.Numerics.Tensors;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;

namespace OnChip.Networks.Convolution;

/// <summary>
/// The pooling P of s_upper · P(z), z = conv(s_lower) of one example (ConvHeight × ConvWidth × Cout, channels last),
/// and the pieces of its derivative. Max pooling is piecewise linear: with the winners (argmax per window) fixed,
/// P is a linear selection, so ∂Φ/∂z = Pᵀ(s_upper) routes each upper value to its window's winner and all second
/// derivatives vanish almost everywhere. Ties go to the first element in (dy, dx) order, like PyTorch.
/// </summary>
internal static class Pooling
{
    /// <summary>Records each max-pooling window's winner (an index into z) in <paramref name="winners"/>; nothing to do for other kinds.</summary>
    public static void ChooseWinners(ConvGeometry g, ReadOnlySpan<float> z, Span<int> winners)
    {
        if (g.Pool != PoolKind.Max) return;
        if (g.OutChannels % 16 == 0 && Vector512.IsHardwareAccelerated)
        {
            ChooseWinners512(g, z, winners);
            return;
        }
        int c = g.OutChannels, right = c, down = g.ConvWidth * c;
        for (int oy = 0; oy < g.OutHeight; oy++)
            for (int ox = 0; ox < g.OutWidth; ox++)
            {
                int o = (oy * g.OutWidth + ox) * c;
                int first = (2 * oy * g.ConvWidth + 2 * ox) * c;
                for (int ch = 0; ch < c; ch++)
                {
                    int best = first + ch;
                    if (z[best + right] > z[best]) best += right;
                    int below = first + down + ch;
                    if (z[below] > z[best]) best = below;
                    if (z[below + right] > z[best]) best = below + right;
                    winners[o + ch] = best;
                }
            }
    }

    /// <summary>The same comparisons, 16 channels at a time (strict "greater" keeps the first maximum, as the scalar loop).</summary>
    private static void ChooseWinners512(ConvGeometry g, ReadOnlySpan<float> z, Span<int> winners)
    {
        int c = g.OutChannels, right = c, down = g.ConvWidth * c;
        ref float zRef = ref MemoryMarshal.GetReference(z);
        ref int wRef = ref MemoryMarshal.GetReference(winners);
        var lanes = Vector512.Create(0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15);
        for (int oy = 0; oy < g.OutHeight; oy++)
            for (int ox = 0; ox < g.OutWidth; ox++)
            {
                int o = (oy * g.OutWidth + ox) * c;
                int first = (2 * oy * g.ConvWidth + 2 * ox) * c;
                for (int ch = 0; ch < c; ch += 16)
                {
                    int at = first + ch;
                    var best = Vector512.LoadUnsafe(ref zRef, (nuint)at);
                    var index = lanes + Vector512.Create(at);
                    foreach (int offset in (ReadOnlySpan<int>)[right, down, down + right])
                    {
                        var v = Vector512.LoadUnsafe(ref zRef, (nuint)(at + offset));
                        var greater = Vector512.GreaterThan(v, best);
                        best = Vector512.ConditionalSelect(greater, v, best);
                        index = Vector512.ConditionalSelect(greater.AsInt32(), lanes + Vector512.Create(at + offset), index);
                    }
                    index.StoreUnsafe(ref Unsafe.Add(ref wRef, o + ch));
                }
            }
    }

    /// <summary>output += P(z), max pooling taking the values at the recorded winners (so it is also P's linearisation).</summary>
    public static void Select(ConvGeometry g, ReadOnlySpan<float> z, ReadOnlySpan<int> winners, Span<float> output)
    {
        int c = g.OutChannels;
        switch (g.Pool)
        {
            case PoolKind.None:
                TensorPrimitives.Add(output, z, output);
                return;
            case PoolKind.Average:
                for (int oy = 0; oy < g.OutHeight; oy++)
                    for (int ox = 0; ox < g.OutWidth; ox++)
                    {
                        var dst = output.Slice((oy * g.OutWidth + ox) * c, c);
                        for (int dy = 0; dy < ConvGeometry.PoolSize; dy++)
                            for (int dx = 0; dx < ConvGeometry.PoolSize; dx++)
                                TensorPrimitives.MultiplyAdd(z.Slice(((2 * oy + dy) * g.ConvWidth + 2 * ox + dx) * c, c), 0.25f, dst, dst);
                    }
                return;
            default:
                for (int i = 0; i < output.Length; i++) output[i] += z[winners[i]];
                return;
        }
    }

    /// <summary>dz = Pᵀ(upper): overwrites the ConvSize values of <paramref name="dz"/> with the pooling transpose of one upper row.</summary>
    public static void Transpose(ConvGeometry g, ReadOnlySpan<float> upper, ReadOnlySpan<int> winners, Span<float> dz)
    {
        int c = g.OutChannels;
        switch (g.Pool)
        {
            case PoolKind.None:
                upper.CopyTo(dz);
                return;
            case PoolKind.Average:
                for (int y = 0; y < g.ConvHeight; y++)
                    for (int x = 0; x < g.ConvWidth; x++)
                        TensorPrimitives.Multiply(upper.Slice(((y / 2) * g.OutWidth + x / 2) * c, c), 0.25f, dz.Slice((y * g.ConvWidth + x) * c, c));
                return;
            default:
                dz.Clear();
                for (int i = 0; i < g.OutSize; i++) dz[winners[i]] = upper[i];
                return;
        }
    }
}
