using System.Numerics;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;
using OnChip.Devices;

namespace OnChip.Synapses;

/// <summary>The rounds of a chunk's few pulsed devices, gathered (see <see cref="PulseScheduler"/>).</summary>
internal sealed partial class PulseScheduler
{
    /// <summary>
    /// The remaining rounds on the <paramref name="active"/> devices with pulses left: gathers them (state, width,
    /// per-device parameters) sorted by decreasing pulse count, fires round r on the prefix still pulsed, scatters back.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private void FireGathered(ReadOnlySpan<float> pulses, ReadOnlySpan<float> widths, int start, int active, int rounds,
        DeviceScratch s, ref long up, ref long down)
    {
        int n = pulses.Length;
        var index = s.Index.AsSpan(0, active);
        var counts = s.Counts.AsSpan(0, active);
        int most = 0, found = 0, i = 0;
        ref float p = ref MemoryMarshal.GetReference(pulses);
        for (; i <= n - 16; i += 16)
        {
            ulong lanes = (~Vector512.Equals(Vector512.LoadUnsafe(ref p, (nuint)i), Vector512<float>.Zero)).ExtractMostSignificantBits();
            for (; lanes != 0; lanes &= lanes - 1)
            {
                int k = i + BitOperations.TrailingZeroCount(lanes);
                int c = (int)MathF.Abs(Unsafe.Add(ref p, k));
                index[found] = k;
                counts[found++] = c;
                most = Math.Max(most, c);
            }
        }
        for (; i < n; i++)
        {
            float v = Unsafe.Add(ref p, i);
            if (v == 0f) continue;
            int c = (int)MathF.Abs(v);
            index[found] = i;
            counts[found++] = c;
            most = Math.Max(most, c);
        }
        // Order by decreasing count (none needed when every count is 1): a counting sort when counts are small, a
        // general sort otherwise. order[j] = which found device goes to slot j.
        var order = s.Order.AsSpan(0, active);
        if (most == 1)
        {
            for (int j = 0; j < active; j++) order[j] = j;
        }
        else if (most < s.Histogram.Length)
        {
            var bins = s.Histogram.AsSpan(0, most + 1);
            bins.Clear();
            foreach (int c in counts) bins[c]++;
            int position = 0;   // then the slot where the devices with count c start, from the largest count down
            for (int c = most; c >= 1; c--)
            {
                int h = bins[c];
                bins[c] = position;
                position += h;
            }
            for (int j = 0; j < active; j++) order[bins[counts[j]]++] = j;
        }
        else
        {
            var keys = s.Keys.AsSpan(0, active);
            for (int j = 0; j < active; j++)
            {
                keys[j] = -counts[j];
                order[j] = j;
            }
            keys.Sort(order);
        }
        var g = s.GatheredPlus.AsSpan(0, active);
        var gm = s.GatheredMinus.AsSpan(0, active);
        var direction = s.GatheredDirection.AsSpan(0, active);
        var width = s.GatheredWidth.AsSpan(0, active);
        var sorted = s.Sorted.AsSpan(0, active);   // chunk index of each slot
        var slotCount = s.Keys.AsSpan(0, active);  // pulse count of each slot (decreasing)
        long risingPulses = 0, allPulses = 0;
        for (int j = 0; j < active; j++)
        {
            int k = order[j];
            int c = counts[k];
            i = index[k];
            sorted[j] = i;
            slotCount[j] = c;
            float sign = pulses[i] > 0 ? 1f : -1f;
            direction[j] = sign;
            width[j] = widths[i];
            allPulses += c;
            if (sign > 0) risingPulses += c;
        }
        var (plus, minus) = (_state.Plus, _state.Minus);
        GatherOne(plus, g, sorted, start);
        if (minus is not null) GatherOne(minus, gm, sorted, start);
        if (_state.PlusUniform is null)
        {
            GatherDevices(_state.PlusDevices, s.PlusDevices, sorted, start);
            if (_state.MinusDevices is not null) GatherDevices(_state.MinusDevices, s.MinusDevices, sorted, start);
        }
        var (plusSlots, minusSlots) = _state.PlusUniform is null ? (s.PlusDevices, s.MinusDevices) : (_state.PlusUniform, _state.MinusUniform);
        _mapping.Tally(allPulses, risingPulses, ref up, ref down);
        // Round r (0-based among the gathered rounds) pulses the devices with more than r pulses left: a prefix.
        for (int r = 0, j = active; r < rounds; r++)
        {
            while (j > 0 && slotCount[j - 1] <= r) j--;
            if (j == 0) break;
            FireRound(g[..j], minus is null ? default : gm[..j], direction[..j], width[..j], plusSlots, minusSlots, 0, s);
        }
        for (int j = 0; j < active; j++) plus[start + sorted[j]] = g[j];
        if (minus is not null)
            for (int j = 0; j < active; j++) minus[start + sorted[j]] = gm[j];
    }

    /// <summary>Copies the per-device parameters of the devices <paramref name="sorted"/> (chunk indices) into slots.</summary>
    private static void GatherDevices(DevicePopulation devices, DevicePopulation slots, ReadOnlySpan<int> sorted, int start)
    {
        GatherOne(devices.ScaleUp, slots.ScaleUp, sorted, start);
        GatherOne(devices.ScaleDown, slots.ScaleDown, sorted, start);
        GatherOne(devices.Min, slots.Min, sorted, start);
        GatherOne(devices.Max, slots.Max, sorted, start);
        GatherOne(devices.SlopeUp, slots.SlopeUp, sorted, start);
        GatherOne(devices.SlopeDown, slots.SlopeDown, sorted, start);
    }

    private static void GatherOne(float[] from, Span<float> to, ReadOnlySpan<int> sorted, int start)
    {
        var source = from.AsSpan(start);
        for (int j = 0; j < sorted.Length; j++) to[j] = source[sorted[j]];
    }
}
