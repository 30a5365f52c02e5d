using System.Runtime.ExceptionServices;

namespace OnChip.Parallelism;

/// <summary>A job that every worker of a <see cref="WorkerPool"/> runs once, each on its own share.</summary>
internal interface IParallelJob
{
    /// <summary>Runs the share of work that belongs to <paramref name="worker"/> out of <paramref name="workers"/>.</summary>
    void Execute(int worker, int workers);
}

/// <summary>
/// A fixed set of threads that run one <see cref="IParallelJob"/> at a time. The job is cut into
/// <see cref="Workers"/> fixed shares; whichever thread is free claims the next share, the caller included, so a
/// worker the OS has descheduled (a busy, shared machine) delays nothing: its share is run by someone else. Results
/// do not depend on which thread ran a share. Built for the training hot path: handing out a job allocates nothing
/// and costs a few microseconds, because idle workers spin briefly before they block.
/// </summary>
internal sealed class WorkerPool : IDisposable
{
    private const int SpinIterations = 20_000;

    private readonly Thread[] _threads;
    private readonly SemaphoreSlim[] _wake;
    private volatile IParallelJob? _job;
    private long _generation;
    // (generation << 32) | next unclaimed share: a claim made for an earlier job can never take a share of this one.
    private long _claims;
    private long _pinnedGeneration = -1;  // the generation whose shares are pinned to their threads (RunOnEachThread)
    private int _pending;  // shares not yet finished
    private volatile bool _disposed;
    private ExceptionDispatchInfo? _failure;

    public WorkerPool(int workers)
    {
        if (workers < 1) throw new ArgumentOutOfRangeException(nameof(workers), "a pool needs at least one worker");
        Workers = workers;
        _threads = new Thread[workers - 1];
        _wake = new SemaphoreSlim[workers - 1];
        for (int i = 0; i < _threads.Length; i++)
        {
            _wake[i] = new SemaphoreSlim(0);
            int index = i + 1;
            _threads[i] = new Thread(() => WorkerLoop(index)) { IsBackground = true, Name = $"onchip-worker-{index}" };
            _threads[i].Start();
        }
    }

    /// <summary>Number of workers, the calling thread included.</summary>
    public int Workers { get; }

    /// <summary>A pool of one worker: every job runs inline on the caller.</summary>
    public static WorkerPool Serial { get; } = new(1);

    /// <summary>The half-open range of <paramref name="count"/> items that belongs to a worker (contiguous, balanced).</summary>
    public static (int Start, int End) Share(int count, int worker, int workers)
    {
        int start = (int)((long)count * worker / workers);
        int end = (int)((long)count * (worker + 1) / workers);
        return (start, end);
    }

    /// <summary>Runs <paramref name="job"/>'s shares on whichever threads are free and returns when all have finished.</summary>
    public void Run(IParallelJob job) => Dispatch(job, pinned: false);

    /// <summary>
    /// Runs share i on worker thread i (the caller is share 0), for per-thread work such as reading thread-local
    /// counters. Unlike <see cref="Run"/>, every thread must get the CPU, so keep it off the hot path.
    /// </summary>
    public void RunOnEachThread(IParallelJob job) => Dispatch(job, pinned: true);

    private void Dispatch(IParallelJob job, bool pinned)
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        if (Workers == 1)
        {
            job.Execute(0, 1);
            return;
        }

        _job = job;
        _failure = null;
        Volatile.Write(ref _pending, Workers);
        long generation = _generation + 1;
        Volatile.Write(ref _pinnedGeneration, pinned ? generation : -1);
        // Pinned shares are not claimable: the share field starts past the last share.
        Interlocked.Exchange(ref _claims, (generation << 32) | (pinned ? (uint)Workers : 0u));
        Volatile.Write(ref _generation, generation);
        for (int i = 0; i < _wake.Length; i++)
        {
            // Wake only a worker that has given up spinning; a spinning one sees the generation change.
            if (_wake[i].CurrentCount == 0) _wake[i].Release();
        }

        if (pinned) RunShare(job, 0);
        else RunShares(job, generation);
        var spin = new SpinWait();
        while (Volatile.Read(ref _pending) != 0) spin.SpinOnce(sleep1Threshold: -1);
        _job = null;
        _failure?.Throw();
    }

    private void WorkerLoop(int index)
    {
        long seen = 0;
        var wake = _wake[index - 1];
        while (true)
        {
            long generation = WaitForWork(seen, wake);
            if (_disposed) return;
            seen = generation;
            if (_job is not { } job) continue;
            // A worker that saw an older generation finds neither its pin nor a claimable share of a newer job.
            if (Volatile.Read(ref _pinnedGeneration) == generation) RunShare(job, index);
            else RunShares(job, generation);
        }
    }

    /// <summary>Claims and runs shares of the job of <paramref name="generation"/> until none is left.</summary>
    private void RunShares(IParallelJob job, long generation)
    {
        while (true)
        {
            long claims = Volatile.Read(ref _claims);
            int share = (int)(claims & 0xFFFF_FFFF);
            if (claims >> 32 != generation || share >= Workers) return;
            if (Interlocked.CompareExchange(ref _claims, claims + 1, claims) != claims) continue;
            RunShare(job, share);
        }
    }

    private void RunShare(IParallelJob job, int share)
    {
        try
        {
            job.Execute(share, Workers);
        }
        catch (Exception e)
        {
            _failure ??= ExceptionDispatchInfo.Capture(e);
        }
        Interlocked.Decrement(ref _pending);
    }

    private long WaitForWork(long seen, SemaphoreSlim wake)
    {
        for (int i = 0; i < SpinIterations; i++)
        {
            long generation = Volatile.Read(ref _generation);
            if (generation != seen || _disposed) return generation;
            Thread.SpinWait(20);
        }
        while (true)
        {
            long generation = Volatile.Read(ref _generation);
            if (generation != seen || _disposed) return generation;
            wake.Wait(50);
        }
    }

    public void Dispose()
    {
        if (_disposed || ReferenceEquals(this, Serial)) return;
        _disposed = true;
        foreach (var w in _wake) w.Release();
        foreach (var t in _threads) t.Join();
        foreach (var w in _wake) w.Dispose();
    }
}
