using System.Diagnostics;
using OnChip.Learning;
using OnChip.Networks;
using OnChip.Optimizers;
using OnChip.Parallelism;
using OnChip.Randomness;

namespace OnChip.Bench;

/// <summary>
/// Where one EP training step spends its time, stage by stage, on random inputs of the reference shape
/// (784-512-10, batch 50, T1 = 30, T2 = 10). Usage: <c>phases [--threads N] [--batches 2000] [--archi 784-512-10] [--batch 50]</c>.
/// Prints the median microseconds per batch of each stage over repeated blocks.
/// </summary>
public static class PhaseBench
{
    public static void Run(string[] args)
    {
        int threads = Environment.ProcessorCount, batches = 2000, batchSize = 50;
        string archi = "784-512-10";
        for (int i = 0; i + 1 < args.Length; i += 2)
        {
            switch (args[i])
            {
                case "--threads": threads = int.Parse(args[i + 1]); break;
                case "--batches": batches = int.Parse(args[i + 1]); break;
                case "--archi": archi = args[i + 1]; break;
                case "--batch": batchSize = int.Parse(args[i + 1]); break;
                default: throw new ArgumentException($"unknown option {args[i]}");
            }
        }
        using var pool = new WorkerPool(threads);
        var network = HopfieldNetwork.Create(new NetworkSpec(NetworkSpec.ParseArchi(archi), "mysig", "mse"));
        network.Initialize(new Rng(0));
        var batch = new BatchContext(network, batchSize, pool) { Count = batchSize };
        var rng = new Rng(1);
        rng.FillUniform(batch.Input.Span, 0f, 1f);
        for (int r = 0; r < batchSize; r++) batch.Targets[r, rng.NextInt(network.ClassCount)] = 1f;
        var optimizer = new Adam(network.Parameters, Enumerable.Repeat(5e-4f, network.GroupCount).ToArray(), 0f);

        string[] stages = ["static drive (W0·x)", "free phase (30 steps)", "nudged phase (10 steps)", "EP estimate (ΔW)", "optimizer (Adam)"];
        var samples = stages.Select(_ => new List<double>()).ToArray();
        var clock = new Stopwatch();
        const int block = 100;
        for (int done = 0; done < batches; done += block)
        {
            var sums = new double[stages.Length];
            for (int b = 0; b < block; b++)
            {
                clock.Restart();
                batch.Relaxation.PrepareStaticDrive(batch.Free, batchSize, pool);
                sums[0] += clock.Elapsed.TotalMicroseconds;
                clock.Restart();
                batch.Free.ClearRows(0, batchSize);
                batch.Relaxation.Relax(batch.Free, null, 0f, 30, batchSize, pool);
                sums[1] += clock.Elapsed.TotalMicroseconds;
                clock.Restart();
                batch.RunNudgedPhase(batch.Nudged, 0.1f, 10);
                sums[2] += clock.Elapsed.TotalMicroseconds;
                clock.Restart();
                        EnergyGradient.Compute(batch, batch.Nudged, 0.1f, batch.Free, 0f);
                sums[3] += clock.Elapsed.TotalMicroseconds;
                clock.Restart();
                optimizer.Step(pool);
                sums[4] += clock.Elapsed.TotalMicroseconds;
            }
            if (done >= batches / 4) // skip warm-up blocks
                for (int s = 0; s < stages.Length; s++) samples[s].Add(sums[s] / block);
        }
        Console.WriteLine($"phase bench: {archi}, batch {batchSize}, {threads} threads; median µs per batch over blocks of {block}");
        double total = 0;
        for (int s = 0; s < stages.Length; s++)
        {
            var sorted = samples[s].Order().ToArray();
            double median = sorted[sorted.Length / 2];
            total += median;
            Console.WriteLine($"  {stages[s],-26} {median,9:F1} µs   (min {sorted[0]:F1}, max {sorted[^1]:F1})");
        }
        Console.WriteLine($"  {"total",-26} {total,9:F1} µs  → {total * 60000 / batchSize / 1e6:F2} s per 60,000-example epoch");
    }
}
