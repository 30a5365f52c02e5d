using System.Numerics.Tensors;
using OnChip.Dynamics;
using OnChip.Networks;
using OnChip.Networks.Interactions;
using OnChip.Optimizers;
using OnChip.Parallelism;
using OnChip.Tensors;

namespace OnChip.Learning;

/// <summary>
/// Backpropagation through the free dynamics of the loss ℓ(s^T), by hand, for any schedule and any layer update.
/// A step runs the schedule's phases; a phase sets each of its layers from its drive u (s_l = f_l(u_l)), all drives
/// read from the states as they were when the phase began. Going back through a phase: δ_l = ∂L/∂s_l (the adjoint
/// of the new value), D_l = f_l'(u)⊙δ_l; the old values get G_m += D_s(u_m)[D] (the interactions' linearised
/// drives: the coupling is symmetric, so the transposed Jacobian of l's drive is the linearised drive of m); and the
/// parameters Σ D_θ(u)[D], plus, for a layer that divides by its curvature a (s = clip(u/a)), −Σ D⊙s·∂a/∂θ.
/// Truncated to the last K steps (K = T is the full unroll).
/// <para>
/// Blocks are indexed backwards in time, j = 0 … K ↔ time T − j, each a block of batch rows in one stacked
/// matrix per layer: S_j = s^{T−j}, U_j = the drives of step T − j (so S_{j−1} = f(U_j)), G_j = ∂L/∂s^{T−j},
/// D_j = ∂L/∂u of step T − j. Examples are independent, so the backward recursion runs split by rows with no
/// synchronisation; the parameter gradients of all steps are then one product over the stacked rows per phase (and,
/// for interactions with the clamped input, one product with the summed adjoint). A layer updated in an earlier
/// phase of a step was read at its new value, i.e. from block j − 1: a copy of the stack shifted by one block.
/// </para>
/// </summary>
internal sealed class BackpropagationThroughTime
{
    private readonly LayeredNetwork _network;
    private readonly Interaction[][] _dynamicOf;
    private readonly Interaction[] _dynamic, _static;
    private readonly BackwardJob _job;
    private readonly TrajectoryRecorder _recorder;
    private Matrix[] _s = [], _u = [], _g = [], _shifted = [];
    private Matrix?[] _d = [], _dSum = [], _dStep = [];
    private int _capacity = -1;
    /// <summary>Per phase of the recorded schedule: the states each phase read, and the adjoints of its layers only.</summary>
    private Matrix[][] _phaseStates = [];
    private Matrix?[][] _phaseDirections = [];
    private int[][] _phases = [];
    /// <summary>For each dynamic interaction, the phases that update one of its layers.</summary>
    private int[][] _phasesOf = [];
    private Schedule? _builtFor;
    private Relaxation? _relaxation;
    private float[][] _curvatureWeights = [];

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
        _curvatureWeights = Enumerable.Range(0, layers).Select(l => l > 0 && network.Update(l).NeedsCurvature ? new float[network.LayerSizes[l]] : []).ToArray();
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
        _builtFor = null;
        int layers = _network.LayerCount, k = Steps;
        _s = new Matrix[layers];
        _u = new Matrix[layers];
        _g = new Matrix[layers];
        _d = new Matrix?[layers];
        _dSum = new Matrix?[layers];
        _dStep = new Matrix?[layers];
        _shifted = new Matrix[layers];
        _s[0] = _u[0] = _g[0] = _shifted[0] = new Matrix(0, _network.LayerSizes[0]);
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

    /// <summary>Per phase: the states the phase read (a layer of an earlier phase from the shifted copy) and its layers' adjoints.</summary>
    private void BuildPhases(Schedule schedule)
    {
        if (_builtFor != schedule) Build(schedule);  // no lambda here: its closure would be allocated on every call
    }

    private void Build(Schedule schedule)
    {
        _builtFor = schedule;
        _phases = _relaxation!.Phases(schedule);
        int layers = _network.LayerCount;
        var phaseOf = new int[layers];
        for (int p = 0; p < _phases.Length; p++)
            foreach (int l in _phases[p]) phaseOf[l] = p;
        bool shifts = _phases.Length > 1;
        for (int l = 1; l < layers; l++)
            _shifted[l] = shifts ? new Matrix(_s[l].Rows, _s[l].Cols) : _s[l];
        _phasesOf = _dynamic.Select(i => Enumerable.Range(0, _phases.Length).Where(p => _phases[p].Any(i.Touches)).ToArray()).ToArray();
        _phaseStates = new Matrix[_phases.Length][];
        _phaseDirections = new Matrix?[_phases.Length][];
        for (int p = 0; p < _phases.Length; p++)
        {
            _phaseStates[p] = Enumerable.Range(0, layers).Select(m => m > 0 && phaseOf[m] < p ? _shifted[m] : _s[m]).ToArray();
            _phaseDirections[p] = Enumerable.Range(0, layers).Select(m => _phases[p].Contains(m) ? _d[m] : null).ToArray();
        }
    }

    /// <summary>
    /// The free phase for <paramref name="totalSteps"/> steps (≥ K) from s = 0 (or the previous batch's state with
    /// <see cref="BatchContext.WarmStart"/>), recording the last K steps. Leaves s^T in the batch's free state, scored.
    /// </summary>
    public void Forward(BatchContext batch, int totalSteps)
    {
        if (totalSteps < Steps) throw new ArgumentException($"cannot backpropagate through {Steps} steps of a {totalSteps}-step phase");
        Allocate(batch.Capacity);
        _relaxation = batch.Relaxation;
        BuildPhases(_network.Schedule);
        int c = batch.Count;
        BlockRows = c;
        var free = batch.Free;
        var relaxation = batch.Relaxation;
        relaxation.PrepareStaticDrive(free, c, batch.Pool);
        if (!batch.WarmStart) free.ClearRows(0, c);
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
        if (_phases.Length > 1)
        {
            // Block j of the shifted copy is block j − 1: the new value of a layer updated earlier in the step.
            int rows = Steps * c;
            for (int l = 1; l < _network.LayerCount; l++) _s[l].RowSpan(0, rows).CopyTo(_shifted[l].RowSpan(c, rows));
        }
        _job.Set(c);
        batch.Pool.Run(_job);
    }

    /// <summary>Every parameter's Grad = ∂L/∂θ summed over the K steps (plus the readout's own gradient at s^T).</summary>
    public void ComputeGradients(BatchContext batch) => Gradients(batch, BlockRows, Steps * BlockRows, _dSum);

    /// <summary>
    /// Every parameter's Grad = the contribution of the single step from time T − j to T − j + 1 (j = 1 … K).
    /// The readout's gradient, which depends on s^T only, is assigned to the last step (j = 1).
    /// </summary>
    public void ComputeStepGradient(BatchContext batch, int j)
    {
        if (j < 1 || j > Steps) throw new ArgumentOutOfRangeException(nameof(j));
        int c = BlockRows;
        for (int l = 1; l < _network.LayerCount; l++) _d[l]!.RowSpan(j * c, c).CopyTo(_dStep[l]!.RowSpan(0, c));
        Gradients(batch, j * c, c, _dStep, readout: j == 1);
    }

    /// <summary>Parameter gradients of the steps whose adjoint rows are [start, start+count), <paramref name="summed"/> their sum.</summary>
    private void Gradients(BatchContext batch, int start, int count, Matrix?[] summed, bool readout = true)
    {
        int c = BlockRows;
        if (_phases.Length == 1)
        {
            foreach (var i in _dynamic) i.AccumulateGradientDirectional(_s, _d, 1f, start, count, batch.Pool, keep: 0f);
        }
        else
        {
            for (int t = 0; t < _dynamic.Length; t++)
            {
                float keep = 0f;
                foreach (int p in _phasesOf[t])
                {
                    _dynamic[t].AccumulateGradientDirectional(_phaseStates[p], _phaseDirections[p], 1f, start, count, batch.Pool, keep);
                    keep = 1f;
                }
            }
        }
        foreach (var i in _static) i.AccumulateGradientDirectional(batch.Free.Layers, summed, 1f, 0, c, batch.Pool, keep: 0f);
        _network.Cost.AccumulateParameterGradient(batch.Free.Layers, batch.Targets, readout ? 1f / c : 0f, c, batch.Pool, keep: 0f);
        AddCurvatureGradients(start, count);
    }

    /// <summary>s = clip(u/a): ∂s/∂a = −(∂s/∂u)·s, so a's adjoint over the rows is −Σ D⊙s (s the value the update produced).</summary>
    private void AddCurvatureGradients(int start, int count)
    {
        int c = BlockRows;
        for (int l = 1; l < _network.LayerCount; l++)
        {
            var weights = _curvatureWeights[l];
            if (weights.Length == 0) continue;
            Array.Clear(weights);
            int n = weights.Length;
            for (int r = start; r < start + count; r++)
            {
                var d = _d[l]!.Row(r);
                var s = _s[l].Row(r - c);
                for (int k = 0; k < n; k++) weights[k] -= d[k] * s[k];
            }
            foreach (var i in _network.InteractionsOf(l)) i.AccumulateCurvatureGradient(l, weights, 1f);
        }
    }

    private void BackwardRows(int count, int start, int rows)
    {
        if (rows == 0) return;
        int layers = _network.LayerCount;
        bool phased = _phases.Length > 1;
        for (int j = 1; j <= Steps; j++)
        {
            int at = j * count + start, before = (j - 1) * count + start;
            // The adjoint of the states as the step left them, updated phase by phase from the last one back.
            if (phased)
                for (int l = 1; l < layers; l++) _g[l].RowSpan(before, rows).CopyTo(_g[l].RowSpan(at, rows));
            int adjointRow = phased ? at : before;
            for (int p = _phases.Length - 1; p >= 0; p--)
            {
                foreach (int l in _phases[p])
                {
                    var d = _d[l]!.RowSpan(at, rows);
                    _network.Update(l).Slope(_u[l].RowSpan(at, rows), _s[l].RowSpan(before, rows), d, _u[l].Cols, _relaxation!.InverseCurvature(l));
                    TensorPrimitives.Multiply(d, _g[l].RowSpan(adjointRow, rows), d);
                    var sum = _dSum[l]!.RowSpan(start, rows);
                    TensorPrimitives.Add(sum, d, sum);
                }
                foreach (int l in _phases[p]) _g[l].RowSpan(at, rows).Clear();
                var states = phased ? _phaseStates[p] : _s;
                var direction = phased ? _phaseDirections[p] : _d;
                for (int l = 1; l < layers; l++)
                    foreach (var i in _dynamicOf[l]) i.AddDriveDirectional(l, states, direction, _g[l], at, rows, WorkerPool.Serial);
            }
        }
    }

    /// <summary>Step t of the recorded K steps is time T − K + t, i.e. block j = K − t; the final state is block 0.</summary>
    private sealed class TrajectoryRecorder(BackpropagationThroughTime owner) : IRelaxationRecorder
    {
        public void RecordState(int step, Matrix[] states, int start, int count)
        {
            int row = (owner.Steps - step) * owner.BlockRows + start;
            for (int l = 1; l < states.Length; l++) states[l].RowSpan(start, count).CopyTo(owner._s[l].RowSpan(row, count));
        }

        public void RecordDrives(int step, Matrix[] drives, int start, int count)
        {
            int row = (owner.Steps - step) * owner.BlockRows + start;
            for (int l = 1; l < drives.Length; l++) drives[l].RowSpan(start, count).CopyTo(owner._u[l].RowSpan(row, count));
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
internal sealed class BpttRule(LayeredNetwork network, PhaseSettings phases) : LearningRule
{
    private readonly BackpropagationThroughTime _engine = new(network, Math.Min(phases.BackpropSteps, phases.FreeSteps));
    public override string Name => "bptt";

    public override void TrainBatch(BatchContext batch, Optimizer optimizer)
    {
        ComputeGradients(batch);
        optimizer.Step(batch.Pool);
    }

    public override bool EstimatesGradient => true;

    public override void ComputeGradients(BatchContext batch)
    {
        _engine.Forward(batch, phases.FreeSteps);
        _engine.Backward(batch);
        _engine.ComputeGradients(batch);
    }
}
