using System.Numerics.Tensors;
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

    /// <summary>ln(1 + t) without the cancellation of 1 + t in float when t is tiny (near-linear devices, short pulses).</summary>
    private static float Log1P(float t) => t < 1e-3f ? t * (1f - t * (0.5f - t / 3f)) : MathF.Log(1f + t);

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

    public override void Pulse(Span<float> state, ReadOnlySpan<float> direction, ReadOnlySpan<float> width,
        DevicePopulation devices, int offset, ReadOnlySpan<float> noise, Span<float> scratchA, Span<float> scratchB)
    {
        int n = state.Length;
        var exponent = scratchA[..n];
        var k = scratchB[..n];
        float lower = Lower, range = Range, beta = BetaD, unit = UnitK;
        for (int i = 0; i < n; i++)
        {
            float x = (state[i] - lower) / range;
            float d = direction[i];
            exponent[i] = d >= 0 ? -beta * x : -beta * (1f - x);
            k[i] = unit * width[i] * (d >= 0 ? devices.ScaleUp[offset + i] : devices.ScaleDown[offset + i]);
        }
        TensorPrimitives.Exp(exponent, exponent);
        TensorPrimitives.Multiply(exponent, k, exponent);
        float amplitude = range / beta;
        bool noisy = Spec.C2c > 0 && noise.Length >= n;
        for (int i = 0; i < n; i++)
        {
            float d = direction[i];
            if (d == 0f) continue;
            float delta = d * amplitude * Log1P(exponent[i]);
            if (noisy) delta += Spec.C2c * range * noise[i];
            state[i] = Math.Clamp(state[i] + delta, devices.Min[offset + i], devices.Max[offset + i]);
        }
    }
}
