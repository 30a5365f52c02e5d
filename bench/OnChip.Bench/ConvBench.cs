using System.Diagnostics;
using OnChip.Configuration;
using OnChip.Data;
using OnChip.Learning;
using OnChip.Networks;
using OnChip.Networks.Convolution;
using OnChip.Optimizers;
using OnChip.Parallelism;
using OnChip.Randomness;
using OnChip.Training;

namespace OnChip.Bench;

/// <summary>
/// Seconds of conv-net training per 1,000 examples (the reference PyTorch configuration: Fashion-MNIST,
/// channels 32-64, kernels 5-5, max pools, CE readout, T1 = 200, T2 = 10, batch 100) and the speed of one
/// relaxation step in GFLOP/s. Usage: <c>conv [--rule ep-symmetric] [--threads N] [--reps 3] [--examples 1000]
/// [--update-order sync|async] [--model model.onchip] [any conv option: --channels --kernels --pools --paddings --fc --t1 --t2 --batch --data]</c>.
/// </summary>
public static class ConvBench
{
    public static void Run(string[] args)
    {
        // The reference PyTorch configuration, every setting it reads pinned (--model conv's own defaults are the 91% recipe).
        var config = new TrainingConfig
        {
            Model = "conv", Loss = "ce", Act = "mysig", Rule = "ep-symmetric", Beta = 0.1f, Schedule = "sync", T1 = 200, T2 = 10, Batch = 100, Lr = [5e-4f], Data = "embedded",
        };
        int reps = 3, examples = 1000;
        string? modelPath = null;
        for (int i = 0; i + 1 < args.Length; i += 2)
        {
            string key = args[i].TrimStart('-');
            if (key == "reps") reps = int.Parse(args[i + 1]);
            else if (key == "examples") examples = int.Parse(args[i + 1]);
            else if (key == "model") modelPath = args[i + 1];
            else TrainingConfig.Keys.First(k => k.Name == key).Set(config, args[i + 1]);
        }
        config.Validate();
        var data = DatasetLoader.Load(config.Data).Train;
        using var pool = new WorkerPool(config.Threads);
        // --model: start from trained weights (convergence is slower in a trained net than at initialisation)
        var network = modelPath is null ? HopfieldNetwork.Create(config.NetworkSpecFor(data)) : Persistence.ModelFile.Load(modelPath).Network;
        network.Schedule = Dynamics.Schedules.Parse(config.Schedule ?? "sync");
        if (modelPath is null) network.Initialize(Rng.ForStream(config.Seed, "init"));
        var rule = LearningRules.Create(config.Rule, network, config.Phases, Rng.ForStream(config.Seed, "rule"));
        var batch = new BatchContext(network, config.Batch, pool) { Count = config.Batch };
        var optimizer = Optimizer.Create("adam", network.Parameters, config.LearningRates(network.GroupCount), 0f, 0f);
        int batches = (examples + config.Batch - 1) / config.Batch;

        // FLOPs of one relaxation step per example: every conv layer above the input is convolved forward (drive up)
        // and transposed (drive down); the input layer's convolution is constant and done once per relaxation.
        var convs = network.Interactions.OfType<ConvInteraction>().ToArray();
        double stepFlops = 0;
        foreach (var c in convs) if (c.Lower > 0) stepFlops += 2 * 2.0 * c.Geometry.MultiplyAdds;
        for (int g = convs.Length; g + 1 < network.LayerCount; g++)
        {
            var w = network.Parameter($"W{g}").Value;
            stepFlops += 2 * 2.0 * w.Rows * w.Cols;
        }
        Console.WriteLine($"conv bench: {config.NetworkText} {config.Act} {config.Loss}, {config.Rule}, {(config.Schedule ?? "sync")}, T1 = {config.T1}, T2 = {config.T2}, batch {config.Batch}, " +
                          $"{config.Threads} threads, {batches} batches per repetition, {data.Name}");
        Console.WriteLine($"  FLOPs per relaxation step and example: {stepFlops / 1e6:F2} M (conv layers above the input: forward + transpose; fc layers)");

        var train = new List<double>();
        var relax = new List<double>();
        var clock = new Stopwatch();
        int[] order = Enumerable.Range(0, data.Count).ToArray();
        for (int rep = -1; rep < reps; rep++)
        {
            int reps1 = rep < 0 ? 1 : batches;  // one warm-up batch
            clock.Restart();
            for (int b = 0; b < reps1; b++)
            {
                BatchLoader.Load(batch, data, order.AsSpan((b * config.Batch) % (data.Count - config.Batch), config.Batch));
                rule.TrainBatch(batch, optimizer);
            }
            double seconds = clock.Elapsed.TotalSeconds;
            if (rep < 0) continue;
            train.Add(seconds * 1000.0 / (reps1 * config.Batch));
            clock.Restart();
            batch.RunFreePhase(config.T1);
            relax.Add(clock.Elapsed.TotalSeconds / config.T1);
        }
        double perThousand = Median(train), perStep = Median(relax);
        double gflops = stepFlops * config.Batch / perStep / 1e9;
        Console.WriteLine($"  training: {perThousand:F2} s per 1,000 examples (median of {reps}; all: {string.Join(", ", train.Select(t => t.ToString("F2")))})");
        Console.WriteLine($"  one free-phase step of the batch: {perStep * 1e3:F2} ms → {gflops:F1} GFLOP/s");

        // Cost of a step in each update order, measured alternately so that load changes hit both alike.
        var stepTimes = new[] { new List<double>(), new List<double>() };
        var configured = network.Schedule;
        for (int rep = 0; rep < 2 * reps; rep++)
            foreach (var dynamics in new[] { Dynamics.Schedule.Synchronous, Dynamics.Schedule.Alternating })
            {
                network.Schedule = dynamics;
                clock.Restart();
                batch.RunFreePhase(50);
                stepTimes[(int)dynamics].Add(clock.Elapsed.TotalSeconds / 50);
            }
        network.Schedule = configured;
        Console.WriteLine($"  one step of the batch, measured alternately: sync {Median(stepTimes[0]) * 1e3:F2} ms, async {Median(stepTimes[1]) * 1e3:F2} ms");

        // Steps to convergence of the free phase, for both update orders, on the network as trained above.
        foreach (var dynamics in new[] { Dynamics.Schedule.Synchronous, Dynamics.Schedule.Alternating })
        {
            network.Schedule = dynamics;
            var residuals = Residuals(batch, 400);
            string Steps(double tol) { int i = Array.FindIndex(residuals, r => r < tol); return i < 0 ? "> 400" : (i + 1).ToString(); }
            Console.WriteLine($"  {Dynamics.Schedules.Name(dynamics),-5} steps until max|s^t − s^(t−1)| < 1e-2: {Steps(1e-2)}, < 1e-3: {Steps(1e-3)}, < 1e-4: {Steps(1e-4)} (residual after 400: {residuals[^1]:E1})");
        }
    }

    /// <summary>max |s^t − s^(t−1)| over the batch after each of <paramref name="steps"/> free steps from s = 0.</summary>
    private static double[] Residuals(BatchContext batch, int steps)
    {
        var state = batch.Free;
        batch.Relaxation.PrepareStaticDrive(state, batch.Count, batch.Pool);
        state.ClearRows(0, batch.Count);
        var previous = state.Layers.Select(m => m.Clone()).ToArray();
        var result = new double[steps];
        for (int t = 0; t < steps; t++)
        {
            batch.Relaxation.Relax(state, null, 0f, 1, batch.Count, batch.Pool);
            double r = 0;
            for (int l = 1; l < state.Layers.Length; l++)
            {
                var now = state[l].Data;
                var before = previous[l].Data;
                for (int i = 0; i < batch.Count * state[l].Cols; i++) r = Math.Max(r, Math.Abs(now[i] - before[i]));
                Array.Copy(now, before, now.Length);
            }
            result[t] = r;
        }
        return result;
    }

    private static double Median(List<double> values)
    {
        var sorted = values.Order().ToArray();
        return sorted[sorted.Length / 2];
    }
}
