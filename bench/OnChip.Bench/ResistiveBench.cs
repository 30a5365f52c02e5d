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
/// <c>resistive [--epochs 4] [--threads N] [--stages true] [--batches 1000] [--cpu true] [--against-ideal true] [any train option]</c>.
/// Prints seconds of training per epoch on full Fashion-MNIST (median after the first epoch), or with <c>--stages true</c>
/// the median microseconds per batch of each stage of a training step (real batches of the training set in a shuffled
/// order); with <c>--against-ideal true</c> (and a --device) a second network on ideal storage takes turns with the
/// device one, 20 batches each, and the device/ideal ratio of their totals is summarised over the pairs of turns.
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
        bool stages = false, cpu = false, againstIdeal = false;
        int batches = 1000;
        var rest = new List<string>();
        for (int i = 0; i + 1 < args.Length; i += 2)
        {
            if (args[i] == "--stages") stages = bool.Parse(args[i + 1]);
            else if (args[i] == "--batches") batches = int.Parse(args[i + 1]);
            else if (args[i] == "--cpu") cpu = bool.Parse(args[i + 1]);
            else if (args[i] == "--against-ideal") againstIdeal = bool.Parse(args[i + 1]);
            else rest.AddRange([args[i], args[i + 1]]);
        }
        TrainingBenchSetup.Apply(config, rest);
        config.Validate();
        if (stages)
        {
            if (cpu && config.Threads != 1) throw new ArgumentException("--cpu true times the calling thread: use --threads 1");
            Stages(config, batches, cpu, againstIdeal);
            return;
        }
        TrainingBenchSetup.TrainEpochs("resistive", config);
    }

    private static void Stages(TrainingConfig config, int batches, bool cpu, bool againstIdeal)
    {
        using var pool = new WorkerPool(config.Threads);
        var train = TrainingBenchSetup.Data(config).Train;
        var runs = new List<StageRun> { new(config, train, pool, ideal: false) };
        if (againstIdeal) runs.Add(new(config, train, pool, ideal: true));
        string[] names = ["static drive + curvature", $"free phase ({config.T1} sweeps)", $"nudged phases (2 × {config.T2})", "EP estimate (ΔG)", $"optimizer ({config.Optim}) + storage"];
        var samples = runs.Select(_ => names.Select(_ => new List<double>()).ToArray()).ToArray();
        var totals = runs.Select(_ => new List<double>()).ToArray();
        var clock = cpu ? (IStageClock)new ThreadCpuClock() : new WallClock();
        const int block = 20;
        if (batches < 2 * block) throw new ArgumentException($"--batches: at least {2 * block} (blocks of {block}, the first quarter a warm-up)");
        for (int done = 0; done < batches; done += block)
            for (int r = 0; r < runs.Count; r++)
            {
                // With --against-ideal the two networks take turns, a block each: a change in machine load hits both.
                var sums = runs[r].Block(block, clock, config);
                if (done < batches / 4) continue;
                for (int s = 0; s < names.Length; s++) samples[r][s].Add(sums[s] / block);
                totals[r].Add(sums.Sum() / block);
            }
        for (int r = 0; r < runs.Count; r++)
        {
            Console.WriteLine($"resistive stages: {config.NetworkText}, batch {config.Batch}, {config.Threads} threads, storage {runs[r].Storage}; median {(cpu ? "thread CPU " : "")}µs per batch over blocks of {block}");
            double total = 0;
            for (int s = 0; s < names.Length; s++)
            {
                var sorted = samples[r][s].Order().ToArray();
                double median = sorted[sorted.Length / 2];
                total += median;
                Console.WriteLine($"  {names[s],-28} {median,9:F1} µs   (min {sorted[0]:F1}, max {sorted[^1]:F1})");
            }
            Console.WriteLine($"  {"total",-28} {total,9:F1} µs  → {total * 60000 / config.Batch / 1e6:F2} s per 60,000-example epoch");
        }
        if (!againstIdeal) return;
        var ratios = totals[0].Zip(totals[1], (device, ideal) => device / ideal).Order().ToArray();
        Console.WriteLine($"{runs[0].Storage} / ideal, per pair of blocks: median {ratios[ratios.Length / 2]:F3}x (quartiles {ratios[ratios.Length / 4]:F3}-{ratios[3 * ratios.Length / 4]:F3}, {ratios.Length} pairs)");
    }

    /// <summary>A network, its optimizer and storage, and its place in the shuffled training set, timed stage by stage.</summary>
    private sealed class StageRun
    {
        private readonly BatchContext _batch;
        private readonly Optimizer _optimizer;
        private readonly OnChip.Data.Dataset _train;
        private readonly int[] _order;
        private readonly WorkerPool _pool;
        private int _next;

        public StageRun(TrainingConfig config, OnChip.Data.Dataset train, WorkerPool pool, bool ideal)
        {
            var network = ResistiveNetwork.Create(config.ArchiSizes, ResistiveFamily.GainOf(config));
            new ResistiveFamily().ApplySchedules(network, config);
            network.Initialize(new Rng(0));
            _batch = new BatchContext(network, config.Batch, pool) { Count = config.Batch, WarmStart = true };
            // Real training batches in a shuffled order: a device's pulses depend on the gradients of real data (one
            // repeated batch is soon learned, and its shrinking gradient would make programming look cheap).
            (_train, _pool) = (train, pool);
            _order = Enumerable.Range(0, train.Count).ToArray();
            new Rng(1).Shuffle(_order);
            var devices = ideal ? [] : OnChip.Synapses.DeviceSetup.Attach(network.Parameters, config.Devices, config.Seed);
            Storage = devices.Count == 0 ? "ideal" : devices[0].Kind;
            _optimizer = Optimizer.Create(config.Optim, network.Parameters, config.LearningRates(network.GroupCount), config.Momentum, config.Wd);
        }

        public string Storage { get; }

        /// <summary>Microseconds of each stage summed over <paramref name="count"/> training steps.</summary>
        public double[] Block(int count, IStageClock clock, TrainingConfig config)
        {
            var sums = new double[5];
            int size = config.Batch;
            for (int b = 0; b < count; b++)
            {
                if (_next + size > _order.Length) _next = 0;
                OnChip.Training.BatchLoader.Load(_batch, _train, _order.AsSpan(_next, size));
                _next += size;
                clock.Restart();
                _batch.Relaxation.PrepareStaticDrive(_batch.Free, size, _pool);
                sums[0] += clock.Elapsed;
                clock.Restart();
                _batch.Relaxation.Relax(_batch.Free, null, 0f, config.T1, size, _pool);
                sums[1] += clock.Elapsed;
                clock.Restart();
                _batch.RunNudgedPhase(_batch.Nudged, config.Beta, config.T2);
                _batch.RunNudgedPhase(_batch.Opposite, -config.Beta, config.T2);
                sums[2] += clock.Elapsed;
                clock.Restart();
                EnergyGradient.Compute(_batch, _batch.Nudged, config.Beta, _batch.Opposite, -config.Beta);
                sums[3] += clock.Elapsed;
                clock.Restart();
                _optimizer.Step(_pool);
                sums[4] += clock.Elapsed;
            }
            return sums;
        }
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
