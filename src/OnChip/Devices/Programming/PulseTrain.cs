using OnChip.Randomness;

namespace OnChip.Devices.Programming;

/// <summary>
/// Stochastic pulse trains (Gokmen &amp; Vlasov 2016): over BL time slots a device is pulsed when its row and column
/// pulses coincide, so its pulse count is Binomial(BL, p) with p = |ΔW| / (BL·Δw_min) (capped at 1), signed as ΔW:
/// the expected change equals the requested one. The seam hands devices the dense ΔW, not its row/column factors,
/// so each device draws its own count: the same per-device distribution as the crossbar scheme, without the
/// correlations between devices that share a row or a column.
/// </summary>
public sealed class PulseTrain(int bitLength) : ProgrammingStrategy
{
    public override string Name => "pulse-train";
    public int BitLength { get; } = bitLength >= 1 ? bitLength : throw new ArgumentOutOfRangeException(nameof(bitLength), "BL must be at least 1");

    public override void Plan(ReadOnlySpan<float> requested, int start, float nominal, float width, Span<float> pulses, Span<float> widths, ChunkRandom random, Span<float> scratch)
    {
        int n = requested.Length;
        var u = scratch[..n];
        random.FillUniform(u);
        float perSlot = 1f / (BitLength * nominal);
        for (int i = 0; i < n; i++)
        {
            float p = Math.Min(MathF.Abs(requested[i]) * perSlot, 1f);
            int count = Binomial(BitLength, p, u[i]);
            pulses[i] = requested[i] < 0 ? -count : count;
        }
        widths.Fill(width);
    }

    /// <summary>Binomial(n, p) by inversion of the CDF with one uniform (fast: p is small for most devices).</summary>
    internal static int Binomial(int n, float p, float u)
    {
        if (p <= 0f) return 0;
        if (p >= 1f) return n;
        double q = 1.0 - p, ratio = p / q;
        double probability = Math.Pow(q, n), cdf = probability;
        int k = 0;
        while (u >= cdf && k < n)
        {
            probability *= (n - k) / (k + 1.0) * ratio;
            cdf += probability;
            k++;
        }
        return k;
    }
}
