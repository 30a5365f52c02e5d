using System.Numerics.Tensors;
using OnChip.Dynamics;
using OnChip.Networks;
using OnChip.Networks.Interactions;
using OnChip.Optimizers;
using OnChip.Parallelism;
using OnChip.Tensors;

namespace OnChip.Learning;

/// <summary>
/// Backpropagation through the free dynamics s^{t+1} = σ(u^t), u^t = ∂Φ/∂s(s^t), of the loss ℓ(s^T), by hand:
/// the backward step is D_j = G_{j−1} ⊙ σ'(u), G_j = D_s(∂Φ/∂s)[D_j] (the interactions' linearised drives), and
/// the parameter gradient is Σ_j D_s(∂Φ/∂θ)[D_j]. Truncated to the last K steps (K = T is the full unroll).
/// <para>
/// Blocks are indexed backwards in time, j = 0 … K ↔ time T − j, each a block of batch rows in one stacked
/// matrix per layer: S_j = s^{T−j}, U_j = u^{T−j} (so S_{j−1} = σ(U_j)), G_j = ∂L/∂s^{T−j}, D_j = ∂L/∂u^{T−j}.
/// Examples are independent, so the backward recursion runs split by rows with no synchronisation; the
/// parameter gradients of all steps are then one product over the stacked rows (and, for interactions with the
/// clamped input, one product with the summed adjoint).
/// </para>
/// </summary>
public sealed class BackpropagationThroughTime
{
    private readonly LayeredNetwork _network;
    private readonly Interaction[][] _dynamicOf;
    private readonly Interaction[] _dynamic, _static;
    private readonly BackwardJob _job;
    private readonly TrajectoryRecorder _recorder;
    private Matrix[] _s = [], _u = [], _g = [];
    private Matrix?[] _d = [], _dSum = [], _dStep = [];
    private int _capacity = -1;

    public BackpropagationThroughTime(LayeredNetwork network, int steps)
    {
        if (steps < 1) throw new ArgumentOutOfRangeException(nameof(steps), "BPTT needs at least one step");
        _network = network;
        Steps = steps;
        int layers = network.LayerCount;
        _dynamicOf = new Interaction[layers][];
        for (int l = 1; l < layers; l++)
            _dynamicOf[l] = network.InteractionsOf(l).Where(i => !LayeredNetwork.IsStaticDrive(i, l)).ToArray();
        // An interaction touching at most one state layer has a gradient linear in that layer's adjoint alone.
        _static = network.Interactions.Where(i => i.Layers.Count(l => !LayeredNetwork.IsClamped(l)) <= 1).ToArray();
        _dynamic = network.Interactions.Except(_static).ToArray();
        _job = new BackwardJob(this);
        _recorder = new TrajectoryRecorder(this);
    }

    /// <summary>K: the number of last steps backpropagated through.</summary>
    public int Steps { get; }
    /// <summary>Rows per block of the current batch.</summary>
    public int BlockRows { get; private set; }
    /// <summary>Stacked recorded states s^{T−j} per layer (block j, j = 0 … K).</summary>
    public Matrix[] States => _s;
    /// <summary>Stacked adjoints ∂L/∂u^{T−j} per layer (block j, j = 1 … K); layer 0 is null.</summary>
    public Matrix?[] DriveGradients => _d;

    private void Allocate(int capacity)
    {
        if (capacity <= _capacity) return;
        _capacity = capacity;
        int layers = _network.LayerCount, k = Steps;
        _s = new Matrix[layers];
        _u = new Matrix[layers];
        _g = new Matrix[layers];
        _d = new Matrix?[layers];
        _dSum = new Matrix?[layers];
        _dStep = new Matrix?[layers];
        _s[0] = _u[0] = _g[0] = new Matrix(0, _network.LayerSizes[0]);
        for (int l = 1; l < layers; l++)
        {
            int n = _network.LayerSizes[l];
            _s[l] = new Matrix((k + 1) * capacity, n);
            _u[l] = new Matrix((k + 1) * capacity, n);
            _g[l] = new Matrix((k + 1) * capacity, n);
            _d[l] = new Matrix((k + 1) * capacity, n);
            _dSum[l] = new Matrix(capacity, n);
            _dStep[l] = new Matrix(capacity, n);
        }
    }

    /// <summary>
    /// The free phase from s = 0 for <paramref name="totalSteps"/> steps (≥ K), recording the last K steps. Leaves
    /// s^T in the batch's free state, scored.
    /// </summary>
    public void Forward(BatchContext batch, int totalSteps)
    {
        if (totalSteps < Steps) throw new ArgumentException($"cannot backpropagate through {Steps} steps of a {totalSteps}-step phase");
        Allocate(batch.Capacity);
        int c = batch.Count;
        BlockRows = c;
        var free = batch.Free;
        var relaxation = batch.Relaxation;
        relaxation.PrepareStaticDrive(free, c, batch.Pool);
        free.ClearRows(0, c);
        if (totalSteps > Steps) relaxation.Relax(free, null, 0f, totalSteps - Steps, c, batch.Pool);
        relaxation.Relax(free, null, 0f, Steps, c, batch.Pool, _recorder);
        batch.ScoreFreePhase();
    }

    /// <summary>Backward recursion from ∂ℓ/∂s^T (batch mean) through the K recorded steps.</summary>
    public void Backward(BatchContext batch)
    {
        int c = BlockRows;
        for (int l = 1; l < _network.LayerCount; l++)
        {
            _g[l].RowSpan(0, c).Clear();
            _dSum[l]!.RowSpan(0, c).Clear();
        }
        _network.Cost.AddStateGradient(batch.Free.Layers, batch.Targets, 1f / c, _g[_network.Cost.Layer], 0, c);
        _job.Set(c);
        batch.Pool.Run(_job);
    }

    /// <summary>Every parameter's Grad = ∂L/∂θ summed over the K steps (plus the readout's own gradient at s^T).</summary>
    public void ComputeGradients(BatchContext batch)
    {
        int c = BlockRows;
        foreach (var i in _dynamic) i.AccumulateGradientDirectional(_s, _d, 1f, c, Steps * c, batch.Pool, keep: 0f);
        foreach (var i in _static) i.AccumulateGradientDirectional(batch.Free.Layers, _dSum, 1f, 0, c, batch.Pool, keep: 0f);
        _network.Cost.AccumulateParameterGradient(batch.Free.Layers, batch.Targets, 1f / c, c, batch.Pool, keep: 0f);
    }

    /// <summary>
    /// Every parameter's Grad = the contribution of the single step from time T − j to T − j + 1 (j = 1 … K).
    /// The readout's gradient, which depends on s^T only, is assigned to the last step (j = 1).
    /// </summary>
    public void ComputeStepGradient(BatchContext batch, int j)
    {
        if (j < 1 || j > Steps) throw new ArgumentOutOfRangeException(nameof(j));
        int c = BlockRows;
        foreach (var i in _dynamic) i.AccumulateGradientDirectional(_s, _d, 1f, j * c, c, batch.Pool, keep: 0f);
        for (int l = 1; l < _network.LayerCount; l++) _d[l]!.RowSpan(j * c, c).CopyTo(_dStep[l]!.RowSpan(0, c));
        foreach (var i in _static) i.AccumulateGradientDirectional(batch.Free.Layers, _dStep, 1f, 0, c, batch.Pool, keep: 0f);
        _network.Cost.AccumulateParameterGradient(batch.Free.Layers, batch.Targets, j == 1 ? 1f / c : 0f, c, batch.Pool, keep: 0f);
    }

    private void BackwardRows(int count, int start, int rows)
    {
        if (rows == 0) return;
        var activation = _network.Activation;
        int layers = _network.LayerCount;
        for (int j = 1; j <= Steps; j++)
        {
            int at = j * count + start, before = (j - 1) * count + start;
            for (int l = 1; l < layers; l++)
            {
                var d = _d[l]!.RowSpan(at, rows);
                activation.Derivative(_u[l].RowSpan(at, rows), _s[l].RowSpan(before, rows), d);
                TensorPrimitives.Multiply(d, _g[l].RowSpan(before, rows), d);
                var sum = _dSum[l]!.RowSpan(start, rows);
                TensorPrimitives.Add(sum, d, sum);
            }
            for (int l = 1; l < layers; l++)
            {
                _g[l].RowSpan(at, rows).Clear();
                foreach (var i in _dynamicOf[l]) i.AddDriveDirectional(l, _s, _d, _g[l], at, rows, WorkerPool.Serial);
            }
        }
    }

    /// <summary>Step t of the recorded K steps is time T − K + t, i.e. block j = K − t; the final state is block 0.</summary>
    private sealed class TrajectoryRecorder(BackpropagationThroughTime owner) : IRelaxationRecorder
    {
        public void Record(int step, Matrix[] states, Matrix[] drives, int start, int count)
        {
            int c = owner.BlockRows, row = (owner.Steps - step) * c + start;
            for (int l = 1; l < states.Length; l++)
            {
                states[l].RowSpan(start, count).CopyTo(owner._s[l].RowSpan(row, count));
                drives[l].RowSpan(start, count).CopyTo(owner._u[l].RowSpan(row, count));
            }
        }

        public void RecordFinal(Matrix[] states, int start, int count)
        {
            for (int l = 1; l < states.Length; l++) states[l].RowSpan(start, count).CopyTo(owner._s[l].RowSpan(start, count));
        }
    }

    private sealed class BackwardJob(BackpropagationThroughTime owner) : IParallelJob
    {
        private int _count;
        public void Set(int count) => _count = count;

        public void Execute(int worker, int workers)
        {
            var (start, end) = WorkerPool.Share(_count, worker, workers);
            owner.BackwardRows(_count, start, end - start);
        }
    }
}

/// <summary>The "bptt" learning rule: truncated BPTT through the last K steps of a T1-step free phase.</summary>
public sealed class BpttRule(LayeredNetwork network, PhaseSettings phases) : LearningRule
{
    private readonly BackpropagationThroughTime _engine = new(network, Math.Min(phases.BackpropSteps, phases.FreeSteps));
    public override string Name => "bptt";

    public override void TrainBatch(BatchContext batch, Optimizer optimizer)
    {
        _engine.Forward(batch, phases.FreeSteps);
        _engine.Backward(batch);
        _engine.ComputeGradients(batch);
        optimizer.Step(batch.Pool);
    }
}
