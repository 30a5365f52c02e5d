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
internal sealed class BatchContext
{
    public BatchContext(LayeredNetwork network, int capacity, WorkerPool pool)
    {
        Network = network;
        Pool = pool;
        Capacity = capacity;
        Free = network.CreateState(capacity);
        Nudged = new NetworkState(Free, shareInput: true);
        Opposite = new NetworkState(Free, shareInput: true);
        _features = network.InputEncoding is { } encoding ? new Matrix(capacity, encoding.Features) : null;
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
    private readonly Matrix? _features;

    /// <summary>
    /// Where a batch's features go: the clamped input layer itself, or, when the network encodes its input (a
    /// resistive network drives ±g·x), the raw features that <see cref="EncodeInput"/> turns into the input layer.
    /// </summary>
    public Matrix Input => _features ?? Free.Layers[0];

    /// <summary>Writes the input layer from <see cref="Input"/> (nothing to do when the features are the input layer).</summary>
    public void EncodeInput()
    {
        if (_features is not null) Network.InputEncoding!.Encode(_features, Free.Layers[0], Count);
    }

    /// <summary>
    /// True when the free phase starts from the state the previous batch left (a training warm start, as the
    /// resistive networks' reference code does); false: from s = 0.
    /// </summary>
    public bool WarmStart { get; set; }
    public Matrix Targets { get; }
    /// <summary>Class scores of the free equilibrium (network outputs, or softmax probabilities with the readout).</summary>
    public Matrix Scores { get; }
    /// <summary>Σ over the batch of ℓ(s*, y) at the free equilibrium, with the weights the free phase used.</summary>
    public double FreeLoss { get; private set; }
    /// <summary>Number of valid rows in this batch (the last batch of an epoch may be short).</summary>
    public int Count { get; set; }

    /// <summary>
    /// Relaxes the free phase from s = 0 (or from the previous batch's state, with <see cref="WarmStart"/>) for
    /// <paramref name="steps"/> steps with the current weights, then scores it (before any weight changes, so train
    /// accuracy and loss describe the prediction the batch actually got).
    /// </summary>
    public void RunFreePhase(int steps)
    {
        Relaxation.PrepareStaticDrive(Free, Count, Pool);
        if (!WarmStart) Free.ClearRows(0, Count);
        Relaxation.Relax(Free, null, 0f, steps, Count, Pool);
        ScoreFreePhase();
    }

    /// <summary>Scores the free state as it is now (for rules that run the free phase themselves).</summary>
    public void ScoreFreePhase()
    {
        Network.Cost.Scores(Free.Layers, 0, Count, Scores);
        FreeLoss = Network.Cost.Loss(Scores, Targets, 0, Count);
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

    /// <summary>
    /// Copies s* into <paramref name="state"/>, holds its output layer at o* + <paramref name="strength"/>·(y − o*)
    /// (the target itself for strength 1) and relaxes the other layers for <paramref name="steps"/> steps, with the
    /// nudged phases' schedule: the perturbed phase of CL and coupled learning.
    /// </summary>
    public void RunClampedPhase(NetworkState state, float strength, int steps)
    {
        state.CopyRowsFrom(Free, 0, Count);
        var output = state.Layers[Network.Cost.Layer];
        var cost = (Networks.Costs.SquaredError)Network.Cost;
        for (int r = 0; r < Count; r++)
        {
            var o = output.Row(r);
            var y = Targets.Row(r);
            for (int j = 0; j < o.Length; j++) o[j] += strength * (cost.TargetOf(y, j) - o[j]);
        }
        Relaxation.RelaxHoldingOutput(state, steps, Count, Pool);
    }

    /// <summary>Copies s* into <paramref name="state"/> and relaxes it for <paramref name="steps"/> steps with nudging <paramref name="beta"/>.</summary>
    public void RunNudgedPhase(NetworkState state, float beta, int steps)
    {
        state.CopyRowsFrom(Free, 0, Count);
        Relaxation.Relax(state, Targets, beta, steps, Count, Pool);
    }
}
