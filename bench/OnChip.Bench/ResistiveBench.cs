using System.Diagnostics;
using System.Runtime.InteropServices;
using OnChip.Configuration;
using OnChip.Learning;
using OnChip.Optimizers;
using OnChip.Parallelism;
using OnChip.Randomness;
using OnChip.Resistive;

namespace OnChip.Bench;

/// <summary>
/// Deep resistive networks with the published DRN-1H Fashion-MNIST protocol (784-1024-10, input gain 300, 4 forward
/// sweeps free, 4 backward sweeps nudged, centred EP β = 0.5, SGD 0.005 momentum 0.9, batch 32). Usage:
/// <c>resistive [--epochs 4] [--threads N] [--stages true] [--batches 1000] [--cpu true] [any train option]</c>. Prints seconds of
/// training per epoch on full Fashion-MNIST (median after the first epoch), or with <c>--stages true</c> the median
/// microseconds per batch of each stage of a training step (real batches of the training set in a shuffled order).
/// </summary>
public static class ResistiveBench
{
    public static void Run(string[] args)
    {
        var config = new TrainingConfig
        {
            Data = "fashion-mnist", Model = "resistive", Archi = "784-1024-10", InputGain = 300f, T1 = 4, T2 = 4, Rule = "ep-symmetric",
            Beta = 0.5f, Optim = "sgd", Momentum = 0.9f, Lr = [0.005f], LrDecay = 0.99f, Batch = 32, Epochs = 4, TestLimit = 1000,
        };
        bool stages = false, cpu = false;
        int batches = 1000;
        var rest = new List<string>();
        for (int i = 0; i + 1 < args.Length; i += 2)
        {
            if (args[i] == "--stages") stages = bool.Parse(args[i + 1]);
            else if (args[i] == "--batches") batches = int.Parse(args[i + 1]);
            else if (args[i] == "--cpu") cpu = bool.Parse(args[i + 1]);
            else rest.AddRange([args[i], args[i + 1]]);
        }
        TrainingBenchSetup.Apply(config, rest);
        config.Validate();
        if (stages)
        {
            if (cpu && config.Threads != 1) throw new ArgumentException("--cpu true times the calling thread: use --threads 1");
            Stages(config, batches, cpu);
            return;
        }
        TrainingBenchSetup.TrainEpochs("resistive", config);
    }

    private static void Stages(TrainingConfig config, int batches, bool cpu)
    {
        using var pool = new WorkerPool(config.Threads);
        var network = ResistiveNetwork.Create(config.ArchiSizes, ResistiveFamily.GainOf(config));
        new ResistiveFamily().ApplySchedules(network, config);
        network.Initialize(new Rng(0));
        int size = config.Batch;
        var batch = new BatchContext(network, size, pool) { Count = size, WarmStart = true };
        // Real training batches in a shuffled order: a device's pulses depend on the gradients of real data (one
        // repeated batch is soon learned, and its shrinking gradient would make programming look cheap).
        var train = TrainingBenchSetup.Data(config).Train;
        var order = Enumerable.Range(0, train.Count).ToArray();
        new Rng(1).Shuffle(order);
        int next = 0;
        var devices = OnChip.Synapses.DeviceSetup.Attach(network.Parameters, config.Devices, config.Seed);
        var optimizer = Optimizer.Create(config.Optim, network.Parameters, config.LearningRates(network.GroupCount), config.Momentum, config.Wd);
        string[] names = ["static drive + curvature", $"free phase ({config.T1} sweeps)", $"nudged phases (2 × {config.T2})", "EP estimate (ΔG)", $"optimizer ({config.Optim}) + storage"];
        var samples = names.Select(_ => new List<double>()).ToArray();
        var clock = cpu ? (IStageClock)new ThreadCpuClock() : new WallClock();
        const int block = 50;
        for (int done = 0; done < batches; done += block)
        {
            var sums = new double[names.Length];
            for (int b = 0; b < block; b++)
            {
                if (next + size > order.Length) next = 0;
                OnChip.Training.BatchLoader.Load(batch, train, order.AsSpan(next, size));
                next += size;
                clock.Restart();
                batch.Relaxation.PrepareStaticDrive(batch.Free, size, pool);
                sums[0] += clock.Elapsed;
                clock.Restart();
                batch.Relaxation.Relax(batch.Free, null, 0f, config.T1, size, pool);
                sums[1] += clock.Elapsed;
                clock.Restart();
                batch.RunNudgedPhase(batch.Nudged, config.Beta, config.T2);
                batch.RunNudgedPhase(batch.Opposite, -config.Beta, config.T2);
                sums[2] += clock.Elapsed;
                clock.Restart();
                EnergyGradient.Compute(batch, batch.Nudged, config.Beta, batch.Opposite, -config.Beta);
                sums[3] += clock.Elapsed;
                clock.Restart();
                optimizer.Step(pool);
                sums[4] += clock.Elapsed;
            }
            if (done >= batches / 4)
                for (int s = 0; s < names.Length; s++) samples[s].Add(sums[s] / block);
        }
        Console.WriteLine($"resistive stages: {config.NetworkText}, batch {size}, {config.Threads} threads, storage {(devices.Count == 0 ? "ideal" : devices[0].Kind)}; median {(cpu ? "thread CPU " : "")}µs per batch over blocks of {block}");
        double total = 0;
        for (int s = 0; s < names.Length; s++)
        {
            var sorted = samples[s].Order().ToArray();
            double median = sorted[sorted.Length / 2];
            total += median;
            Console.WriteLine($"  {names[s],-28} {median,9:F1} µs   (min {sorted[0]:F1}, max {sorted[^1]:F1})");
        }
        Console.WriteLine($"  {"total",-28} {total,9:F1} µs  → {total * 60000 / size / 1e6:F2} s per 60,000-example epoch");
    }

    private interface IStageClock
    {
        void Restart();
        /// <summary>Microseconds since <see cref="Restart"/>.</summary>
        double Elapsed { get; }
    }

    private sealed class WallClock : IStageClock
    {
        private readonly Stopwatch _watch = new();
        public void Restart() => _watch.Restart();
        public double Elapsed => _watch.Elapsed.TotalMicroseconds;
    }

    /// <summary>
    /// CPU time of the calling thread (CLOCK_THREAD_CPUTIME_ID): with one thread every stage runs on it, and its CPU
    /// time does not count the time other processes of a busy machine hold the core (wall time does).
    /// </summary>
    private sealed class ThreadCpuClock : IStageClock
    {
        private double _start;
        public void Restart() => _start = Now();
        public double Elapsed => Now() - _start;

        private static double Now()
        {
            if (clock_gettime(3, out var t) != 0) throw new InvalidOperationException("clock_gettime(CLOCK_THREAD_CPUTIME_ID) failed");
            return t.Seconds * 1e6 + t.Nanoseconds / 1e3;
        }

        [StructLayout(LayoutKind.Sequential)]
        private struct TimeSpec
        {
            public long Seconds;
            public long Nanoseconds;
        }

        [DllImport("libc", SetLastError = false)]
        private static extern int clock_gettime(int clock, out TimeSpec time);
    }
}
