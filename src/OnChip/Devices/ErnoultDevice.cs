using System.Numerics.Tensors;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;
using OnChip.Randomness;

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
    private float UnitK => (float)(Math.Exp(BetaD) - 1.0);  // in double: e^{βd} − 1 for βd ≪ 1

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
        var t = scratchA[..n];
        var logs = scratchB[..n];
        float lower = Lower, range = Range, beta = BetaD, unit = UnitK;
        ref float g = ref MemoryMarshal.GetReference(state);
        ref float d = ref MemoryMarshal.GetReference(direction);
        ref float w = ref MemoryMarshal.GetReference(width);
        ref float su = ref devices.ScaleUp[offset];
        ref float sd = ref devices.ScaleDown[offset];
        ref float lo = ref devices.Min[offset];
        ref float hi = ref devices.Max[offset];
        ref float rt = ref MemoryMarshal.GetReference(t);
        ref float rl = ref MemoryMarshal.GetReference(logs);
        // t = K·e^{−βd x} (potentiation) or K·e^{−βd (1 − x)} (depression), K = (e^{βd} − 1)·width·scale.
        int i = 0;
        var zero = Vector512<float>.Zero;
        var one = Vector512<float>.One;
        var minusBeta = Vector512.Create(-beta);
        for (; i <= n - 16; i += 16)
        {
            nuint k = (nuint)i;
            var x = (Vector512.LoadUnsafe(ref g, k) - Vector512.Create(lower)) / Vector512.Create(range);
            var up = Vector512.GreaterThanOrEqual(Vector512.LoadUnsafe(ref d, k), zero);
            Vector512.ConditionalSelect(up, minusBeta * x, minusBeta * (one - x)).StoreUnsafe(ref rt, k);
            var scale = Vector512.ConditionalSelect(up, Vector512.LoadUnsafe(ref su, k), Vector512.LoadUnsafe(ref sd, k));
            (Vector512.Create(unit) * Vector512.LoadUnsafe(ref w, k) * scale).StoreUnsafe(ref rl, k);
        }
        for (; i < n; i++)
        {
            float x = (Unsafe.Add(ref g, i) - lower) / range;
            bool up = Unsafe.Add(ref d, i) >= 0;
            Unsafe.Add(ref rt, i) = up ? -beta * x : -beta * (1f - x);
            Unsafe.Add(ref rl, i) = unit * Unsafe.Add(ref w, i) * (up ? Unsafe.Add(ref su, i) : Unsafe.Add(ref sd, i));
        }
        TensorPrimitives.Exp(t, t);
        TensorPrimitives.Multiply(t, logs, t);
        TensorPrimitives.Add(t, 1f, logs);
        TensorPrimitives.Log(logs, logs);   // ln(1 + t), used where t ≥ SeriesLimit
        float amplitude = range / beta;
        bool noisy = Spec.C2c > 0 && noise.Length >= n;
        float spread = noisy ? Spec.C2c * range : 0f;
        ref float z = ref noisy ? ref MemoryMarshal.GetReference(noise) : ref rt;
        i = 0;
        var small = Vector512.Create(SeriesLimit);
        var third = Vector512.Create(3f);
        var half = Vector512.Create(0.5f);
        for (; i <= n - 16; i += 16)
        {
            nuint k = (nuint)i;
            var dir = Vector512.LoadUnsafe(ref d, k);
            var pulsed = ~Vector512.Equals(dir, zero);
            if (pulsed.AsUInt32() == Vector512<uint>.Zero) continue;
            var tt = Vector512.LoadUnsafe(ref rt, k);
            var series = tt * (one - tt * (half - tt / third));
            var log1p = Vector512.ConditionalSelect(Vector512.LessThan(tt, small), series, Vector512.LoadUnsafe(ref rl, k));
            var delta = dir * Vector512.Create(amplitude) * log1p;
            if (noisy) delta += Vector512.Create(spread) * Vector512.LoadUnsafe(ref z, k);
            var current = Vector512.LoadUnsafe(ref g, k);
            var next = Vector512.Min(Vector512.Max(current + delta, Vector512.LoadUnsafe(ref lo, k)), Vector512.LoadUnsafe(ref hi, k));
            Vector512.ConditionalSelect(pulsed, next, current).StoreUnsafe(ref g, k);
        }
        for (; i < n; i++)
        {
            float dir = Unsafe.Add(ref d, i);
            if (dir == 0f) continue;
            float tt = Unsafe.Add(ref rt, i);
            float delta = dir * amplitude * (tt < SeriesLimit ? tt * (1f - tt * (0.5f - tt / 3f)) : Unsafe.Add(ref rl, i));
            if (noisy) delta += spread * Unsafe.Add(ref z, i);
            Unsafe.Add(ref g, i) = Math.Clamp(Unsafe.Add(ref g, i) + delta, Unsafe.Add(ref lo, i), Unsafe.Add(ref hi, i));
        }
    }
}
