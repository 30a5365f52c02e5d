using System.Diagnostics;
using OnChip.Devices;
using OnChip.Devices.Programming;
using OnChip.Randomness;
using OnChip.Synapses;

namespace OnChip.Bench;

/// <summary>
/// Nanoseconds per weight per update of one synapse array (single thread), for iterating on the device path without
/// a whole training run. A 784×512 array gets requests with a heavy-tailed size (most below one nominal pulse, as in
/// EP training: about one weight in eight gets a pulse). Usage:
/// <c>synapses [--device ecram] [--programming pulse-train] [--updates 200] [--pulses 0.15] [--shape 784x512] [--conductance false]</c>
/// (--pulses: the typical request in nominal pulses; --shape: the array; --conductance: one device per value mapped onto
/// [0, range], as a resistive network's conductances). Prints the median over blocks of 20 updates, and ideal storage for comparison.
/// </summary>
public static class SynapseBench
{
    public static void Run(string[] args)
    {
        string device = "ecram", programming = "pulse-train";
        int updates = 200;
        float typical = 0.15f;
        int count = 784 * 512;
        bool conductance = false;
        for (int i = 0; i + 1 < args.Length; i += 2)
        {
            switch (args[i])
            {
                case "--device": device = args[i + 1]; break;
                case "--programming": programming = args[i + 1]; break;
                case "--updates": updates = int.Parse(args[i + 1]); break;
                case "--pulses": typical = float.Parse(args[i + 1], System.Globalization.CultureInfo.InvariantCulture); break;
                case "--shape": count = args[i + 1].Split('x').Select(int.Parse).Aggregate(1, (a, b) => a * b); break;
                case "--conductance": conductance = bool.Parse(args[i + 1]); break;
                default: throw new ArgumentException($"unknown option {args[i]}");
            }
        }
        var rng = new Rng(7);
        var initial = new float[count];
        for (int i = 0; i < count; i++) initial[i] = conductance ? Math.Max(0f, 0.05f * (float)rng.NextGaussian()) : 0.05f * (float)rng.NextGaussian();
        var spec = DevicePresets.Get(device);
        var array = new DeviceArray("W", DeviceModel.Create(spec), ProgrammingStrategy.Create(programming, new ProgrammingOptions()),
            4f * initial.Max(MathF.Abs), spec.PulseWidth, initial, seed: 11, conductance);
        var weights = new float[count];
        array.ReadAll(weights);
        const int variants = 8;
        var requests = new float[variants][];
        for (int v = 0; v < variants; v++)
        {
            requests[v] = new float[count];
            for (int i = 0; i < count; i++)
                requests[v][i] = array.NominalChange * typical * (float)(rng.NextGaussian() * Math.Exp(1.2 * rng.NextGaussian()));
        }
        double Time(ISynapseArray storage, float[] w)
        {
            var samples = new List<double>();
            var clock = new Stopwatch();
            for (int done = 0; done < updates; done += 20)
            {
                clock.Restart();
                for (int u = 0; u < 20; u++)
                {
                    storage.BeginUpdate();
                    var r = requests[(done + u) % variants];
                    for (int start = 0; start < count; start += ISynapseArray.UpdateChunk)
                        storage.Apply(w, r.AsSpan(start, Math.Min(ISynapseArray.UpdateChunk, count - start)), start);
                }
                if (done > 0) samples.Add(clock.Elapsed.TotalNanoseconds / 20 / count);
            }
            samples.Sort();
            return samples[samples.Count / 2];
        }
        double ideal = Time(IdealSynapses.Instance, (float[])initial.Clone());
        long before = array.PulsesUp + array.PulsesDown;
        double dev = Time(array, weights);
        double pulses = (array.PulsesUp + array.PulsesDown - before) / (double)updates / count;
        Console.WriteLine($"synapse bench: {device}/{programming}{(conductance ? " (conductances)" : "")}, {count} values, typical request {typical} pulses, {pulses:F3} pulses per weight per update");
        Console.WriteLine($"  ideal  {ideal,8:F2} ns per weight per update");
        Console.WriteLine($"  device {dev,8:F2} ns per weight per update");
    }
}
