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
internal sealed class ErnoultDevice(DeviceSpec spec) : DeviceModel(spec)
{
    private float BetaD => Spec.BetaD;
    /// <summary>(βd/ΔG)·C·Δt_max: the factor K of a unit-width pulse.</summary>
    private float UnitK { get; } = (float)(Math.Exp(spec.BetaD) - 1.0);  // in double: e^{βd} − 1 for βd ≪ 1

    public override float NominalStep(float width) => (float)(Range / BetaD * Math.Log(1.0 + UnitK * width * Math.Exp(-BetaD * 0.5)));

    /// <summary>The per-device scale multiplies C (log-normal spread), so keep it positive with mean 1.</summary>
    protected override DevicePopulation Draw(int count, Rng rng)
    {
        var p = base.Draw(count, rng);
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
        int n = state.Length, whole = n / 16 * 16;
        bool noisy = Spec.C2c > 0 && noise.Length >= n;
        var spread = Vector512.Create(noisy ? Spec.C2c * Range : 0f);
        var shape = new Shape(Lower, Range, BetaD, UnitK);
        ref float g = ref MemoryMarshal.GetReference(state);
        ref float d = ref MemoryMarshal.GetReference(direction);
        ref float w = ref MemoryMarshal.GetReference(width);
        ref float z = ref noisy ? ref MemoryMarshal.GetReference(noise) : ref g;
        for (int i = 0; i < whole; i += 16)
        {
            nuint k = (nuint)i;
            var dir = Vector512.LoadUnsafe(ref d, k);
            var pulsed = ~Vector512.Equals(dir, Vector512<float>.Zero);
            if (pulsed == Vector512<float>.Zero) continue;
            var lanes = new PulseLanes(dir, Vector512.LoadUnsafe(ref w, k), Vector512.LoadUnsafe(ref devices.ScaleUp[offset], k),
                Vector512.LoadUnsafe(ref devices.ScaleDown[offset], k), shape);
            var current = Vector512.LoadUnsafe(ref g, k);
            var delta = lanes.Change(current);
            if (noisy) delta += spread * Vector512.LoadUnsafe(ref z, k);
            var next = Vector512.MinNative(Vector512.MaxNative(current + delta, Vector512.LoadUnsafe(ref devices.Min[offset], k)), Vector512.LoadUnsafe(ref devices.Max[offset], k));
            Vector512.ConditionalSelect(pulsed, next, current).StoreUnsafe(ref g, k);
        }
        // The last partial block: the same arithmetic on lanes padded with unpulsed devices.
        for (int i = whole; i < n; i++)
        {
            float dir = Unsafe.Add(ref d, i);
            if (dir == 0f) continue;
            var lanes = new PulseLanes(Vector512.Create(dir), Vector512.Create(Unsafe.Add(ref w, i)), Vector512.Create(devices.ScaleUp[offset + i]),
                Vector512.Create(devices.ScaleDown[offset + i]), shape);
            float current = Unsafe.Add(ref g, i);
            float delta = lanes.Change(Vector512.Create(current)).ToScalar();
            if (noisy) delta += spread.ToScalar() * Unsafe.Add(ref z, i);
            Unsafe.Add(ref g, i) = Math.Min(Math.Max(current + delta, devices.Min[offset + i]), devices.Max[offset + i]);
        }
    }

    public override bool FiresTrains => true;

    protected override void FireBlocks(ref DeviceBlocks b, PulsedBlocks found, ChunkRandom random)
    {
        if (Spec.C2c > 0) FireBlocks(ref b, new CycleNoise(random, Spec.C2c * Range));
        else FireBlocks(ref b, new NoNoise());
    }

    /// <summary>
    /// Pulse's arithmetic (PulseLanes.Change), repeated while a device has pulses left. Two blocks at a time: each pulse
    /// is a long dependent chain (exp, then log), and two independent chains keep the core busy. Generic in the noise
    /// so that the noise-free loop has no call in it (a call would push every vector it keeps to the stack).
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private void FireBlocks<TNoise>(ref DeviceBlocks b, TNoise noise) where TNoise : struct, IPulseNoise
    {
        var zero = Vector512<float>.Zero;
        var one = Vector512<float>.One;
        var shape = new Shape(Lower, Range, BetaD, UnitK);
        nuint end = (nuint)b.Blocks * 16;
        for (nuint k = 0; k < end; k += 32)
        {
            bool second = k + 16 < end;
            nuint k2 = second ? k + 16 : k;   // without a second block, lanes B read block A's values and stay unpulsed
            var countsA = DeviceBlocks.Load(in b.Counts, k);
            var countsB = second ? DeviceBlocks.Load(in b.Counts, k2) : zero;
            if ((countsA | countsB) == zero) continue;
            var leftA = Vector512.Abs(countsA);
            var leftB = Vector512.Abs(countsB);
            var a = Lanes(ref b, k, countsA, shape);
            var c = Lanes(ref b, k2, countsB, shape);
            var currentA = DeviceBlocks.Load(in b.State, k);
            var currentB = DeviceBlocks.Load(in b.State, k2);
            var loA = b.Min.Load(k);
            var loB = b.Min.Load(k2);
            var hiA = b.Max.Load(k);
            var hiB = b.Max.Load(k2);
            if (Vector512.LessThanOrEqualAll(Vector512.MaxNative(leftA, leftB), one))
            {
                // At most one pulse per device (sign, rprop): no rounds to count.
                var nextA = Vector512.MinNative(Vector512.MaxNative(currentA + noise.Add(a.Change(currentA), countsA), loA), hiA);
                Vector512.ConditionalSelect(Vector512.Equals(countsA, zero), currentA, nextA).StoreUnsafe(ref b.State, k);
                if (!second) continue;
                var nextB = Vector512.MinNative(Vector512.MaxNative(currentB + noise.Add(c.Change(currentB), countsB), loB), hiB);
                Vector512.ConditionalSelect(Vector512.Equals(countsB, zero), currentB, nextB).StoreUnsafe(ref b.State, k2);
                continue;
            }
            for (var round = zero; ; round += one)
            {
                var pulsedA = Vector512.GreaterThan(leftA, round);
                var pulsedB = Vector512.GreaterThan(leftB, round);
                if ((pulsedA | pulsedB) == zero) break;
                var deltaA = noise.Add(a.Change(currentA), pulsedA);
                var deltaB = noise.Add(c.Change(currentB), pulsedB);
                currentA = Vector512.ConditionalSelect(pulsedA, Vector512.MinNative(Vector512.MaxNative(currentA + deltaA, loA), hiA), currentA);
                currentB = Vector512.ConditionalSelect(pulsedB, Vector512.MinNative(Vector512.MaxNative(currentB + deltaB, loB), hiB), currentB);
            }
            currentA.StoreUnsafe(ref b.State, k);
            if (second) currentB.StoreUnsafe(ref b.State, k2);
        }
    }

    /// <summary>What FireBlocks adds to a block's change: nothing, or cycle-to-cycle noise.</summary>
    private interface IPulseNoise
    {
        /// <summary>The change plus noise, drawn only when some lane of the block is <paramref name="pulsed"/>.</summary>
        Vector512<float> Add(Vector512<float> change, Vector512<float> pulsed);
    }

    private readonly struct NoNoise : IPulseNoise
    {
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public Vector512<float> Add(Vector512<float> change, Vector512<float> pulsed) => change;
    }

    /// <summary>N(0, c2c·ΔG) per pulse: one normal draw per block and pulse.</summary>
    private readonly struct CycleNoise(ChunkRandom random, float spread) : IPulseNoise
    {
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public Vector512<float> Add(Vector512<float> change, Vector512<float> pulsed) =>
            pulsed == Vector512<float>.Zero ? change : Vector512.FusedMultiplyAdd(Vector512.Create(spread), random.NextGaussians(), change);
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static PulseLanes Lanes(ref DeviceBlocks b, nuint k, Vector512<float> counts, in Shape shape) =>
        new(counts, DeviceBlocks.Load(in b.Width, k), b.ScaleUp.Load(k), b.ScaleDown.Load(k), shape);

    /// <summary>The model's constants, as vectors.</summary>
    private readonly struct Shape(float lower, float range, float betaD, float unitK)
    {
        /// <summary>The exponent's coefficients in log₂ units (βd·log₂e/ΔG, βd·log₂e·Gmin/ΔG, βd·log₂e), ΔG/βd, e^{βd} − 1.</summary>
        public readonly Vector512<float> BetaPerRange = Vector512.Create((float)(betaD * Log2E / range)), BetaLower = Vector512.Create((float)(betaD * Log2E * lower / range)),
            Beta = Vector512.Create((float)(betaD * Log2E)), Amplitude = Vector512.Create(range / betaD), UnitK = Vector512.Create(unitK);

        private const double Log2E = 1.4426950408889634;
    }

    /// <summary>
    /// What one pulse does to 16 devices, set up once per direction: the exponent of e^{−βd x} (potentiation) or
    /// e^{−βd (1 − x)} (depression) as one multiply-add of the conductance, the pulse factor K = (e^{βd} − 1)·width·scale
    /// and the signed amplitude ±ΔG/βd.
    /// </summary>
    private readonly struct PulseLanes
    {
        private readonly Vector512<float> _slope, _offset, _k, _amplitude;

        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public PulseLanes(Vector512<float> direction, Vector512<float> width, Vector512<float> scaleUp, Vector512<float> scaleDown, in Shape shape)
        {
            var up = Vector512.GreaterThanOrEqual(direction, Vector512<float>.Zero);
            // x = (G − Gmin)/ΔG: −βd x = G·(−βd/ΔG) + βd·Gmin/ΔG; −βd (1 − x) = G·(βd/ΔG) − βd·Gmin/ΔG − βd (all ·log₂e).
            _slope = Vector512.ConditionalSelect(up, -shape.BetaPerRange, shape.BetaPerRange);
            _offset = Vector512.ConditionalSelect(up, shape.BetaLower, -shape.BetaLower - shape.Beta);
            _k = shape.UnitK * width * Vector512.ConditionalSelect(up, scaleUp, scaleDown);
            _amplitude = Vector512.ConditionalSelect(up, shape.Amplitude, -shape.Amplitude);
        }

        /// <summary>The noise-free change ΔG = ±(ΔG/βd)·ln(1 + t), t = K·e^{exponent} (as 2^{exponent·log₂e}).</summary>
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public Vector512<float> Change(Vector512<float> current) =>
            _amplitude * VectorMath.Log1p(VectorMath.Exp2(Vector512.FusedMultiplyAdd(current, _slope, _offset)) * _k);
    }
}
