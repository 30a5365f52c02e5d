using System.Diagnostics;
using OnChip.Networks.Convolution;
using OnChip.Randomness;
using OnChip.Tensors;

namespace OnChip.Bench;

/// <summary>
/// Where one conv layer's relaxation step spends its time, kernel by kernel, on one thread: the second layer of the
/// Fashion-MNIST net (32×12×12 → 64 channels, 5×5, max pool) for 100 examples. Usage: <c>conv-parts [--reps 20] [--chunk 8]</c>
/// (examples per product, as in <see cref="ConvInteraction"/>).
/// </summary>
public static class ConvPartsBench
{
    public static void Run(string[] args)
    {
        int reps = 20, chunk = 8;
        for (int i = 0; i + 1 < args.Length; i += 2)
        {
            if (args[i] == "--reps") reps = int.Parse(args[i + 1]);
            else if (args[i] == "--chunk") chunk = int.Parse(args[i + 1]);
            else throw new ArgumentException($"unknown option {args[i]}");
        }
        var g = new ConvGeometry(32, 12, 12, 64, 5, 0, 1, PoolKind.Max, inputChannelsLast: true);
        const int rows = 100;
        var rng = new Rng(1);
        var input = new float[rows * g.InSize];
        var upper = new float[rows * g.OutSize];
        var kernel = new float[g.OutChannels * g.PatchSize];
        rng.FillUniform(input, 0f, 1f);
        rng.FillUniform(upper, 0f, 1f);
        rng.FillUniform(kernel, -0.1f, 0.1f);
        var col = new float[chunk * g.Positions * g.PatchSize];
        var z = new float[rows * g.ConvSize];
        var dz = new float[rows * g.ConvSize];
        var winners = new int[rows * g.OutSize];
        var output = new float[rows * g.OutSize];
        var drive = new float[rows * g.InSize];
        int cols = g.Positions * g.PatchSize;
        double gemmFlops = 2.0 * rows * g.MultiplyAdds;
        var parts = new (string Name, Action Body, double Flops)[]
        {
            ("im2col (gather patches)", () => { for (int r = 0; r < rows; r++) Im2Col.Gather(g, input.AsSpan(r * g.InSize, g.InSize), col.AsSpan((r % chunk) * cols, cols)); }, 0),
            ("forward GEMM col·Kᵀ", () => { for (int r = 0; r < rows; r += chunk) Gemm.Multiply(false, true, Math.Min(chunk, rows - r) * g.Positions, g.OutChannels, g.PatchSize, 1f, col, g.PatchSize, kernel, g.PatchSize, 0f, z.AsSpan(r * g.ConvSize), g.OutChannels); }, gemmFlops),
            ("max-pool winners + select", () => { for (int r = 0; r < rows; r++) { Pooling.ChooseWinners(g, z.AsSpan(r * g.ConvSize, g.ConvSize), winners.AsSpan(r * g.OutSize, g.OutSize)); Pooling.Select(g, z.AsSpan(r * g.ConvSize, g.ConvSize), winners.AsSpan(r * g.OutSize, g.OutSize), output.AsSpan(r * g.OutSize, g.OutSize)); } }, 0),
            ("pool transpose (unpool)", () => { for (int r = 0; r < rows; r++) Pooling.Transpose(g, upper.AsSpan(r * g.OutSize, g.OutSize), z.AsSpan(r * g.ConvSize, g.ConvSize), winners.AsSpan(r * g.OutSize, g.OutSize), dz.AsSpan(r * g.ConvSize, g.ConvSize)); }, 0),
            ("transpose GEMM dz·K", () => { for (int r = 0; r < rows; r += chunk) Gemm.Multiply(false, false, Math.Min(chunk, rows - r) * g.Positions, g.PatchSize, g.OutChannels, 1f, dz.AsSpan(r * g.ConvSize), g.OutChannels, kernel, g.PatchSize, 0f, col, g.PatchSize); }, gemmFlops),
            ("col2im (scatter-add)", () => { for (int r = 0; r < rows; r++) Im2Col.ScatterAdd(g, col.AsSpan((r % chunk) * cols, cols), drive.AsSpan(r * g.InSize, g.InSize)); }, 0),
        };
        Console.WriteLine($"conv parts: {g.InChannels}x{g.InHeight}x{g.InWidth} → {g.OutChannels} channels, {g.Kernel}x{g.Kernel}, max pool, {rows} examples in chunks of {chunk}, 1 thread; median of {reps}");
        double total = 0;
        foreach (var (name, body, flops) in parts)
        {
            body();
            var times = new List<double>();
            var clock = new Stopwatch();
            for (int i = 0; i < reps; i++)
            {
                clock.Restart();
                body();
                times.Add(clock.Elapsed.TotalMilliseconds);
            }
            double ms = times.Order().ElementAt(reps / 2);
            total += ms;
            Console.WriteLine($"  {name,-28} {ms,8:F2} ms{(flops > 0 ? $"   {flops / ms / 1e6,6:F1} GFLOP/s" : "")}");
        }
        Console.WriteLine($"  {"total",-28} {total,8:F2} ms   {2 * gemmFlops / total / 1e6,6:F1} GFLOP/s of useful work");
    }
}
