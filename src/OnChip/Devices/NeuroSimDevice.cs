namespace OnChip.Devices;

/// <summary>
/// The MLP+NeuroSim device model: G_LTP(P) = B(1 − e^{−P/A}) + Gmin and G_LTD(P) = −B(1 − e^{(P−Pmax)/A}) + Gmax,
/// B = (Gmax − Gmin)/(1 − e^{−Pmax/A}), with A/Pmax set by the nonlinearity label (0.5 → 2.52, 1 → 1.25,
/// 2.4 → 0.499, 4.88 → 0.200, 6 → 0.136; log-log interpolation and extrapolation; the label's sign is ignored).
/// A pulse inverts the curve to the device's pulse number and moves it by one pulse (width × per-device scale), in
/// closed form: G' = Gmin + B − (B − (G − Gmin)) e^{−Δp/A} for potentiation (and the mirror image for depression).
/// Cycle-to-cycle: N(0, c2c·(Gmax − Gmin)) per pulse (NeuroSim's σ√n for n pulses).
/// </summary>
internal sealed class NeuroSimDevice : DeviceModel
{
    private static readonly (double Label, double Ratio)[] Table = [(0.5, 2.52), (1, 1.25), (2.4, 0.499), (4.88, 0.200), (6, 0.136)];
    private readonly float _aLtp, _aLtd, _bLtp, _bLtd;

    public NeuroSimDevice(DeviceSpec spec) : base(spec)
    {
        _aLtp = (float)(RatioOf(spec.NlLtp) * spec.Levels);
        _aLtd = (float)(RatioOf(spec.NlLtd) * spec.Levels);
        _bLtp = Range / (1f - MathF.Exp(-spec.Levels / _aLtp));
        _bLtd = Range / (1f - MathF.Exp(-spec.Levels / _aLtd));
    }

    /// <summary>A/Pmax for a nonlinearity label, interpolated in log-log space over NeuroSim's table.</summary>
    public static double RatioOf(float label)
    {
        double x = Math.Max(Math.Abs(label), 1e-3);
        int k = x <= Table[1].Label ? 0 : x >= Table[^2].Label ? Table.Length - 2 : Array.FindLastIndex(Table, t => t.Label <= x);
        var (x0, y0) = Table[k];
        var (x1, y1) = Table[k + 1];
        double slope = Math.Log(y1 / y0) / Math.Log(x1 / x0);
        return y0 * Math.Exp(slope * Math.Log(x / x0));
    }

    public float CurveLtp(float pulses) => _bLtp * (1f - MathF.Exp(-pulses / _aLtp)) + Lower;
    public float CurveLtd(float pulses) => -_bLtd * (1f - MathF.Exp((pulses - Spec.Levels) / _aLtd)) + Upper;

    public override float NominalStep(float width)
    {
        float g = Reference - Lower;
        return _bLtp - (_bLtp - g) * MathF.Exp(-width / _aLtp) - g;
    }

    public override void Pulse(Span<float> state, ReadOnlySpan<float> direction, ReadOnlySpan<float> width,
        DevicePopulation devices, int offset, ReadOnlySpan<float> noise, Span<float> scratchA, Span<float> scratchB)
    {
        int n = state.Length;
        bool noisy = Spec.C2c > 0 && noise.Length >= n;
        for (int i = 0; i < n; i++)
        {
            float d = direction[i];
            if (d == 0f) continue;
            // Written as increments, G' − G = (B − distance travelled)·(1 − e^{−Δp/A}), to stay exact for nearly linear curves.
            float g = state[i], next;
            if (d > 0)
                next = g + (_bLtp - (g - Lower)) * OneMinusExp(width[i] * devices.ScaleUp[offset + i] / _aLtp);
            else
                next = g - (_bLtd - (Upper - g)) * OneMinusExp(width[i] * devices.ScaleDown[offset + i] / _aLtd);
            if (noisy) next += Spec.C2c * Range * noise[i];
            state[i] = Math.Clamp(next, devices.Min[offset + i], devices.Max[offset + i]);
        }
    }

    /// <summary>1 − e^{−x} without cancellation for small x.</summary>
    private static float OneMinusExp(float x) => x < 1e-3f ? x * (1f - x * (0.5f - x / 6f)) : 1f - MathF.Exp(-x);
}
