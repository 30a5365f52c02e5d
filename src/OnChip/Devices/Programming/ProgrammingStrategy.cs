using System.Numerics.Tensors;
using OnChip.Configuration;
using OnChip.Randomness;

namespace OnChip.Devices.Programming;

/// <summary>Options of the programming strategies (only some apply to each).</summary>
internal sealed record ProgrammingOptions(int BitLength = 31, float DeadZone = 0f, float Threshold = 1f, float FlipGamma = 1e-4f, float FlipThreshold = 5e-7f, float RequestScale = 1f);

/// <summary>
/// Turns a requested weight change into programming pulses: a signed pulse count and a pulse width per device.
/// It sees requests and the nominal effect of one pulse, never the learning rule and never the device physics.
/// </summary>
internal abstract class ProgrammingStrategy
{
    public abstract string Name { get; }

    /// <summary>The exact strategy writes weights digitally; the array then bypasses pulses altogether.</summary>
    public virtual bool IsExact => false;

    /// <summary>Allocates per-device state for <paramref name="count"/> devices.</summary>
    public virtual void Attach(int count) { }

    /// <summary>The weights the devices were first programmed with (after <see cref="Attach"/>), for strategies that track them.</summary>
    public virtual void AttachWeights(ReadOnlySpan<float> initialWeights) { }

    /// <summary>Per-device state in a fixed order (for checkpoints).</summary>
    public virtual IReadOnlyList<float[]> StateBuffers => [];

    /// <summary>The checkpoint name of <see cref="StateBuffers"/> (numbered from 0).</summary>
    public virtual string StateName => "strategy";

    /// <summary>
    /// Whether <see cref="Plan"/> gives pulses widths of their own; otherwise every pulse has the width it is given,
    /// and <see cref="Plan"/> leaves the widths alone (the array holds them once instead of writing them per chunk).
    /// </summary>
    public virtual bool VariesWidth => false;

    /// <summary>
    /// Plans elements [start, start + n) of the tensor: <paramref name="requested"/> are the changes asked for
    /// (network units), <paramref name="nominal"/> the nominal change of one pulse of width <paramref name="width"/>.
    /// Writes a signed integer pulse count per element, and a width per element when <see cref="VariesWidth"/>.
    /// </summary>
    public abstract void Plan(ReadOnlySpan<float> requested, int start, float nominal, float width,
        Span<float> pulses, Span<float> widths, ChunkRandom random, Span<float> scratch);

    /// <summary>
    /// <see cref="Plan"/>, then the whole blocks of the counts clipped to ±<paramref name="limit"/> and listed in
    /// <paramref name="found"/> (<see cref="PulsedBlocks.ListClipped"/>; a partial last block is left to the caller).
    /// Strategies that write their counts 16 at a time may clip and list them as they write them, saving a pass.
    /// </summary>
    public virtual void PlanListed(ReadOnlySpan<float> requested, int start, float nominal, float width, Span<float> pulses,
        Span<float> widths, ChunkRandom random, Span<float> scratch, PulsedBlocks found, int limit)
    {
        Plan(requested, start, nominal, width, pulses, widths, random, scratch);
        found.ListClipped(pulses[..requested.Length], limit);
    }

    public static IReadOnlyList<string> Names { get; } =
        ["exact", "pulse-round", "pulse-stochastic", "pulse-train", "sign", "rprop", "mixed-precision", "flip"];

    public static ProgrammingStrategy Create(string name, ProgrammingOptions options) => name switch
    {
        "exact" => new ExactProgramming(),
        "pulse-round" => new RoundedPulses(),
        "pulse-stochastic" => new StochasticPulses(),
        "pulse-train" => new PulseTrain(options.BitLength),
        "sign" => new SignProgramming(options.DeadZone),
        "rprop" => new RpropProgramming(),
        "mixed-precision" => new MixedPrecisionProgramming(options.Threshold),
        "flip" => new FlipProgramming(options.FlipGamma, options.FlipThreshold, options.RequestScale),
        _ => throw new ConfigException($"programming: unknown strategy '{name}' (expected one of: {string.Join(", ", Names)})"),
    };
}

/// <summary>An ideal digital write of the requested weight (reference; not physical, counts no pulses).</summary>
internal sealed class ExactProgramming : ProgrammingStrategy
{
    public override string Name => "exact";
    public override bool IsExact => true;

    public override void Plan(ReadOnlySpan<float> requested, int start, float nominal, float width, Span<float> pulses, Span<float> widths, ChunkRandom random, Span<float> scratch) =>
        throw new InvalidOperationException("exact programming writes weights directly");
}

/// <summary>Whole pulses: n = round(ΔW / Δw_min).</summary>
internal sealed class RoundedPulses : ProgrammingStrategy
{
    public override string Name => "pulse-round";

    public override void Plan(ReadOnlySpan<float> requested, int start, float nominal, float width, Span<float> pulses, Span<float> widths, ChunkRandom random, Span<float> scratch)
    {
        var n = pulses[..requested.Length];
        TensorPrimitives.Divide(requested, nominal, n);
        TensorPrimitives.Round(n, MidpointRounding.ToEven, n);
    }
}

/// <summary>Stochastic rounding of the pulse count: n = ⌊r + u⌋, u uniform, so E[n] = r = ΔW / Δw_min.</summary>
internal sealed class StochasticPulses : ProgrammingStrategy
{
    public override string Name => "pulse-stochastic";

    public override void Plan(ReadOnlySpan<float> requested, int start, float nominal, float width, Span<float> pulses, Span<float> widths, ChunkRandom random, Span<float> scratch)
    {
        var u = scratch[..requested.Length];
        var n = pulses[..requested.Length];
        random.FillUniform(u);
        TensorPrimitives.Divide(requested, nominal, n);
        TensorPrimitives.Add(n, u, n);
        TensorPrimitives.Floor(n, n);
    }
}
