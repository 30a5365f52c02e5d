using OnChip.Networks;
using OnChip.Networks.Interactions;
using OnChip.Parallelism;
using OnChip.Tensors;

namespace OnChip.Dynamics;

/// <summary>
/// Relaxes a mini-batch towards equilibrium with the discrete-time dynamics s ← σ(∂Φ^β/∂s (s)): synchronous
/// (every layer from the previous step's states) or alternating (odd layers, then even layers; see
/// <see cref="UpdateOrder"/>), as <see cref="LayeredNetwork.UpdateOrder"/> says.
/// The drive of interactions that touch only clamped layers (the input product W0·x and the biases) is constant
/// during a relaxation, so it is computed once per batch (<see cref="PrepareStaticDrive"/>), not once per step.
/// Examples relax independently, so the batch is split by rows between workers; nothing is allocated per step.
/// Each interaction computes all its drives of a phase in one call, so a conv term convolves its lower layer once.
/// </summary>
public sealed class Relaxation
{
    private readonly LayeredNetwork _network;
    private readonly Interaction[][] _static;
    /// <summary>Per phase of a step (one phase when synchronous, odd then even when alternating): the layers it updates,
    /// and each interaction with a non-constant drive on them together with those layers.</summary>
    private readonly int[][][] _phaseLayers;
    private readonly (Interaction Term, int[] Layers)[][][] _phaseTerms;
    private readonly RelaxJob _job;
    private Matrix[] _staticDrive;
    private Matrix[] _drive;
    private Matrix[] _alternate;

    public Relaxation(LayeredNetwork network, int capacity)
    {
        _network = network;
        int layers = network.LayerCount;
        _static = new Interaction[layers][];
        for (int l = 1; l < layers; l++)
            _static[l] = network.InteractionsOf(l).Where(i => LayeredNetwork.IsStaticDrive(i, l)).ToArray();
        int[] all = Enumerable.Range(1, layers - 1).ToArray();
        _phaseLayers =
        [
            [all],
            [all.Where(l => l % 2 == 1).ToArray(), all.Where(l => l % 2 == 0).ToArray()],
        ];
        // Terms in network order, so each layer's drive sums its terms in the same order as InteractionsOf(layer).
        _phaseTerms = _phaseLayers.Select(phases => phases.Select(phase => network.Interactions
            .Select(i => (Term: i, Layers: phase.Where(l => i.Touches(l) && !LayeredNetwork.IsStaticDrive(i, l)).ToArray()))
            .Where(t => t.Layers.Length > 0).ToArray()).ToArray()).ToArray();
        _staticDrive = [];
        _drive = [];
        _alternate = [];
        Allocate(capacity);
        _job = new RelaxJob(this);
    }

    public int Capacity { get; private set; }

    private void Allocate(int capacity)
    {
        Capacity = capacity;
        int layers = _network.LayerCount;
        _staticDrive = new Matrix[layers];
        _drive = new Matrix[layers];
        _alternate = new Matrix[layers];
        for (int l = 1; l < layers; l++)
        {
            _staticDrive[l] = new Matrix(capacity, _network.LayerSizes[l]);
            _drive[l] = new Matrix(capacity, _network.LayerSizes[l]);
            _alternate[l] = new Matrix(capacity, _network.LayerSizes[l]);
        }
        _network.Cost.EnsureCapacity(capacity);
        foreach (var interaction in _network.Interactions) interaction.EnsureCapacity(capacity);
    }

    /// <summary>The per-layer drive of the last step (u such that s = σ(u)); layer 0 is unused.</summary>
    public Matrix[] LastDrive => _drive;

    /// <summary>Computes the constant part of the drive for rows [0, count) from the clamped input in <paramref name="state"/>.</summary>
    public void PrepareStaticDrive(NetworkState state, int count, WorkerPool pool)
    {
        if (count > Capacity) Allocate(Math.Max(count, 2 * Capacity));
        for (int l = 1; l < _network.LayerCount; l++)
        {
            var target = _staticDrive[l];
            target.RowSpan(0, count).Clear();
            foreach (var interaction in _static[l]) interaction.AddDrive(l, state.Layers, target, 0, count, pool);
        }
    }

    /// <summary>
    /// Runs <paramref name="steps"/> steps on rows [0, count) of <paramref name="state"/>, in place, with nudging
    /// strength <paramref name="beta"/> towards <paramref name="targets"/> (unused when beta is 0).
    /// <see cref="PrepareStaticDrive"/> must have been called for the current input and weights.
    /// </summary>
    public void Relax(NetworkState state, Matrix? targets, float beta, int steps, int count, WorkerPool pool, IRelaxationRecorder? recorder = null)
    {
        if (count > Capacity) throw new InvalidOperationException("PrepareStaticDrive was not called for this batch size");
        if (beta != 0f && targets is null) throw new ArgumentNullException(nameof(targets), "a nudged phase needs targets");
        if (recorder is not null && _network.UpdateOrder != UpdateOrder.Synchronous)
            throw new InvalidOperationException("backpropagation through time differentiates the synchronous dynamics; use the sync update order");
        _alternate[0] = state.Layers[0];
        _job.Set(state.Layers, targets, beta, steps, count, recorder);
        pool.Run(_job);
    }

    /// <summary>The serial kernel: relaxes rows [start, start+count) of <paramref name="states"/>.</summary>
    private void RelaxRows(Matrix[] states, Matrix? targets, float beta, int steps, int start, int count, IRelaxationRecorder? recorder)
    {
        if (count == 0) return;
        if (_network.UpdateOrder == UpdateOrder.Alternating)
        {
            // In place: a phase computes all its drives before it writes its layers, and its layers do not drive each other.
            for (int t = 0; t < steps; t++)
                for (int phase = 0; phase < 2; phase++)
                    Update(1, phase, states, states, targets, beta, start, count, lowerUnchanged: t > 0 || phase > 0);
            return;
        }
        Matrix[] current = states, next = _alternate;
        for (int t = 0; t < steps; t++)
        {
            Update(0, 0, current, next, targets, beta, start, count, lowerUnchanged: false);
            recorder?.Record(t, current, _drive, start, count);
            (current, next) = (next, current);
        }
        if (!ReferenceEquals(current, states))
            for (int l = 1; l < states.Length; l++) current[l].RowSpan(start, count).CopyTo(states[l].RowSpan(start, count));
        recorder?.RecordFinal(states, start, count);
    }

    /// <summary>One phase: drives of its layers from <paramref name="current"/>, then next[l] = σ(drive).</summary>
    private void Update(int order, int phase, Matrix[] current, Matrix[] next, Matrix? targets, float beta, int start, int count, bool lowerUnchanged)
    {
        var layers = _phaseLayers[order][phase];
        foreach (int l in layers) _staticDrive[l].RowSpan(start, count).CopyTo(_drive[l].RowSpan(start, count));
        foreach (var (term, termLayers) in _phaseTerms[order][phase]) term.AddDrives(termLayers, current, _drive, start, count, lowerUnchanged);
        var cost = _network.Cost;
        foreach (int l in layers)
        {
            var drive = _drive[l];
            if (beta != 0f && l == cost.Layer) cost.AddStateGradient(current, targets!, -beta, drive, start, count);
            _network.Activation.Apply(drive.RowSpan(start, count), next[l].RowSpan(start, count));
        }
    }

    private sealed class RelaxJob(Relaxation owner) : IParallelJob
    {
        private Matrix[] _states = [];
        private Matrix? _targets;
        private float _beta;
        private int _steps, _count;
        private IRelaxationRecorder? _recorder;

        public void Set(Matrix[] states, Matrix? targets, float beta, int steps, int count, IRelaxationRecorder? recorder) =>
            (_states, _targets, _beta, _steps, _count, _recorder) = (states, targets, beta, steps, count, recorder);

        public void Execute(int worker, int workers)
        {
            var (start, end) = WorkerPool.Share(_count, worker, workers);
            owner.RelaxRows(_states, _targets, _beta, _steps, start, end - start, _recorder);
        }
    }
}

/// <summary>
/// Receives every step of a relaxation, on the worker that computed those rows (so recording runs in parallel and
/// needs no extra synchronisation). Used by BPTT to keep the trajectory it differentiates.
/// </summary>
public interface IRelaxationRecorder
{
    /// <summary>Step <paramref name="step"/> computed drives u^t (rows [start, start+count)) from states s^t.</summary>
    void Record(int step, Matrix[] states, Matrix[] drives, int start, int count);

    /// <summary>The relaxation ended in <paramref name="states"/>.</summary>
    void RecordFinal(Matrix[] states, int start, int count);
}
