using System.Diagnostics;
using OnChip.Devices;
using OnChip.Randomness;

namespace OnChip.Bench;

/// <summary>
/// Nanoseconds per device of one <see cref="DeviceModel.PulseTrains"/> call on a cache-resident chunk of 1024 devices
/// (the device model's arithmetic alone, no memory traffic, no programming strategy). Every device gets a train of
/// --pulses pulses (alternating directions from device to device; 1 is what sign and rprop give), states drawn across
/// the range; --density pulses only that fraction of the devices, at random; --requests S takes the counts instead from
/// pulse-train programming (BL 31) of heavy-tailed requests of typically S pulses (--clustered true: shaped like an EP
/// update of a 784×512 layer, x·δᵀ, rows sharing an input's activity), as in training. Usage:
/// <c>pulse-kernel [--device ernoult-nonlinear] [--pulses 1] [--density 1] [--requests S] [--clustered false] [--stream M] [--patterns K] [--reps 20000]</c>.
/// --stream M gives the calls M chunks of state and parameters in turn (M = 400 is a 784×512 layer), streamed from
/// memory as in training, instead of one chunk that stays in cache. --patterns K cycles through K different sets of
/// counts: one set replayed call after call is learnt by the branch predictor, which training's fresh counts never
/// allow. Prints the median over blocks of calls, per device of the chunk.
/// </summary>
public static class PulseKernelBench
{
    public static void Run(string[] args)
    {
        string device = "ernoult-nonlinear";
        int pulses = 1, reps = 20000;
        double density = 1;
        int chunks = 1, patterns = 1;
        float? typical = null;
        bool clustered = false;
        for (int i = 0; i + 1 < args.Length; i += 2)
        {
            switch (args[i])
            {
                case "--device": device = args[i + 1]; break;
                case "--pulses": pulses = int.Parse(args[i + 1]); break;
                case "--reps": reps = int.Parse(args[i + 1]); break;
                case "--requests": typical = float.Parse(args[i + 1], System.Globalization.CultureInfo.InvariantCulture); break;
                case "--clustered": clustered = args[i + 1] == "true"; break;
                case "--stream": chunks = int.Parse(args[i + 1]); break;
                case "--patterns": patterns = int.Parse(args[i + 1]); break;
                case "--density": density = double.Parse(args[i + 1], System.Globalization.CultureInfo.InvariantCulture); break;
                default: throw new ArgumentException($"unknown option {args[i]}");
            }
        }
        const int n = 1024;
        var model = DeviceModel.Create(DevicePresets.Get(device));
        if (!model.FiresTrains) throw new ArgumentException($"device {device}: its model does not fire pulse trains");
        var population = model.Populate(n * chunks, new Rng(3));
        var rng = new Rng(5);
        var initial = new float[n];
        for (int i = 0; i < n; i++) initial[i] = model.Lower + model.Range * (0.1f + 0.8f * (float)rng.NextDouble());
        // Distinct sets of counts cycled through (--patterns): one set replayed is learnt by the branch predictor,
        // which training's fresh counts every update never allow.
        var countSets = Enumerable.Range(0, patterns).Select(set => Counts(n, pulses, density, typical, clustered, rng, (ulong)(9 + set))).ToArray();
        var widths = new float[n];
        widths.AsSpan().Fill(model.Spec.PulseWidth);
        var state = new float[n * chunks];
        for (int c = 0; c < chunks; c++) initial.CopyTo(state, c * n);
        var random = new ChunkRandom();
        var samples = new List<double>();
        var clock = new Stopwatch();
        const int block = 200;
        for (int done = 0; done < reps; done += block)
        {
            clock.Restart();
            for (int r = 0; r < block; r++)
            {
                // Alternate the directions' order so states stay inside the range over many calls.
                random.Reseed((ulong)(done + r));
                int offset = (done + r) % chunks * n;
                model.PulseTrains(state.AsSpan(offset, n), countSets[(done + r) % patterns], widths, population, offset, random);
                if (chunks == 1 && (done + r) % 64 == 63) initial.CopyTo(state, 0);
            }
            if (done > 0) samples.Add(clock.Elapsed.TotalNanoseconds / block / n);
        }
        samples.Sort();
        double pulsed = countSets.Average(counts => counts.Count(c => c != 0)) / n;
        Console.WriteLine($"pulse-kernel: {device} ({model.Spec.Model}), {pulses} pulse(s) for {pulsed:P0} of a chunk of {n} devices");
        double perDevice = countSets.Average(counts => counts.Sum(MathF.Abs)) / n;
        Console.WriteLine($"  {samples[samples.Count / 2]:F3} ns per device ({samples[samples.Count / 2] / perDevice:F3} ns per pulse, {perDevice:F3} pulses per device), min {samples[0]:F3}, max {samples[^1]:F3}");
    }

    /// <summary>One set of counts: ±pulses for a --density fraction of the devices, or pulse-train programming's counts for --requests.</summary>
    private static float[] Counts(int n, int pulses, double density, float? typical, bool clustered, Rng rng, ulong planSeed)
    {
        var counts = new float[n];
        for (int i = 0; i < n; i++) counts[i] = rng.NextDouble() >= density ? 0 : i % 2 == 0 ? pulses : -pulses;
        if (typical is not { } size) return counts;
        // Counts as pulse-train programming makes them from heavy-tailed requests (typically `size` pulses).
        var requests = new float[n];
        if (clustered)
        {
            // Like an EP update of a 784×512 layer, x·δᵀ: rows of 512 share an input's activity, columns an error.
            var rows = Enumerable.Range(0, n / 512 + 1).Select(_ => Math.Exp(1.2 * rng.NextGaussian())).ToArray();
            var columns = Enumerable.Range(0, 512).Select(_ => rng.NextGaussian()).ToArray();
            for (int i = 0; i < n; i++) requests[i] = size * (float)(rows[i / 512] * columns[i % 512]);
        }
        else
        {
            for (int i = 0; i < n; i++) requests[i] = size * (float)(rng.NextGaussian() * Math.Exp(1.2 * rng.NextGaussian()));
        }
        var planner = new OnChip.Devices.Programming.PulseTrain(31);
        planner.Attach(n);
        var planRandom = new ChunkRandom();
        planRandom.Reseed(planSeed);
        planner.Plan(requests, 0, 1f, 1f, counts, new float[n], planRandom, new float[n]);
        return counts;
    }
}
