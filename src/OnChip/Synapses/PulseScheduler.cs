using System.Numerics;
using System.Numerics.Tensors;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;
using OnChip.Devices;

namespace OnChip.Synapses;

/// <summary>
/// Fires the pulses a programming strategy planned for a chunk, device by device, through the device model. Models
/// that fire whole trains (<see cref="DeviceModel.FiresTrains"/>) take every device's pulses in one pass
/// (<see cref="FireTrains"/>). Otherwise round by round: each round gives every device with pulses left one pulse
/// (devices are independent, so this is each device's own pulse sequence). The first round runs in place over the
/// chunk when many devices take part; the later rounds (or all of them, when few devices are pulsed at all) run on the
/// pulsed devices only, gathered in order of decreasing pulse count so that round r pulses a prefix of them: the cost
/// is one pass over the chunk plus the pulses, not a pass over the chunk per round (<see cref="FireGathered"/>).
/// Cycle-to-cycle noise: one draw per device of the span fired in a round (the whole chunk in the in-place round,
/// only the gathered devices later).
/// </summary>
internal sealed partial class PulseScheduler
{
    private readonly DeviceModel _model;
    private readonly WeightMapping _mapping;
    private readonly DeviceState _state;

    public PulseScheduler(DeviceModel model, WeightMapping mapping, DeviceState state, float pulseWidth)
    {
        (_model, _mapping, _state) = (model, mapping, state);
        MaxPulsesPerUpdate = (int)Math.Min(PulsedBlocks.MaxCount, Math.Ceiling(2 * model.Range / model.NominalStep(pulseWidth)) + 1);
    }

    /// <summary>The most pulses a device takes in one update: enough to cross the whole range (and a kernel's limit).</summary>
    public int MaxPulsesPerUpdate { get; }

    /// <summary>
    /// A chunk fires its first round in place when at least 1/DenseFraction of its devices are pulsed: streaming the
    /// chunk is cheaper than gathering even at ~10% density (synapse bench: pulse-stochastic 3.8 → 2.2 µs per chunk
    /// going from 1/4 to always in place), so only nearly idle chunks gather from the start.
    /// </summary>
    private const int DenseFraction = 32;

    /// <summary>
    /// Applies the signed pulse counts <paramref name="pulses"/>, clipped to <see cref="MaxPulsesPerUpdate"/>, with
    /// their widths to the devices of the chunk at <paramref name="start"/>; <paramref name="found"/> lists their whole
    /// blocks (<see cref="PulsedBlocks.ListClipped"/>), <paramref name="following"/> those of the chunk fired next (a
    /// hint for the cache). Returns the device pulses fired, potentiating and depressing.
    /// </summary>
    public (long Up, long Down) Fire(Span<float> pulses, ReadOnlySpan<float> widths, int start, DeviceScratch s, PulsedBlocks found,
        FollowingBlocks following = default)
    {
        if (_model.FiresTrains) return FireTrains(pulses, widths, start, s, found, following);
        int n = pulses.Length;
        var direction = s.Direction.AsSpan(0, n);
        int active = Directions(pulses, direction, MaxPulsesPerUpdate, out int rising);
        if (active == 0) return (0, 0);
        long up = 0, down = 0;
        int rounds = MaxPulsesPerUpdate;
        if (active >= n / DenseFraction)
        {
            var (plusDevices, minusDevices, offset) = _state.DevicesAt(start);
            var minus = _state.Minus;
            FireRound(_state.Plus.AsSpan(start, n), minus is null ? default : minus.AsSpan(start, n), direction, widths,
                plusDevices, minusDevices, offset, s);
            _mapping.Tally(active, rising, ref up, ref down);
            TensorPrimitives.Subtract(pulses, direction, pulses);
            rounds--;
            active = rounds > 0 ? Directions(pulses, direction, rounds, out _) : 0;
        }
        if (active > 0) FireGathered(pulses, widths, start, active, rounds, s, ref up, ref down);
        return (up, down);
    }

    /// <summary>
    /// Models that fire whole pulse trains (<see cref="DeviceModel.FiresTrains"/>): every device takes all its pulses
    /// in one pass over the chunk, 16 devices at a time, in registers; the model reports the pulses it fired. A single
    /// device or a pair (whose g⁻ takes the opposite counts: the same blocks) fires from the caller's lists; the sides
    /// of a one-sided pair differ, and each is listed anew.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private (long Up, long Down) FireTrains(Span<float> counts, ReadOnlySpan<float> widths, int start, DeviceScratch s, PulsedBlocks found,
        FollowingBlocks following)
    {
        int n = counts.Length;
        bool listed = _mapping.Pair != PairMode.OneSided;
        var (plusDevices, minusDevices, offset) = _state.DevicesAt(start);
        var opposite = s.Opposite.AsSpan(0, n);
        var plusCounts = _mapping.Side(counts, minusSide: false, opposite);
        var (pulses, rising) = listed
            ? _model.PulseTrains(_state.Plus.AsSpan(start, n), plusCounts, widths, plusDevices, offset, s.Random, n >= 16 ? found : null, following)
            : _model.PulseTrains(_state.Plus.AsSpan(start, n), plusCounts, widths, plusDevices, offset, s.Random);
        if (_mapping.Pair != PairMode.Single)
        {
            var minusCounts = _mapping.Side(counts, minusSide: true, opposite);
            var (minusPulses, _) = listed
                ? _model.PulseTrains(_state.Minus.AsSpan(start, n), minusCounts, widths, minusDevices!, offset, s.Random, n >= 16 ? found : null)
                : _model.PulseTrains(_state.Minus.AsSpan(start, n), minusCounts, widths, minusDevices!, offset, s.Random);
            if (_mapping.Pair == PairMode.OneSided) pulses += minusPulses;   // g⁺ took only the potentiating pulses, g⁻ the others
        }
        long up = 0, down = 0;
        _mapping.Tally(pulses, rising, ref up, ref down);
        return (up, down);
    }

    /// <summary>
    /// direction = sign(pulses) (vectorised), after clipping the counts to <paramref name="limit"/>; returns the number
    /// of devices with pulses and, in <paramref name="rising"/>, how many of them potentiate.
    /// </summary>
    private static int Directions(Span<float> pulses, Span<float> direction, int limit, out int rising)
    {
        int n = pulses.Length, active = 0, up = 0, i = 0;
        ref float p = ref MemoryMarshal.GetReference(pulses);
        ref float d = ref MemoryMarshal.GetReference(direction);
        var one = Vector512<float>.One;
        var max = Vector512.Create((float)limit);
        for (; i <= n - 16; i += 16)
        {
            var v = Vector512.MinNative(Vector512.MaxNative(Vector512.LoadUnsafe(ref p, (nuint)i), -max), max);
            v.StoreUnsafe(ref p, (nuint)i);
            var positive = Vector512.GreaterThan(v, Vector512<float>.Zero);
            var negative = Vector512.LessThan(v, Vector512<float>.Zero);
            (Vector512.ConditionalSelect(positive, one, Vector512<float>.Zero) - Vector512.ConditionalSelect(negative, one, Vector512<float>.Zero))
                .StoreUnsafe(ref d, (nuint)i);
            ulong plus = positive.ExtractMostSignificantBits(), minus = negative.ExtractMostSignificantBits();
            up += BitOperations.PopCount(plus);
            active += BitOperations.PopCount(plus | minus);
        }
        for (; i < n; i++)
        {
            float v = Math.Clamp(Unsafe.Add(ref p, i), -(float)limit, limit);
            Unsafe.Add(ref p, i) = v;
            float sign = v > 0f ? 1f : v < 0f ? -1f : 0f;
            Unsafe.Add(ref d, i) = sign;
            if (sign != 0f) active++;
            if (sign > 0f) up++;
        }
        rising = up;
        return active;
    }

    /// <summary>One pulse for every device of the spans whose direction is not zero (both devices of a pair).</summary>
    private void FireRound(Span<float> plus, Span<float> minus, ReadOnlySpan<float> direction, ReadOnlySpan<float> widths,
        DevicePopulation plusDevices, DevicePopulation? minusDevices, int offset, DeviceScratch s)
    {
        int n = plus.Length;
        var opposite = s.Opposite.AsSpan(0, n);
        var noise = s.Noise.AsSpan(0, n);
        bool noisy = _model.Spec.C2c > 0;
        var noiseOrEmpty = noisy ? noise : Span<float>.Empty;
        if (noisy) s.Random.FillGaussian(noise);
        _model.Pulse(plus, _mapping.Side(direction, minusSide: false, opposite), widths, plusDevices, offset, noiseOrEmpty, s.A, s.B);
        if (_mapping.Pair == PairMode.Single) return;
        var towardMinus = _mapping.Side(direction, minusSide: true, opposite);
        if (noisy) s.Random.FillGaussian(noise);
        _model.Pulse(minus, towardMinus, widths, minusDevices!, offset, noiseOrEmpty, s.A, s.B);
    }
}
