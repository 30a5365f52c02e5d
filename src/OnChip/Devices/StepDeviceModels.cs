using System.Globalization;
using System.Numerics.Tensors;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;
using OnChip.Configuration;
using OnChip.Randomness;

namespace OnChip.Devices;

/// <summary>
/// The step-based family of IBM's analog hardware kit: one pulse moves the state by ±dw·f(w), with f depending on the
/// model and the current state, a per-device step scale (spread and up/down asymmetry), multiplicative
/// cycle-to-cycle noise (1 + c2c·ξ) and hard per-device bounds.
/// </summary>
internal abstract class StepDeviceModel(DeviceSpec spec) : DeviceModel(spec)
{
    protected override float StepScale => Spec.DwMin;

    /// <summary>How f is computed: constant (f ≡ 1), linear (1 + slope·w, per-device slopes, clipped at 0; computed
    /// inside the pulse loop), or by <see cref="Factors"/> over the chunk beforehand.</summary>
    protected enum FactorForm { Computed, Constant, Linear }

    protected virtual FactorForm Form => FactorForm.Computed;

    /// <summary>Relative step sizes f_up(w) and f_down(w) (≥ 0) for the chunk's states.</summary>
    protected abstract void Factors(ReadOnlySpan<float> state, DevicePopulation devices, int offset, Span<float> up, Span<float> down);

    /// <summary>f at the reference state for the nominal device (used for the nominal step).</summary>
    protected virtual float ReferenceFactor => 1f;

    public override float NominalStep(float width) => Spec.DwMin * ReferenceFactor * width;

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public override void Pulse(Span<float> state, ReadOnlySpan<float> direction, ReadOnlySpan<float> width,
        DevicePopulation devices, int offset, ReadOnlySpan<float> noise, Span<float> scratchA, Span<float> scratchB)
    {
        int n = state.Length;
        var up = scratchA[..n];
        var down = scratchB[..n];
        var form = Form;
        if (form == FactorForm.Computed) Factors(state, devices, offset, up, down);
        bool linear = form == FactorForm.Linear, constant = form == FactorForm.Constant;
        ref float g = ref MemoryMarshal.GetReference(state);
        ref float d = ref MemoryMarshal.GetReference(direction);
        ref float w = ref MemoryMarshal.GetReference(width);
        ref float fu = ref MemoryMarshal.GetReference(up);
        ref float fd = ref MemoryMarshal.GetReference(down);
        ref float su = ref devices.ScaleUp[offset];
        ref float sd = ref devices.ScaleDown[offset];
        ref float lo = ref devices.Min[offset];
        ref float hi = ref devices.Max[offset];
        ref float ku = ref devices.SlopeUp[offset];
        ref float kd = ref devices.SlopeDown[offset];
        bool noisy = noise.Length >= n && Spec.C2c > 0;
        ref float z = ref noisy ? ref MemoryMarshal.GetReference(noise) : ref fu;
        float c2c = noisy ? Spec.C2c : 0f;

        int i = 0;
        if (Vector512.IsHardwareAccelerated)
        {
            var zero = Vector512<float>.Zero;
            var one = Vector512<float>.One;
            var vc2c = Vector512.Create(c2c);
            for (; i <= n - 16; i += 16)
            {
                nuint k = (nuint)i;
                var dir = Vector512.LoadUnsafe(ref d, k);
                var rise = Vector512.GreaterThan(dir, zero);
                var fall = Vector512.LessThan(dir, zero);
                if ((rise | fall).AsUInt32() == Vector512<uint>.Zero) continue;  // no device of these 16 is pulsed
                var current = Vector512.LoadUnsafe(ref g, k);
                Vector512<float> factorUp, factorDown;
                if (linear)
                {
                    factorUp = Vector512.MaxNative(current * Vector512.LoadUnsafe(ref ku, k) + one, zero);
                    factorDown = Vector512.MaxNative(current * Vector512.LoadUnsafe(ref kd, k) + one, zero);
                }
                else if (constant)
                {
                    factorUp = factorDown = one;
                }
                else
                {
                    factorUp = Vector512.LoadUnsafe(ref fu, k);
                    factorDown = Vector512.LoadUnsafe(ref fd, k);
                }
                var stepUp = Vector512.LoadUnsafe(ref su, k) * factorUp;
                var stepDown = -Vector512.LoadUnsafe(ref sd, k) * factorDown;
                var step = Vector512.ConditionalSelect(rise, stepUp, Vector512.ConditionalSelect(fall, stepDown, zero));
                step *= Vector512.LoadUnsafe(ref w, k);
                if (noisy) step *= Vector512.FusedMultiplyAdd(Vector512.LoadUnsafe(ref z, k), vc2c, one);
                var next = current + step;
                next = Vector512.MinNative(Vector512.MaxNative(next, Vector512.LoadUnsafe(ref lo, k)), Vector512.LoadUnsafe(ref hi, k));   // native: states are never NaN
                next.StoreUnsafe(ref g, k);
            }
        }
        for (; i < n; i++)
        {
            float dir = Unsafe.Add(ref d, i);
            if (dir == 0f) continue;
            float current = Unsafe.Add(ref g, i);
            float factor = linear ? Math.Max(current * Unsafe.Add(ref dir > 0 ? ref ku : ref kd, i) + 1f, 0f)
                : constant ? 1f
                : Unsafe.Add(ref dir > 0 ? ref fu : ref fd, i);
            float step = dir > 0 ? Unsafe.Add(ref su, i) * factor : -Unsafe.Add(ref sd, i) * factor;
            step *= Unsafe.Add(ref w, i);
            if (noisy) step *= MathF.FusedMultiplyAdd(Unsafe.Add(ref z, i), c2c, 1f);
            Unsafe.Add(ref g, i) = Math.Clamp(current + step, Unsafe.Add(ref lo, i), Unsafe.Add(ref hi, i));
        }
    }

    /// <summary>Linear and constant steps depend on the device's own state and parameters only: all pulses in registers.</summary>
    public override bool FiresTrains => Form != FactorForm.Computed;

    protected override bool ListsBlocks => true;

    /// <summary>
    /// The arithmetic of Pulse, in the same order, repeated while a device has pulses left, without a branch per block
    /// where it can (see <see cref="PulsedBlocks.Find"/>): the normals of all pulses are drawn in bulk, the first round
    /// fires on every pulsed block without a loop, the later rounds on the blocks that have them. Each pulse takes the
    /// next unused normal. The parameters come from their 16-bit codes: in training this loop is bound by streaming
    /// them from memory (six per device), and the codes are half the bytes.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    protected override void FireBlocks(ref DeviceBlocks b, PulsedBlocks found, ChunkRandom random)
    {
        var noise = new StepNoise(Spec.C2c > 0 ? found.Normals(found.Pulses, random) : default, Spec.C2c);
        bool linear = Form == FactorForm.Linear;
        FirstRound(ref b, found.Pulsed, ref noise, linear);
        if (!found.Longer.IsEmpty) LaterRounds(ref b, found.Longer, ref noise, linear);
    }

    /// <summary>
    /// How many listed blocks ahead the first round asks the cache for a block's state and parameter codes: the pulsed
    /// blocks of a sparse update are scattered through arrays of megabytes, and waiting for each in turn cost a third of
    /// the round (DRN-1H on EC-RAM with mixed precision: 366 → 235 ms of firing per 12,000 examples).
    /// </summary>
    private const int Ahead = 6;

    /// <summary>
    /// Round 1 on the listed blocks (each has a pulsed lane). Past its own last blocks the look-ahead continues into the
    /// blocks the next call fires (<see cref="DeviceBlocks.Following"/>).
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void FirstRound(ref DeviceBlocks b, ReadOnlySpan<int> blocks, ref StepNoise noise, bool linear)
    {
        var local = noise;   // in registers for the loop
        // Only a sparse update's blocks are scattered; a dense one walks the chunk, which the hardware prefetches itself.
        bool scattered = 2 * blocks.Length < b.Blocks;
        var following = b.Following.Blocks;
        nuint followingStart = (nuint)b.Following.Offset;
        for (int j = 0; j < blocks.Length; j++)
        {
            nuint k = (nuint)blocks[j] * 16;
            if (scattered)
            {
                int ahead = j + Ahead;
                if (ahead < blocks.Length) Prefetch(ref b, (nuint)blocks[ahead] * 16);
                else if (ahead - blocks.Length < following.Length) Prefetch(ref b, followingStart + (nuint)following[ahead - blocks.Length] * 16);
            }
            var counts = DeviceBlocks.Load(in b.Counts, k);
            var pulsed = ~Vector512.Equals(counts, Vector512<float>.Zero);
            var current = DeviceBlocks.Load(in b.State, k);
            var step = local.Apply(Step(ref b, k, Vector512.GreaterThan(counts, Vector512<float>.Zero), current, linear), pulsed);
            var next = Vector512.MinNative(Vector512.MaxNative(current + step, b.Min.LoadCoded(k)), b.Max.LoadCoded(k));
            Vector512.ConditionalSelect(pulsed, next, current).StoreUnsafe(ref b.State, k);
        }
        noise = local;
    }

    /// <summary>Asks the cache for the state and the six parameter codes (one line in each array) of the block at device <paramref name="k"/>.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void Prefetch(ref DeviceBlocks b, nuint k)
    {
        b.ScaleUp.Prefetch(k);
        b.ScaleDown.Prefetch(k);
        b.Min.Prefetch(k);
        b.Max.Prefetch(k);
        b.SlopeUp.Prefetch(k);
        b.SlopeDown.Prefetch(k);
        DeviceBlocks.Prefetch(in b.State, k);
    }

    /// <summary>Rounds 2, 3, … on the listed blocks (each has a lane with more than one pulse).</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void LaterRounds(ref DeviceBlocks b, ReadOnlySpan<int> blocks, ref StepNoise noise, bool linear)
    {
        var zero = Vector512<float>.Zero;
        var one = Vector512<float>.One;
        var local = noise;
        foreach (int block in blocks)
        {
            nuint k = (nuint)block * 16;
            var counts = DeviceBlocks.Load(in b.Counts, k);
            var left = Vector512.Abs(counts);
            var rise = Vector512.GreaterThan(counts, zero);
            var (lo, hi) = (b.Min.LoadCoded(k), b.Max.LoadCoded(k));
            var current = DeviceBlocks.Load(in b.State, k);
            var scale = Vector512.ConditionalSelect(rise, b.ScaleUp.LoadCoded(k), -b.ScaleDown.LoadCoded(k));
            var slope = linear ? Vector512.ConditionalSelect(rise, b.SlopeUp.LoadCoded(k), b.SlopeDown.LoadCoded(k)) : zero;
            var width = DeviceBlocks.Load(in b.Width, k);
            for (var round = one; ; round += one)
            {
                var pulsed = Vector512.GreaterThan(left, round);
                if (pulsed == zero) break;
                var factor = linear ? Vector512.MaxNative(current * slope + one, zero) : one;   // native: states are never NaN
                var next = Vector512.MinNative(Vector512.MaxNative(current + local.Apply(scale * factor * width, pulsed), lo), hi);
                current = Vector512.ConditionalSelect(pulsed, next, current);
            }
            current.StoreUnsafe(ref b.State, k);
        }
        noise = local;
    }

    /// <summary>Cycle-to-cycle noise of a pulse: its step times (1 + c2c·ξ), ξ the next unused normal (none without normals).</summary>
    private ref struct StepNoise(ReadOnlySpan<float> normals, float c2c)
    {
        private readonly ref float _normals = ref MemoryMarshal.GetReference(normals);
        private readonly bool _noisy = !normals.IsEmpty;
        private readonly Vector512<float> _c2c = Vector512.Create(c2c);
        private int _used;

        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public Vector512<float> Apply(Vector512<float> step, Vector512<float> pulsed) => _noisy
            ? step * Vector512.FusedMultiplyAdd(PulsedBlocks.Take(pulsed, ref _normals, ref _used), _c2c, Vector512<float>.One)
            : step;
    }

    /// <summary>One pulse's noise-free step of block k in each lane's direction (as Pulse computes it).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector512<float> Step(ref DeviceBlocks b, nuint k, Vector512<float> rise, Vector512<float> current, bool linear)
    {
        var scale = Vector512.ConditionalSelect(rise, b.ScaleUp.LoadCoded(k), -b.ScaleDown.LoadCoded(k));
        var factor = linear
            ? Vector512.MaxNative(current * Vector512.ConditionalSelect(rise, b.SlopeUp.LoadCoded(k), b.SlopeDown.LoadCoded(k)) + Vector512<float>.One, Vector512<float>.Zero)
            : Vector512<float>.One;
        return scale * factor * DeviceBlocks.Load(in b.Width, k);
    }
}

/// <summary>Constant step: w ← clip(w ± dw).</summary>
internal sealed class ConstantStepDevice(DeviceSpec spec) : StepDeviceModel(spec)
{
    protected override FactorForm Form => FactorForm.Constant;
    protected override void Factors(ReadOnlySpan<float> state, DevicePopulation devices, int offset, Span<float> up, Span<float> down) { }
}

/// <summary>
/// Linear step: Δw = dw·(1 + slope·w) with slope_up = −γ_up/w_max and slope_down = −γ_down/w_min (the mean
/// bounds, per-device γ), so steps shrink linearly towards each bound (EC-RAM, capacitors).
/// </summary>
internal sealed class LinearStepDevice(DeviceSpec spec) : StepDeviceModel(spec)
{
    protected override DevicePopulation Draw(int count, Rng rng)
    {
        var p = base.Draw(count, rng);
        for (int i = 0; i < count; i++)
        {
            float gammaUp = Spec.GammaUp + Spec.GammaDtod * (float)rng.NextGaussian();
            float gammaDown = Spec.GammaDown + Spec.GammaDtod * (float)rng.NextGaussian();
            p.SlopeUp[i] = -gammaUp / Spec.WMax;
            p.SlopeDown[i] = -gammaDown / Spec.WMin;
        }
        return p;
    }

    protected override FactorForm Form => FactorForm.Linear;

    protected override void Factors(ReadOnlySpan<float> state, DevicePopulation devices, int offset, Span<float> up, Span<float> down)
    {
        int n = state.Length;
        TensorPrimitives.MultiplyAdd(state, devices.SlopeUp.AsSpan(offset, n), 1f, up);
        TensorPrimitives.MultiplyAdd(state, devices.SlopeDown.AsSpan(offset, n), 1f, down);
        TensorPrimitives.Max(up, 0f, up);
        TensorPrimitives.Max(down, 0f, down);
    }
}

/// <summary>Soft bounds: Δw⁺ = dw(1 − w/b_max), Δw⁻ = dw(1 − w/b_min): the step vanishes at each bound.</summary>
internal sealed class SoftBoundsDevice(DeviceSpec spec) : StepDeviceModel(spec)
{
    protected override void Factors(ReadOnlySpan<float> state, DevicePopulation devices, int offset, Span<float> up, Span<float> down)
    {
        int n = state.Length;
        TensorPrimitives.Divide(state, devices.Max.AsSpan(offset, n), up);
        TensorPrimitives.Divide(state, devices.Min.AsSpan(offset, n), down);
        Tensors.Elementwise.ScaleShift(up, -1f, 1f, up);
        Tensors.Elementwise.ScaleShift(down, -1f, 1f, down);
        TensorPrimitives.Max(up, 0f, up);
        TensorPrimitives.Max(down, 0f, down);
    }
}

/// <summary>
/// Exponential step (ReRAM): z = 2a·w/(b_max − b_min) + b; f_up = max(1 − A_up·e^{γ_up z}, 0),
/// f_down = max(1 − A_down·e^{−γ_down z}, 0).
/// </summary>
internal sealed class ExpStepDevice(DeviceSpec spec) : StepDeviceModel(spec)
{
    protected override float ReferenceFactor => Math.Max(1f - Spec.AUp * MathF.Exp(Spec.GammaUp * (2f * Spec.EsA * Reference / Range + Spec.EsB)), 0f);

    protected override void Factors(ReadOnlySpan<float> state, DevicePopulation devices, int offset, Span<float> up, Span<float> down)
    {
        int n = state.Length;
        for (int i = 0; i < n; i++)
            up[i] = 2f * Spec.EsA * state[i] / (devices.Max[offset + i] - devices.Min[offset + i]) + Spec.EsB;  // z
        TensorPrimitives.Multiply(up, -Spec.GammaDown, down);
        TensorPrimitives.Multiply(up, Spec.GammaUp, up);
        TensorPrimitives.Exp(up, up);
        TensorPrimitives.Exp(down, down);
        Tensors.Elementwise.ScaleShift(up, -Spec.AUp, 1f, up);
        Tensors.Elementwise.ScaleShift(down, -Spec.ADown, 1f, down);
        TensorPrimitives.Max(up, 0f, up);
        TensorPrimitives.Max(down, 0f, down);
    }
}

/// <summary>Power step: ω = (b_max − w)/(b_max − b_min); f_up = ω^γ, f_down = (1 − ω)^γ.</summary>
internal sealed class PowStepDevice(DeviceSpec spec) : StepDeviceModel(spec)
{
    protected override float ReferenceFactor => MathF.Pow((Upper - Reference) / Range, Spec.PowGamma);

    protected override void Factors(ReadOnlySpan<float> state, DevicePopulation devices, int offset, Span<float> up, Span<float> down)
    {
        int n = state.Length;
        for (int i = 0; i < n; i++)
        {
            float lo = devices.Min[offset + i], hi = devices.Max[offset + i];
            float omega = Math.Clamp((hi - state[i]) / (hi - lo), 0f, 1f);
            up[i] = omega;
            down[i] = 1f - omega;
        }
        TensorPrimitives.Pow(up, Spec.PowGamma, up);
        TensorPrimitives.Pow(down, Spec.PowGamma, down);
    }
}

/// <summary>
/// Piecewise step: relative step sizes measured at equally spaced states over [w_min, w_max] (a CSV with columns
/// w,up,down), interpolated linearly at the device's relative position between its own bounds.
/// </summary>
internal sealed class PiecewiseStepDevice : StepDeviceModel
{
    private readonly float[] _up, _down;

    public PiecewiseStepDevice(DeviceSpec spec) : base(spec) => (_up, _down) = ReadNodes(spec.PiecewiseFile!);

    private static (float[] Up, float[] Down) ReadNodes(string path)
    {
        string[] lines;
        try { lines = File.ReadAllLines(path); }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new ConfigException($"piecewise-file: cannot read {path} ({e.Message})");
        }
        var rows = new List<(float W, float Up, float Down)>();
        foreach (var (line, index) in lines.Select((l, i) => (l.Trim(), i + 1)))
        {
            if (line.Length == 0 || line.StartsWith('#') || char.IsLetter(line[0])) continue;
            var parts = line.Split(',');
            if (parts.Length != 3 || !parts.All(p => float.TryParse(p, NumberStyles.Float, CultureInfo.InvariantCulture, out _)))
                throw new ConfigException($"piecewise-file: {path} line {index}: expected three numbers w,up,down");
            var v = parts.Select(p => float.Parse(p, CultureInfo.InvariantCulture)).ToArray();
            if (v[1] < 0 || v[2] < 0) throw new ConfigException($"piecewise-file: {path} line {index}: step sizes must not be negative");
            rows.Add((v[0], v[1], v[2]));
        }
        if (rows.Count < 2) throw new ConfigException($"piecewise-file: {path} needs at least two nodes");
        rows.Sort((a, b) => a.W.CompareTo(b.W));
        return (rows.Select(r => r.Up).ToArray(), rows.Select(r => r.Down).ToArray());
    }

    private static float Interpolate(float[] nodes, float position)
    {
        float x = Math.Clamp(position, 0f, 1f) * (nodes.Length - 1);
        int k = Math.Min((int)x, nodes.Length - 2);
        float t = x - k;
        return nodes[k] + t * (nodes[k + 1] - nodes[k]);
    }

    protected override float ReferenceFactor => Interpolate(_up, (Reference - Lower) / Range);

    protected override void Factors(ReadOnlySpan<float> state, DevicePopulation devices, int offset, Span<float> up, Span<float> down)
    {
        for (int i = 0; i < state.Length; i++)
        {
            float lo = devices.Min[offset + i], hi = devices.Max[offset + i];
            float position = (state[i] - lo) / (hi - lo);
            up[i] = Interpolate(_up, position);
            down[i] = Interpolate(_down, position);
        }
    }
}
