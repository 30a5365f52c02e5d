using OnChip.Learning;
using OnChip.Optimizers;
using OnChip.Parallelism;

namespace OnChip.Tests.Training;

[CollectionDefinition(nameof(AllocationTests), DisableParallelization = true)]
public class AllocationTestsCollection;

/// <summary>
/// The training hot path (relaxations, EP estimate, optimizer step, on two workers) allocates nothing once warm.
/// Measured process-wide, so this collection runs alone.
/// </summary>
[Collection(nameof(AllocationTests))]
public class AllocationTests
{
    [Theory]
    [InlineData("ep", "mse", "adam")]
    [InlineData("ep-symmetric", "ce", "sgd")]
    [InlineData("ep-random-sign", "mse", "sgd")]
    [InlineData("cep", "mse", "sgd")]
    [InlineData("bptt", "ce", "adam")]
    [InlineData("rbp", "mse", "sgd")]
    public void Training_steps_allocate_nothing(string rule, string loss, string optimizer)
    {
        using var pool = new WorkerPool(2);
        var (network, batch) = TestNetworks.Create([784, 64, 32, 10], "mysig", loss, batchSize: 50, pool: pool);
        var learning = LearningRules.Create(rule, network, new PhaseSettings(0.1f, 30, 10), new Randomness.Rng(1));
        var optim = Optimizer.Create(optimizer, network.Parameters, [1e-3f, 1e-3f, 1e-3f], 0.5f, 1e-4f);
        for (int i = 0; i < 50; i++) learning.TrainBatch(batch, optim);
        long fewest = AllocationProbe.FewestBytes(pool, () =>
        {
            for (int i = 0; i < 20; i++)
            {
                learning.TrainBatch(batch, optim);
                batch.CountCorrect();
            }
        });
        Assert.True(fewest == 0, $"{fewest} bytes allocated in 20 training steps");
    }

    [Theory]
    [InlineData("ep-symmetric", "mm", nameof(Dynamics.Schedule.Synchronous))]
    [InlineData("ep", "am", nameof(Dynamics.Schedule.Alternating))]
    [InlineData("bptt", "ma", nameof(Dynamics.Schedule.Synchronous))]
    [InlineData("ep-symmetric", "ss", nameof(Dynamics.Schedule.Alternating))]
    [InlineData("bptt", "sm", nameof(Dynamics.Schedule.Synchronous))]
    [InlineData("hep", "ss", nameof(Dynamics.Schedule.Synchronous))]
    [InlineData("hep", "sa", nameof(Dynamics.Schedule.Alternating))]
    public void Conv_training_steps_allocate_nothing(string rule, string pools, string orderName)
    {
        var order = Enum.Parse<Dynamics.Schedule>(orderName);
        using var pool = new WorkerPool(2);
        var (network, batch) = Convolution.ConvLearningTests.Tiny(pools, rule == "hep" ? "mse" : "ce", "mysig", batchSize: 20, pool: pool, channels: [4, 8], size: 12);
        network.Schedule = order;
        var learning = LearningRules.Create(rule, network, new PhaseSettings(0.1f, 20, 5, Points: 5), new Randomness.Rng(1));
        var optim = Optimizer.Create("adam", network.Parameters, [1e-3f, 1e-3f, 1e-3f], 0f, 0f);
        for (int i = 0; i < 30; i++) learning.TrainBatch(batch, optim);
        long fewest = AllocationProbe.FewestBytes(pool, () =>
        {
            for (int i = 0; i < 10; i++)
            {
                learning.TrainBatch(batch, optim);
                batch.CountCorrect();
            }
        });
        Assert.True(fewest == 0, $"{fewest} bytes allocated in 10 conv training steps");
    }

    [Theory]
    [InlineData("ep-symmetric", "forward", "backward")]
    [InlineData("ep-negative", "async", "async")]
    [InlineData("bptt", "forward", "forward")]
    [InlineData("rbp", "sync", "sync")]
    public void Resistive_training_steps_allocate_nothing(string rule, string schedule, string nudged)
    {
        using var pool = new WorkerPool(2);
        var (network, batch) = Resistive.ResistiveTestNetworks.Create([784, 64, 32, 10], gain: 10f, batchSize: 32, pool: pool);
        batch.WarmStart = true;
        network.Schedule = Dynamics.Schedules.Parse(schedule);
        network.NudgedSchedule = Dynamics.Schedules.Parse(nudged);
        var learning = LearningRules.Create(rule, network, new PhaseSettings(0.5f, 4, 4), new Randomness.Rng(1));
        var optim = Optimizer.Create("sgd", network.Parameters, [1e-3f, 1e-3f, 1e-3f], 0.9f, 0f);
        for (int i = 0; i < 30; i++) learning.TrainBatch(batch, optim);
        long fewest = AllocationProbe.FewestBytes(pool, () =>
        {
            for (int i = 0; i < 10; i++)
            {
                learning.TrainBatch(batch, optim);
                batch.CountCorrect();
            }
        });
        Assert.True(fewest == 0, $"{fewest} bytes allocated in 10 resistive training steps");
    }
}

/// <summary>Reads each worker thread's own allocation counter.</summary>
internal sealed class AllocationProbe(int workers) : IParallelJob
{
    private readonly long[] _bytes = new long[workers];

    /// <summary>
    /// The fewest bytes <paramref name="steps"/> allocated in up to 10 rounds, counting only the threads that train (the
    /// caller and the pool's workers; the test runner's own threads allocate). The runtime may still allocate while it
    /// re-compiles hot methods, so the best round counts: an allocation in the hot path shows up in every round.
    /// </summary>
    public static long FewestBytes(WorkerPool pool, Action steps)
    {
        var probe = new AllocationProbe(pool.Workers);
        long fewest = long.MaxValue;
        for (int round = 0; round < 10 && fewest > 0; round++)
        {
            long before = probe.Total(pool);
            steps();
            fewest = Math.Min(fewest, probe.Total(pool) - before);
        }
        return fewest;
    }

    public long Total(WorkerPool pool)
    {
        pool.RunOnEachThread(this);  // each thread reads its own counter
        long total = 0;
        foreach (long b in _bytes) total += b;  // no LINQ: the probe itself must not allocate
        return total;
    }

    public void Execute(int worker, int workers) => _bytes[worker] = GC.GetAllocatedBytesForCurrentThread();
}
