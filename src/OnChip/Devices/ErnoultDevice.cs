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
    private float UnitK => _unitK;
    private readonly float _unitK = (float)(Math.Exp(spec.BetaD) - 1.0);  // in double: e^{βd} − 1 for βd ≪ 1

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
        // One pass: t = K·e^{−βd x} (potentiation) or K·e^{−βd (1 − x)} (depression), K = (e^{βd} − 1)·width·scale;
        // ΔG = ±(ΔG_range/βd)·ln(1 + t), ln(1 + t) from its series below SeriesLimit. Vector ln and exp: VectorMath.
        int i = 0;
        var zero = Vector512<float>.Zero;
        var one = Vector512<float>.One;
        var minusBeta = Vector512.Create(-beta);
        var small = Vector512.Create(SeriesLimit);
        var third = Vector512.Create(1f / 3f);
        var half = Vector512.Create(0.5f);
        for (; i <= n - 16; i += 16)
        {
            nuint k = (nuint)i;
            var dir = Vector512.LoadUnsafe(ref d, k);
            var pulsed = ~Vector512.Equals(dir, zero);
            if (pulsed == Vector512<float>.Zero) continue;
            var current = Vector512.LoadUnsafe(ref g, k);
            var x = (current - Vector512.Create(lower)) * Vector512.Create(1f / range);
            var up = Vector512.GreaterThanOrEqual(dir, zero);
            var exponent = Vector512.ConditionalSelect(up, minusBeta * x, minusBeta * (one - x));
            var scale = Vector512.ConditionalSelect(up, Vector512.LoadUnsafe(ref su, k), Vector512.LoadUnsafe(ref sd, k));
            var t = VectorMath.Exp(exponent) * (Vector512.Create(unit) * Vector512.LoadUnsafe(ref w, k) * scale);
            var series = t * (one - t * (half - t * third));
            var log1p = Vector512.ConditionalSelect(Vector512.LessThan(t, small), series, VectorMath.Log(one + t));
            var delta = dir * Vector512.Create(amplitude) * log1p;
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
        // The arithmetic of Pulse, in the same order, repeated while a device has pulses left.
        var zero = Vector512<float>.Zero;
        var one = Vector512<float>.One;
        var unit = Vector512.Create(_unitK);
        var lower = Vector512.Create(Lower);
        var inverseRange = Vector512.Create(1f / Range);
        var minusBeta = Vector512.Create(-BetaD);
        var amplitude = Vector512.Create(Range / BetaD);
        var small = Vector512.Create(SeriesLimit);
        var third = Vector512.Create(1f / 3f);
        var half = Vector512.Create(0.5f);
        bool noisy = Spec.C2c > 0;
        var spread = Vector512.Create(Spec.C2c * Range);
        nuint end = (nuint)b.Blocks * 16;
        for (nuint k = 0; k < end; k += 16)
        {
            var counts = DeviceBlocks.Load(in b.Counts, k);
            if (counts == zero) continue;
            var left = Vector512.Abs(counts);
            var up = Vector512.GreaterThanOrEqual(counts, zero);
            var dir = Vector512.ConditionalSelect(up, one, -one);
            var pulseK = unit * DeviceBlocks.Load(in b.Width, k) * Vector512.ConditionalSelect(up, DeviceBlocks.Load(in b.ScaleUp, k), DeviceBlocks.Load(in b.ScaleDown, k));
            var lo = DeviceBlocks.Load(in b.Min, k);
            var hi = DeviceBlocks.Load(in b.Max, k);
            var current = DeviceBlocks.Load(in b.State, k);
            for (var round = zero; ; round += one)
            {
                var pulsed = Vector512.GreaterThan(left, round);
                if (pulsed == zero) break;
                var x = (current - lower) * inverseRange;
                var exponent = Vector512.ConditionalSelect(up, minusBeta * x, minusBeta * (one - x));
                var t = VectorMath.Exp(exponent) * pulseK;
                var series = t * (one - t * (half - t * third));
                var log1p = Vector512.ConditionalSelect(Vector512.LessThan(t, small), series, VectorMath.Log(one + t));
                var delta = dir * amplitude * log1p;
                if (noisy) delta += spread * random.NextGaussians();
                var next = Vector512.Min(Vector512.Max(current + delta, lo), hi);
                current = Vector512.ConditionalSelect(pulsed, next, current);
            }
            current.StoreUnsafe(ref b.State, k);
        }
    }
}
