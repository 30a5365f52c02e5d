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
        var learning = LearningRule.Create(rule, network, new PhaseSettings(0.1f, 30, 10), new Randomness.Rng(1));
        var optim = Optimizer.Create(optimizer, network.Parameters, [1e-3f, 1e-3f, 1e-3f], 0.5f, 1e-4f);
        for (int i = 0; i < 50; i++) learning.TrainBatch(batch, optim);
        // The runtime itself may allocate while it re-compiles hot methods during warm-up, so take the best of
        // several rounds: an allocation in our hot path would show up in every round.
        long fewest = long.MaxValue;
        for (int round = 0; round < 10 && fewest > 0; round++)
        {
            long before = GC.GetTotalAllocatedBytes(precise: true);
            for (int i = 0; i < 20; i++)
            {
                learning.TrainBatch(batch, optim);
                batch.CountCorrect();
            }
            fewest = Math.Min(fewest, GC.GetTotalAllocatedBytes(precise: true) - before);
        }
        Assert.True(fewest == 0, $"{fewest} bytes allocated in 20 training steps");
    }
}
