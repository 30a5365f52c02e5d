using System.Diagnostics;
using OnChip.Parallelism;
using OnChip.Tensors;

namespace OnChip.Bench;

/// <summary>
/// GFLOP/s of <see cref="Gemm.Multiply(bool, bool, int, int, int, float, ReadOnlySpan{float}, int, ReadOnlySpan{float}, int, float, Span{float}, int)"/>
/// on the training shapes, serial and on a 2-worker pool. Each repetition times enough calls to last ~25 ms
/// (after a warm-up that lets tiered JIT reach optimised code); min/median/max over the repetitions.
/// Usage: gemm [reps] [--isa scalar|avx2] [--shape NAME]
/// </summary>
public static class GemmBench
{
    private sealed record Shape(string Name, bool TransA, bool TransB, int M, int N, int K);

    private static readonly Shape[] Shapes =
    [
        new("x·W0ᵀ  NT B=128", false, true, 128, 512, 784),
        new("x·W0ᵀ  NT B=50", false, true, 50, 512, 784),
        new("x·W0ᵀ  NT m=1", false, true, 1, 512, 784),
        new("NN 128x512x784", false, false, 128, 512, 784),
        new("NN 128x784x512", false, false, 128, 784, 512),
        new("NT 128x784x512", false, true, 128, 784, 512),
        new("δ·W    NN k=10", false, false, 128, 512, 10),
        new("s·W1ᵀ  NT n=10", false, true, 128, 10, 512),
        new("ΔW=δᵀx TN k=128", true, false, 512, 784, 128),
        new("ΔW=δᵀx TN k=50", true, false, 512, 784, 50),
        new("TT 128x512x784", true, true, 128, 512, 784),
        new("odd NN 127x513x65", false, false, 127, 513, 65),
    ];

    public static void Run(string[] args)
    {
        int reps = 20;
        string? only = null;
        for (int i = 0; i < args.Length; i++)
        {
            switch (args[i])
            {
                case "--isa":
                    GemmIsaSelector.Forced = args[++i] switch
                    {
                        "scalar" => GemmIsa.Scalar,
                        "avx2" => GemmIsa.Vector256,
                        "avx512" => GemmIsa.Vector512,
                        var s => throw new ArgumentException($"unknown isa '{s}' (scalar, avx2, avx512)"),
                    };
                    break;
                case "--shape": only = args[++i]; break;
                default: reps = int.Parse(args[i]); break;
            }
        }

        Console.WriteLine($"GEMM GFLOP/s, {reps} repetitions, kernels: {GemmIsaSelector.Current}, {Environment.ProcessorCount} cores");
        Console.WriteLine($"{"shape",-20} {"m",5} {"n",5} {"k",5} | {"1 thread min / median / max",30} | {"2 workers min / median / max",30}");
        using var pool = new WorkerPool(2);
        foreach (var shape in Shapes)
        {
            if (only is not null && !shape.Name.Contains(only, StringComparison.OrdinalIgnoreCase)) continue;
            var serial = Measure(shape, null, reps);
            var parallel = Measure(shape, pool, reps);
            Console.WriteLine($"{shape.Name,-20} {shape.M,5} {shape.N,5} {shape.K,5} | {Format(serial),30} | {Format(parallel),30}");
        }
    }

    private static string Format(double[] g) => $"{g[0],8:F1} {g[g.Length / 2],8:F1} {g[^1],8:F1}";

    private static double[] Measure(Shape s, WorkerPool? pool, int reps)
    {
        var rng = new Random(42);
        int lda = s.TransA ? s.M : s.K, ldb = s.TransB ? s.K : s.N;
        var a = Random(rng, (s.TransA ? s.K : s.M) * lda);
        var b = Random(rng, (s.TransB ? s.N : s.K) * ldb);
        var c = new float[s.M * s.N];
        double flops = 2.0 * s.M * s.N * s.K;

        void Call()
        {
            if (pool is null) Gemm.Multiply(s.TransA, s.TransB, s.M, s.N, s.K, 1f, a, lda, b, ldb, 0f, c, s.N);
            else Gemm.Multiply(pool, s.TransA, s.TransB, s.M, s.N, s.K, 1f, a, 0, lda, b, 0, ldb, 0f, c, 0, s.N);
        }

        // Warm-up long enough for tier-1 (and OSR) code, then size each repetition to ~25 ms.
        var sw = Stopwatch.StartNew();
        int calls = 0;
        while (sw.ElapsedMilliseconds < 300 || calls < 50) { Call(); calls++; }
        int perRep = Math.Max(1, (int)(calls * 25.0 / sw.ElapsedMilliseconds));

        var gflops = new double[reps];
        for (int r = 0; r < reps; r++)
        {
            sw.Restart();
            for (int i = 0; i < perRep; i++) Call();
            gflops[r] = flops * perRep / sw.Elapsed.TotalSeconds / 1e9;
        }
        Array.Sort(gflops);
        return gflops;
    }

    private static float[] Random(Random rng, int length)
    {
        var x = new float[length];
        for (int i = 0; i < length; i++) x[i] = (float)(rng.NextDouble() * 2 - 1);
        return x;
    }
}
