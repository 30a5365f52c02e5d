using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;
using OnChip.Randomness;
using OnChip.Tensors;

namespace OnChip.Devices;

/// <summary>
/// The memristor model of Ernoult, Grollier &amp; Querlioz 2019 (Sci. Rep. 9:1851). With x = (G − Gmin)/ΔG,
/// potentiation dG/dt = C e^{−βd x} and depression dG/dt = −C e^{−βd (1−x)}; over a pulse of width Δt,
/// ΔG⁺ = (ΔG/βd) ln(1 + (βd/ΔG) C Δt e^{−βd x}) (depression symmetric), with C = (ΔG/Δt_max)(e^{βd} − 1)/βd so that
/// one pulse of width Δt_max sweeps the range. Widths are in units of Δt_max. Device-to-device: C log-normal with
/// relative spread dw-dtod; cycle-to-cycle: N(0, c2c·ΔG) added at every pulse; conductances clipped to [Gmin, Gmax].
/// </summary>
public sealed class ErnoultDevice(DeviceSpec spec) : DeviceModel(spec)
{
    private float BetaD => Spec.BetaD;
    /// <summary>(βd/ΔG)·C·Δt_max: the factor K of a unit-width pulse.</summary>
    private float UnitK { get; } = (float)(Math.Exp(spec.BetaD) - 1.0);  // in double: e^{βd} − 1 for βd ≪ 1

    public override float NominalStep(float width) => (float)(Range / BetaD * Math.Log(1.0 + UnitK * width * Math.Exp(-BetaD * 0.5)));

    /// <summary>
    /// Below this t, ln(1 + t) is taken from its series t(1 − t(½ − t/3)), without the cancellation of 1 + t in float
    /// (near-linear devices, short pulses); above it, from ln of 1 + t.
    /// </summary>
    private const float SeriesLimit = 1e-3f;

    /// <summary>The per-device scale multiplies C (log-normal spread), so keep it positive with mean 1.</summary>
    public override DevicePopulation Populate(int count, Rng rng)
    {
        var p = base.Populate(count, rng);
        if (Spec.DwDtod > 0)
        {
            double sigma2 = Math.Log(1 + Spec.DwDtod * Spec.DwDtod);
            for (int i = 0; i < count; i++)
            {
                float c = (float)Math.Exp(-sigma2 / 2 + Math.Sqrt(sigma2) * rng.NextGaussian());
                float asymmetry = Spec.UpDown;
                p.ScaleUp[i] = c * (1f + Math.Min(asymmetry, 0f));
                p.ScaleDown[i] = c * (1f - Math.Max(asymmetry, 0f));
            }
        }
        return p;
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public override void Pulse(Span<float> state, ReadOnlySpan<float> direction, ReadOnlySpan<float> width,
        DevicePopulation devices, int offset, ReadOnlySpan<float> noise, Span<float> scratchA, Span<float> scratchB)
    {
        int n = state.Length;
        float lower = Lower, range = Range, beta = BetaD, unit = UnitK, amplitude = range / beta;
        bool noisy = Spec.C2c > 0 && noise.Length >= n;
        float spread = noisy ? Spec.C2c * range : 0f;
        ref float g = ref MemoryMarshal.GetReference(state);
        ref float d = ref MemoryMarshal.GetReference(direction);
        ref float w = ref MemoryMarshal.GetReference(width);
        ref float su = ref devices.ScaleUp[offset];
        ref float sd = ref devices.ScaleDown[offset];
        ref float lo = ref devices.Min[offset];
        ref float hi = ref devices.Max[offset];
        ref float z = ref noisy ? ref MemoryMarshal.GetReference(noise) : ref g;
        // One pass: 16 devices at a time through Change, the rest through the same formula in scalars.
        int i = 0;
        var zero = Vector512<float>.Zero;
        var shape = new Shape(lower, range, beta);
        for (; i <= n - 16; i += 16)
        {
            nuint k = (nuint)i;
            var dir = Vector512.LoadUnsafe(ref d, k);
            var pulsed = ~Vector512.Equals(dir, zero);
            if (pulsed == Vector512<float>.Zero) continue;
            var current = Vector512.LoadUnsafe(ref g, k);
            var up = Vector512.GreaterThanOrEqual(dir, zero);
            var pulseK = Vector512.Create(unit) * Vector512.LoadUnsafe(ref w, k) * Vector512.ConditionalSelect(up, Vector512.LoadUnsafe(ref su, k), Vector512.LoadUnsafe(ref sd, k));
            var delta = Change(current, up, dir, pulseK, shape);
            if (noisy) delta += Vector512.Create(spread) * Vector512.LoadUnsafe(ref z, k);
            var next = Vector512.Min(Vector512.Max(current + delta, Vector512.LoadUnsafe(ref lo, k)), Vector512.LoadUnsafe(ref hi, k));
            Vector512.ConditionalSelect(pulsed, next, current).StoreUnsafe(ref g, k);
        }
        for (; i < n; i++)
        {
            float dir = Unsafe.Add(ref d, i);
            if (dir == 0f) continue;
            float current = Unsafe.Add(ref g, i);
            float x = (current - lower) * (1f / range);
            bool up = dir >= 0;
            float t = MathF.Exp(up ? -beta * x : -beta * (1f - x)) * (unit * Unsafe.Add(ref w, i) * (up ? Unsafe.Add(ref su, i) : Unsafe.Add(ref sd, i)));
            float delta = dir * amplitude * (t < SeriesLimit ? t * (1f - t * (0.5f - t * (1f / 3f))) : MathF.Log(1f + t));
            if (noisy) delta += spread * Unsafe.Add(ref z, i);
            Unsafe.Add(ref g, i) = Math.Clamp(current + delta, Unsafe.Add(ref lo, i), Unsafe.Add(ref hi, i));
        }
    }

    public override bool FiresTrains => true;

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    protected override void FireBlocks(ref DeviceBlocks b, ChunkRandom random)
    {
        // Pulse's arithmetic (Change), repeated while a device has pulses left. Two blocks at a time:
        // each pulse is a long dependent chain (exp, then log), and two independent chains keep the core busy.
        var zero = Vector512<float>.Zero;
        var one = Vector512<float>.One;
        bool noisy = Spec.C2c > 0;
        var spread = Vector512.Create(Spec.C2c * Range);
        var shape = new Shape(Lower, Range, BetaD);
        nuint end = (nuint)b.Blocks * 16;
        for (nuint k = 0; k < end; k += 32)
        {
            bool second = k + 16 < end;
            nuint k2 = second ? k + 16 : k;   // without a second block, lanes B read block A's values and stay unpulsed
            var countsA = DeviceBlocks.Load(in b.Counts, k);
            var countsB = second ? DeviceBlocks.Load(in b.Counts, k2) : zero;
            if ((countsA | countsB) == zero) continue;
            var a = Lanes(ref b, k, countsA);
            var c = Lanes(ref b, k2, countsB);
            for (var round = zero; ; round += one)
            {
                var pulsedA = Vector512.GreaterThan(a.Left, round);
                var pulsedB = Vector512.GreaterThan(c.Left, round);
                if ((pulsedA | pulsedB) == zero) break;
                var deltaA = Change(a.Current, a.Up, a.Dir, a.PulseK, shape);
                var deltaB = Change(c.Current, c.Up, c.Dir, c.PulseK, shape);
                if (noisy && pulsedA != zero) deltaA += spread * random.NextGaussians();
                if (noisy && pulsedB != zero) deltaB += spread * random.NextGaussians();
                a.Current = Vector512.ConditionalSelect(pulsedA, Vector512.MinNative(Vector512.MaxNative(a.Current + deltaA, a.Lo), a.Hi), a.Current);
                c.Current = Vector512.ConditionalSelect(pulsedB, Vector512.MinNative(Vector512.MaxNative(c.Current + deltaB, c.Lo), c.Hi), c.Current);
            }
            a.Current.StoreUnsafe(ref b.State, k);
            if (second) c.Current.StoreUnsafe(ref b.State, k2);
        }
    }

    /// <summary>One block's values for <see cref="FireBlocks"/>.</summary>
    private struct BlockLanes
    {
        public Vector512<float> Left, Up, Dir, PulseK, Lo, Hi, Current;
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private BlockLanes Lanes(ref DeviceBlocks b, nuint k, Vector512<float> counts)
    {
        var up = Vector512.GreaterThanOrEqual(counts, Vector512<float>.Zero);
        return new BlockLanes
        {
            Left = Vector512.Abs(counts),
            Up = up,
            Dir = Vector512.ConditionalSelect(up, Vector512<float>.One, -Vector512<float>.One),
            PulseK = Vector512.Create(UnitK) * DeviceBlocks.Load(in b.Width, k) * Vector512.ConditionalSelect(up, DeviceBlocks.Load(in b.ScaleUp, k), DeviceBlocks.Load(in b.ScaleDown, k)),
            Lo = DeviceBlocks.Load(in b.Min, k),
            Hi = DeviceBlocks.Load(in b.Max, k),
            Current = DeviceBlocks.Load(in b.State, k),
        };
    }

    /// <summary>The model's constants, as vectors.</summary>
    private readonly struct Shape(float lower, float range, float betaD)
    {
        public readonly Vector512<float> Lower = Vector512.Create(lower), InverseRange = Vector512.Create(1f / range),
            MinusBeta = Vector512.Create(-betaD), Amplitude = Vector512.Create(range / betaD);
    }

    /// <summary>
    /// The noise-free change of one pulse for 16 devices: t = K·e^{−βd x} (potentiation, <paramref name="up"/>) or
    /// K·e^{−βd (1 − x)} (depression), K = (e^{βd} − 1)·width·scale (<paramref name="pulseK"/>);
    /// ΔG = ±(ΔG_range/βd)·ln(1 + t), ln(1 + t) from its series below SeriesLimit.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector512<float> Change(Vector512<float> current, Vector512<float> up, Vector512<float> direction, Vector512<float> pulseK, in Shape shape)
    {
        var one = Vector512<float>.One;
        var x = (current - shape.Lower) * shape.InverseRange;
        var exponent = Vector512.ConditionalSelect(up, shape.MinusBeta * x, shape.MinusBeta * (one - x));
        var t = VectorMath.Exp(exponent) * pulseK;
        var series = t * (one - t * (Vector512.Create(0.5f) - t * Vector512.Create(1f / 3f)));
        var log1p = Vector512.ConditionalSelect(Vector512.LessThan(t, Vector512.Create(SeriesLimit)), series, VectorMath.Log(one + t));
        return direction * shape.Amplitude * log1p;
    }
}
