using OnChip.Parallelism;

namespace OnChip.Tests.Parallelism;

public class WorkerPoolTests
{
    /// <summary>Counts how often each share ran, and on which threads.</summary>
    private sealed class CountingJob(int workers) : IParallelJob
    {
        public readonly int[] Runs = new int[workers];
        public int SeenWorkers;
        public void Execute(int worker, int workers)
        {
            Interlocked.Increment(ref Runs[worker]);
            SeenWorkers = workers;
        }
    }

    [Fact]
    public void Every_share_runs_exactly_once_per_job_over_many_jobs()
    {
        using var pool = new WorkerPool(3);
        for (int round = 0; round < 20_000; round++)
        {
            var job = new CountingJob(3);
            pool.Run(job);
            Assert.All(job.Runs, r => Assert.Equal(1, r));
            Assert.Equal(3, job.SeenWorkers);
        }
    }

    /// <summary>Share 0 waits until share 1 has run: it must be picked up by another thread, whoever is free.</summary>
    private sealed class BlockingJob : IParallelJob
    {
        public readonly ManualResetEventSlim SecondDone = new();
        public int FirstThread, SecondThread;
        public void Execute(int worker, int workers)
        {
            if (worker == 0)
            {
                FirstThread = Environment.CurrentManagedThreadId;
                Assert.True(SecondDone.Wait(TimeSpan.FromSeconds(10)), "share 1 never ran while share 0 was busy");
            }
            else
            {
                SecondThread = Environment.CurrentManagedThreadId;
                SecondDone.Set();
            }
        }
    }

    [Fact]
    public void A_busy_thread_does_not_hold_up_the_other_shares()
    {
        using var pool = new WorkerPool(2);
        for (int round = 0; round < 50; round++)
        {
            var job = new BlockingJob();
            pool.Run(job);
            Assert.NotEqual(job.FirstThread, job.SecondThread);
        }
    }

    private sealed class FailingJob : IParallelJob
    {
        public void Execute(int worker, int workers)
        {
            if (worker == workers - 1) throw new InvalidOperationException("share failed");
        }
    }

    [Fact]
    public void A_failing_share_surfaces_on_the_caller_and_the_pool_keeps_working()
    {
        using var pool = new WorkerPool(2);
        var error = Assert.Throws<InvalidOperationException>(() => pool.Run(new FailingJob()));
        Assert.Equal("share failed", error.Message);
        var job = new CountingJob(2);
        pool.Run(job);
        Assert.All(job.Runs, r => Assert.Equal(1, r));
    }

    /// <summary>Records which thread ran each share.</summary>
    private sealed class ThreadRecordingJob(int workers) : IParallelJob
    {
        public readonly int[] Threads = new int[workers];
        public void Execute(int worker, int workers) => Threads[worker] = Environment.CurrentManagedThreadId;
    }

    [Fact]
    public void Pinned_jobs_run_each_share_on_its_own_thread_even_mixed_with_claimed_jobs()
    {
        using var pool = new WorkerPool(3);
        int[]? first = null;
        for (int round = 0; round < 5_000; round++)
        {
            var pinned = new ThreadRecordingJob(3);
            pool.RunOnEachThread(pinned);
            Assert.Equal(Environment.CurrentManagedThreadId, pinned.Threads[0]);
            Assert.Equal(3, pinned.Threads.Distinct().Count());
            first ??= pinned.Threads;
            Assert.Equal(first, pinned.Threads);  // the same thread for the same share, every time
            var claimed = new CountingJob(3);
            pool.Run(claimed);
            Assert.All(claimed.Runs, r => Assert.Equal(1, r));
        }
    }
}
