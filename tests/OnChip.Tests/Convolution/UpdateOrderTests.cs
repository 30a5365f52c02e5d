using OnChip.Dynamics;
using OnChip.Learning;
using OnChip.Networks;
using OnChip.Parallelism;
using OnChip.Tensors;

namespace OnChip.Tests.Convolution;

/// <summary>The alternating (even/odd) update order of Scellier et al. 2023.</summary>
public class UpdateOrderTests
{
    /// <summary>max |s^t − s^(t−1)| over the non-input layers after each single step, for <paramref name="steps"/> steps.</summary>
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
                for (int i = 0; i < batch.Count * state[l].Cols; i++)
                    r = Math.Max(r, Math.Abs(state[l].Data[i] - previous[l].Data[i]));
            result[t] = r;
            for (int l = 1; l < state.Layers.Length; l++) state[l].CopyFrom(previous[l] = state[l].Clone());
        }
        return result;
    }

    private static int StepsTo(double[] residuals, double tolerance) => Array.FindIndex(residuals, r => r < tolerance) + 1;

    [Theory]
    [InlineData("mm", "mysig")]
    [InlineData("aa", "sigmoid")]
    public void Async_reaches_the_sync_fixed_point_in_fewer_steps(string pools, string act)
    {
        using var pool = new WorkerPool(2);
        var (network, batch) = ConvLearningTests.Tiny(pools, "ce", act, batchSize: 12, seed: 3, scale: 1f, pool: pool, channels: [4, 8], size: 12);
        var sync = Residuals(batch, 150);
        var syncState = batch.Free.Layers.Select(m => m.Clone()).ToArray();
        network.Schedule = Schedule.Alternating;
        var alternating = Residuals(batch, 150);
        int syncSteps = StepsTo(sync, 1e-5), asyncSteps = StepsTo(alternating, 1e-5);
        Assert.True(syncSteps > 0 && asyncSteps > 0, $"not converged: sync {sync[^1]:E1}, async {alternating[^1]:E1}");
        Assert.True(asyncSteps < syncSteps, $"async {asyncSteps} steps vs sync {syncSteps}");
        Assert.True(sync[^1] < 1e-6 && alternating[^1] < 1e-6, $"residual after 150 steps: sync {sync[^1]:E1}, async {alternating[^1]:E1}");
        // The async end point is a fixed point of the synchronous dynamics too: one more sync step leaves it in place.
        var asyncState = batch.Free.Layers.Select(m => m.Clone()).ToArray();
        network.Schedule = Schedule.Synchronous;
        batch.Relaxation.Relax(batch.Free, null, 0f, 1, batch.Count, batch.Pool);
        for (int l = 1; l < asyncState.Length; l++)
            for (int i = 0; i < batch.Count * asyncState[l].Cols; i++)
                Assert.True(Math.Abs(asyncState[l].Data[i] - batch.Free[l].Data[i]) < 1e-5, $"layer {l}[{i}] moves under a sync step: {asyncState[l].Data[i]} → {batch.Free[l].Data[i]}");
        // With average pooling Φ is smooth and both orders find the same equilibrium; with max pooling ∂Φ/∂s jumps
        // where a window changes winner, and the two orders may settle on different (equally valid) fixed points.
        if (pools != "aa") return;
        for (int l = 1; l < syncState.Length; l++)
            for (int i = 0; i < batch.Count * syncState[l].Cols; i++)
                Assert.True(Math.Abs(syncState[l].Data[i] - asyncState[l].Data[i]) < 1e-4, $"layer {l}[{i}]: sync {syncState[l].Data[i]} async {asyncState[l].Data[i]}");
    }

    /// <summary>
    /// The relaxation (which lets a conv term reuse its max-pooling winners from half a step earlier) against a plain
    /// alternating loop that asks every term for each drive afresh.
    /// </summary>
    [Fact]
    public void Async_relaxation_equals_a_plain_alternating_loop()
    {
        var (network, batch) = ConvLearningTests.Tiny("mm", "mse", "tanh", batchSize: 5, seed: 8, scale: 1.5f, channels: [3, 4], size: 12);
        network.Schedule = Schedule.Alternating;
        const int steps = 7;
        var reference = batch.Free.Layers.Select(m => m.Clone()).ToArray();
        for (int l = 1; l < reference.Length; l++) reference[l].Clear();
        batch.Relaxation.PrepareStaticDrive(batch.Free, batch.Count, WorkerPool.Serial);
        batch.Free.ClearRows(0, batch.Count);
        batch.Relaxation.Relax(batch.Free, null, 0f, steps, batch.Count, WorkerPool.Serial);
        for (int t = 0; t < steps; t++)
            foreach (int parity in new[] { 1, 0 })
            {
                var drives = new Dictionary<int, Matrix>();
                for (int l = 1; l < reference.Length; l++)
                {
                    if (l % 2 != parity) continue;
                    var u = new Matrix(batch.Count, reference[l].Cols);
                    foreach (var term in network.InteractionsOf(l)) term.AddDrive(l, reference, u, 0, batch.Count, WorkerPool.Serial);
                    drives[l] = u;
                }
                foreach (var (l, u) in drives) network.Update(l).Apply(u.Span, reference[l].Span, u.Cols, default);
            }
        for (int l = 1; l < reference.Length; l++)
            for (int i = 0; i < reference[l].Length; i++)
                Assert.True(Math.Abs(reference[l].Data[i] - batch.Free[l].Data[i]) < 1e-6, $"layer {l}[{i}]: {reference[l].Data[i]} vs {batch.Free[l].Data[i]}");
    }
}
