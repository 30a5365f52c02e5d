using OnChip.Dynamics;
using OnChip.Networks;
using OnChip.Parallelism;
using OnChip.Tensors;

namespace OnChip.Learning;

/// <summary>
/// Everything a learning rule needs for one mini-batch, allocated once: the network, its relaxation, the worker
/// pool, the free-phase state (whose layer 0 holds the input rows), scratch states for nudged phases (sharing the
/// same input matrix), the one-hot targets and the number of valid rows.
/// </summary>
public sealed class BatchContext
{
    public BatchContext(LayeredNetwork network, int capacity, WorkerPool pool)
    {
        Network = network;
        Pool = pool;
        Capacity = capacity;
        Free = network.CreateState(capacity);
        Nudged = new NetworkState(Free, shareInput: true);
        Opposite = new NetworkState(Free, shareInput: true);
        Targets = new Matrix(capacity, network.ClassCount);
        Scores = new Matrix(capacity, network.ClassCount);
        Relaxation = new Relaxation(network, capacity);
    }

    public LayeredNetwork Network { get; }
    public Relaxation Relaxation { get; }
    public WorkerPool Pool { get; }
    public int Capacity { get; }
    /// <summary>The free-phase state; after a rule has run, it holds the free equilibrium s* of the batch.</summary>
    public NetworkState Free { get; }
    public NetworkState Nudged { get; }
    public NetworkState Opposite { get; }
    public Matrix Input => Free.Layers[0];
    public Matrix Targets { get; }
    /// <summary>Class scores of the free equilibrium (network outputs, or softmax probabilities with the readout).</summary>
    public Matrix Scores { get; }
    /// <summary>Σ over the batch of ℓ(s*, y) at the free equilibrium, with the weights the free phase used.</summary>
    public double FreeLoss { get; private set; }
    /// <summary>Number of valid rows in this batch (the last batch of an epoch may be short).</summary>
    public int Count { get; set; }

    /// <summary>
    /// Relaxes the free phase from s = 0 for <paramref name="steps"/> steps with the current weights, then scores it
    /// (before any weight changes, so train accuracy and loss describe the prediction the batch actually got).
    /// </summary>
    public void RunFreePhase(int steps)
    {
        Relaxation.PrepareStaticDrive(Free, Count, Pool);
        Free.ClearRows(0, Count);
        Relaxation.Relax(Free, null, 0f, steps, Count, Pool);
        ScoreFreePhase();
    }

    /// <summary>Scores the free state as it is now (for rules that run the free phase themselves).</summary>
    public void ScoreFreePhase()
    {
        Network.Cost.Scores(Free.Layers, 0, Count, Scores);
        FreeLoss = Network.Cost.Loss(Free.Layers, Targets, 0, Count);
    }

    /// <summary>Number of rows whose highest score is the target class.</summary>
    public int CountCorrect()
    {
        int correct = 0;
        for (int r = 0; r < Count; r++)
        {
            var scores = Scores.Row(r);
            int predicted = System.Numerics.Tensors.TensorPrimitives.IndexOfMax(scores);
            if (Targets[r, predicted] == 1f) correct++;
        }
        return correct;
    }

    /// <summary>Copies s* into <paramref name="state"/> and relaxes it for <paramref name="steps"/> steps with nudging <paramref name="beta"/>.</summary>
    public void RunNudgedPhase(NetworkState state, float beta, int steps)
    {
        state.CopyRowsFrom(Free, 0, Count);
        Relaxation.Relax(state, Targets, beta, steps, Count, Pool);
    }
}
