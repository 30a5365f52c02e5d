using System.Globalization;
using System.Text;
using OnChip.Randomness;

namespace OnChip.Devices;

/// <summary>
/// The conductance-versus-pulse curve of a device model: from the lower bound, <c>pulses</c> potentiation pulses
/// then as many depression pulses, for several devices (so the device-to-device spread shows), with the model's
/// cycle-to-cycle noise.
/// </summary>
internal static class ResponseCurve
{
    /// <summary>states[device][k]: the state after k pulses (k = 0 … 2·pulses).</summary>
    public static float[][] Measure(DeviceModel model, int pulses, int devices, float width, ulong seed)
    {
        var rng = new Rng(seed);
        var population = model.Populate(devices, rng);
        var random = new ChunkRandom();
        random.Reseed(seed);
        var state = new float[devices];
        for (int d = 0; d < devices; d++) state[d] = population.Min[d];
        var direction = new float[devices];
        var widths = Enumerable.Repeat(width, devices).ToArray();
        var noise = new float[devices];
        var a = new float[devices];
        var b = new float[devices];
        var result = Enumerable.Range(0, devices).Select(_ => new float[2 * pulses + 1]).ToArray();
        for (int d = 0; d < devices; d++) result[d][0] = state[d];
        for (int k = 1; k <= 2 * pulses; k++)
        {
            Array.Fill(direction, k <= pulses ? 1f : -1f);
            if (model.Spec.C2c > 0) random.FillGaussian(noise);
            model.Pulse(state, direction, widths, population, 0, model.Spec.C2c > 0 ? noise : Span<float>.Empty, a, b);
            for (int d = 0; d < devices; d++) result[d][k] = state[d];
        }
        return result;
    }

    /// <summary>CSV with columns device,pulse,conductance.</summary>
    public static string Csv(float[][] states)
    {
        var sb = new StringBuilder("device,pulse,conductance\n");
        for (int d = 0; d < states.Length; d++)
            for (int k = 0; k < states[d].Length; k++)
                sb.Append(d).Append(',').Append(k).Append(',').Append(states[d][k].ToString("G7", CultureInfo.InvariantCulture)).Append('\n');
        return sb.ToString();
    }
}
