using System.Numerics;
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
            case PoolKind.Softmax:
                SoftmaxSelect(g, z, output);
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

    /// <summary>
    /// dz = Pᵀ(upper): overwrites the ConvSize values of <paramref name="dz"/> with the pooling transpose of one upper
    /// row: for softmax pooling, which is not linear, the transpose of its Jacobian at <paramref name="z"/>.
    /// </summary>
    public static void Transpose(ConvGeometry g, ReadOnlySpan<float> upper, ReadOnlySpan<float> z, ReadOnlySpan<int> winners, Span<float> dz)
    {
        int c = g.OutChannels;
        switch (g.Pool)
        {
            case PoolKind.Softmax:
                SoftmaxTranspose(g, z, upper, default, dz);
                return;
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

    // ---- Softmax pooling (Laborieux & Zenke 2022): P = Σ_k p_k z_k over a 2×2 window, p = softmax(z/T). ----
    // With q_k = ∂P/∂z_k = p_k·(1 + (z_k − P)/T), the drive on the lower layer is convᵀ(s_up·q) and the kernel
    // gradient Σ (s_up·q) ⊗ col(s_low): the interaction's Φ = Σ s_up·P(conv(s_low)) differentiated exactly.
    // Each window subtracts its largest z/T (its largest real part at complex z) before the exponential; the shift
    // cancels in p exactly, so P stays the holomorphic Σ z·e^{z/T} / Σ e^{z/T}. Windows are read channels-last,
    // Vector<float>.Count channels at a time (a short last run goes through a padded stack copy).

    private static Vector<float> Load(ReadOnlySpan<float> s, int at, int n)
    {
        if (n == Vector<float>.Count) return new Vector<float>(s.Slice(at, n));
        Span<float> t = stackalloc float[Vector<float>.Count];
        t.Clear();
        s.Slice(at, n).CopyTo(t);
        return new Vector<float>(t);
    }

    private static void Store(Vector<float> v, Span<float> s, int at, int n)
    {
        if (n == Vector<float>.Count)
        {
            v.CopyTo(s.Slice(at, n));
            return;
        }
        Span<float> t = stackalloc float[Vector<float>.Count];
        v.CopyTo(t);
        t[..n].CopyTo(s.Slice(at, n));
    }

    /// <summary>One window's four values (a lane per channel), their softmax weights p and the pooled value P.</summary>
    private struct Window
    {
        public Vector<float> Z0, Z1, Z2, Z3, P0, P1, P2, P3, Pooled;

        public Window(ReadOnlySpan<float> z, int at, int right, int down, int n, Vector<float> invT)
        {
            Z0 = Load(z, at, n);
            Z1 = Load(z, at + right, n);
            Z2 = Load(z, at + down, n);
            Z3 = Load(z, at + down + right, n);
            var m = Vector.Max(Vector.Max(Z0, Z1), Vector.Max(Z2, Z3));
            var e0 = Vector.Exp((Z0 - m) * invT);
            var e1 = Vector.Exp((Z1 - m) * invT);
            var e2 = Vector.Exp((Z2 - m) * invT);
            var e3 = Vector.Exp((Z3 - m) * invT);
            var inv = Vector<float>.One / (e0 + e1 + e2 + e3);
            (P0, P1, P2, P3) = (e0 * inv, e1 * inv, e2 * inv, e3 * inv);
            Pooled = P0 * Z0 + P1 * Z1 + P2 * Z2 + P3 * Z3;
        }

        /// <summary>q_k = ∂P/∂z_k.</summary>
        public readonly (Vector<float>, Vector<float>, Vector<float>, Vector<float>) Slopes(Vector<float> invT) =>
            (P0 * (Vector<float>.One + (Z0 - Pooled) * invT), P1 * (Vector<float>.One + (Z1 - Pooled) * invT),
             P2 * (Vector<float>.One + (Z2 - Pooled) * invT), P3 * (Vector<float>.One + (Z3 - Pooled) * invT));
    }

    /// <summary>output += P(z), softmax pooling.</summary>
    public static void SoftmaxSelect(ConvGeometry g, ReadOnlySpan<float> z, Span<float> output)
    {
        int c = g.OutChannels, right = c, down = g.ConvWidth * c, lanes = Vector<float>.Count;
        var invT = new Vector<float>(1f / g.PoolTemperature);
        for (int oy = 0; oy < g.OutHeight; oy++)
            for (int ox = 0; ox < g.OutWidth; ox++)
            {
                int o = (oy * g.OutWidth + ox) * c, first = (2 * oy * g.ConvWidth + 2 * ox) * c;
                for (int ch = 0; ch < c; ch += lanes)
                {
                    int n = Math.Min(lanes, c - ch);
                    var w = new Window(z, first + ch, right, down, n, invT);
                    Store(Load(output, o + ch, n) + w.Pooled, output, o + ch, n);
                }
            }
    }

    /// <summary>dz = J(z)ᵀ(upper − minus) (minus empty: zero), overwriting the ConvSize values of <paramref name="dz"/>.</summary>
    public static void SoftmaxTranspose(ConvGeometry g, ReadOnlySpan<float> z, ReadOnlySpan<float> upper, ReadOnlySpan<float> minus, Span<float> dz)
    {
        int c = g.OutChannels, right = c, down = g.ConvWidth * c, lanes = Vector<float>.Count;
        var invT = new Vector<float>(1f / g.PoolTemperature);
        for (int oy = 0; oy < g.OutHeight; oy++)
            for (int ox = 0; ox < g.OutWidth; ox++)
            {
                int o = (oy * g.OutWidth + ox) * c, first = (2 * oy * g.ConvWidth + 2 * ox) * c;
                for (int ch = 0; ch < c; ch += lanes)
                {
                    int n = Math.Min(lanes, c - ch), at = first + ch;
                    var w = new Window(z, at, right, down, n, invT);
                    var u = Load(upper, o + ch, n);
                    if (!minus.IsEmpty) u -= Load(minus, o + ch, n);
                    var (q0, q1, q2, q3) = w.Slopes(invT);
                    Store(u * q0, dz, at, n);
                    Store(u * q1, dz, at + right, n);
                    Store(u * q2, dz, at + down, n);
                    Store(u * q3, dz, at + down + right, n);
                }
            }
    }

    /// <summary>output += J(z)·δz, the linearisation of softmax pooling at z along <paramref name="dzDirection"/>.</summary>
    public static void SoftmaxLinearize(ConvGeometry g, ReadOnlySpan<float> z, ReadOnlySpan<float> dzDirection, Span<float> output)
    {
        int c = g.OutChannels, right = c, down = g.ConvWidth * c, lanes = Vector<float>.Count;
        var invT = new Vector<float>(1f / g.PoolTemperature);
        for (int oy = 0; oy < g.OutHeight; oy++)
            for (int ox = 0; ox < g.OutWidth; ox++)
            {
                int o = (oy * g.OutWidth + ox) * c, first = (2 * oy * g.ConvWidth + 2 * ox) * c;
                for (int ch = 0; ch < c; ch += lanes)
                {
                    int n = Math.Min(lanes, c - ch), at = first + ch;
                    var w = new Window(z, at, right, down, n, invT);
                    var (q0, q1, q2, q3) = w.Slopes(invT);
                    var dP = q0 * Load(dzDirection, at, n) + q1 * Load(dzDirection, at + right, n)
                           + q2 * Load(dzDirection, at + down, n) + q3 * Load(dzDirection, at + down + right, n);
                    Store(Load(output, o + ch, n) + dP, output, o + ch, n);
                }
            }
    }

    /// <summary>
    /// dz += Σ_w upper_w · ∂²P_w/∂z∂z · δz, the second-order term of the lower drive's linearisation:
    /// h_k = upper·(p_k/T)·[(δz_k − Σ p·δz)(1 + (z_k − P)/T) + δz_k − Σ q·δz].
    /// </summary>
    public static void SoftmaxSecondOrder(ConvGeometry g, ReadOnlySpan<float> z, ReadOnlySpan<float> dzDirection, ReadOnlySpan<float> upper, Span<float> dz)
    {
        int c = g.OutChannels, right = c, down = g.ConvWidth * c, lanes = Vector<float>.Count;
        var invT = new Vector<float>(1f / g.PoolTemperature);
        var one = Vector<float>.One;
        for (int oy = 0; oy < g.OutHeight; oy++)
            for (int ox = 0; ox < g.OutWidth; ox++)
            {
                int o = (oy * g.OutWidth + ox) * c, first = (2 * oy * g.ConvWidth + 2 * ox) * c;
                for (int ch = 0; ch < c; ch += lanes)
                {
                    int n = Math.Min(lanes, c - ch), at = first + ch;
                    var w = new Window(z, at, right, down, n, invT);
                    var (q0, q1, q2, q3) = w.Slopes(invT);
                    var d0 = Load(dzDirection, at, n);
                    var d1 = Load(dzDirection, at + right, n);
                    var d2 = Load(dzDirection, at + down, n);
                    var d3 = Load(dzDirection, at + down + right, n);
                    var mean = w.P0 * d0 + w.P1 * d1 + w.P2 * d2 + w.P3 * d3;
                    var dP = q0 * d0 + q1 * d1 + q2 * d2 + q3 * d3;
                    var scale = Load(upper, o + ch, n) * invT;
                    Store(Load(dz, at, n) + scale * w.P0 * ((d0 - mean) * (one + (w.Z0 - w.Pooled) * invT) + d0 - dP), dz, at, n);
                    Store(Load(dz, at + right, n) + scale * w.P1 * ((d1 - mean) * (one + (w.Z1 - w.Pooled) * invT) + d1 - dP), dz, at + right, n);
                    Store(Load(dz, at + down, n) + scale * w.P2 * ((d2 - mean) * (one + (w.Z2 - w.Pooled) * invT) + d2 - dP), dz, at + down, n);
                    Store(Load(dz, at + down + right, n) + scale * w.P3 * ((d3 - mean) * (one + (w.Z3 - w.Pooled) * invT) + d3 - dP), dz, at + down + right, n);
                }
            }
    }

    /// <summary>
    /// Softmax pooling at a complex z = zRe + i·zIm, holomorphically: e_k = e^{z_k/T − m} (m the window's largest
    /// Re z/T, a real shift that cancels), p = e / Σe, P = Σ p·z. Adds P to (outRe, outIm) when they are not empty, and
    /// overwrites (dzRe, dzIm) with J(z)ᵀu = u·q, q_k = p_k·(1 + (z_k − P)/T), for the complex upper row u when they are not.
    /// </summary>
    public static void SoftmaxComplex(ConvGeometry g, ReadOnlySpan<float> zRe, ReadOnlySpan<float> zIm, ReadOnlySpan<float> upRe, ReadOnlySpan<float> upIm,
        Span<float> outRe, Span<float> outIm, Span<float> dzRe, Span<float> dzIm)
    {
        int c = g.OutChannels, right = c, down = g.ConvWidth * c, lanes = Vector<float>.Count;
        var invT = new Vector<float>(1f / g.PoolTemperature);
        var one = Vector<float>.One;
        Span<int> offsets = [0, right, down, down + right];
        Span<Vector<float>> xr = stackalloc Vector<float>[4], xi = stackalloc Vector<float>[4], pr = stackalloc Vector<float>[4], pi = stackalloc Vector<float>[4];
        for (int oy = 0; oy < g.OutHeight; oy++)
            for (int ox = 0; ox < g.OutWidth; ox++)
            {
                int o = (oy * g.OutWidth + ox) * c, first = (2 * oy * g.ConvWidth + 2 * ox) * c;
                for (int ch = 0; ch < c; ch += lanes)
                {
                    int n = Math.Min(lanes, c - ch), at = first + ch;
                    for (int k = 0; k < 4; k++)
                    {
                        xr[k] = Load(zRe, at + offsets[k], n);
                        xi[k] = Load(zIm, at + offsets[k], n);
                    }
                    var m = Vector.Max(Vector.Max(xr[0], xr[1]), Vector.Max(xr[2], xr[3]));
                    Vector<float> sr = Vector<float>.Zero, si = Vector<float>.Zero;
                    for (int k = 0; k < 4; k++)
                    {
                        var magnitude = Vector.Exp((xr[k] - m) * invT);
                        var angle = xi[k] * invT;
                        pr[k] = magnitude * Vector.Cos(angle);
                        pi[k] = magnitude * Vector.Sin(angle);
                        sr += pr[k];
                        si += pi[k];
                    }
                    // p = e / S = e·conj(S) / (S·conj(S))
                    var norm = one / (sr * sr + si * si);
                    Vector<float> bigR = Vector<float>.Zero, bigI = Vector<float>.Zero;
                    for (int k = 0; k < 4; k++)
                    {
                        var (er, ei) = (pr[k], pi[k]);
                        pr[k] = (er * sr + ei * si) * norm;
                        pi[k] = (ei * sr - er * si) * norm;
                        bigR += pr[k] * xr[k] - pi[k] * xi[k];
                        bigI += pr[k] * xi[k] + pi[k] * xr[k];
                    }
                    if (!outRe.IsEmpty)
                    {
                        Store(Load(outRe, o + ch, n) + bigR, outRe, o + ch, n);
                        Store(Load(outIm, o + ch, n) + bigI, outIm, o + ch, n);
                    }
                    if (dzRe.IsEmpty) continue;
                    var ur = Load(upRe, o + ch, n);
                    var ui = Load(upIm, o + ch, n);
                    for (int k = 0; k < 4; k++)
                    {
                        // q = p·(1 + (z − P)/T), dz = u·q
                        var fr = one + (xr[k] - bigR) * invT;
                        var fi = (xi[k] - bigI) * invT;
                        var qr = pr[k] * fr - pi[k] * fi;
                        var qi = pr[k] * fi + pi[k] * fr;
                        Store(ur * qr - ui * qi, dzRe, at + offsets[k], n);
                        Store(ur * qi + ui * qr, dzIm, at + offsets[k], n);
                    }
                }
            }
    }
}
