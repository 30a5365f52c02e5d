using OnChip.Networks;
using OnChip.Networks.Interactions;
using OnChip.Parallelism;
using OnChip.Tensors;

namespace OnChip.Dynamics;

/// <summary>
/// Relaxes a mini-batch towards equilibrium with the synchronous discrete-time dynamics
/// s^{t+1} = σ(∂Φ^β/∂s (s^t)): every layer is updated from the previous step's states.
/// The drive of interactions that touch only clamped layers (the input product W0·x and the biases) is constant
/// during a relaxation, so it is computed once per batch (<see cref="PrepareStaticDrive"/>), not once per step.
/// Examples relax independently, so the batch is split by rows between workers; nothing is allocated per step.
/// </summary>
public sealed class Relaxation
{
    private readonly LayeredNetwork _network;
    private readonly Interaction[][] _static;
    private readonly Interaction[][] _dynamic;
    private readonly RelaxJob _job;
    private Matrix[] _staticDrive;
    private Matrix[] _drive;
    private Matrix[] _alternate;

    public Relaxation(LayeredNetwork network, int capacity)
    {
        _network = network;
        int layers = network.LayerCount;
        _static = new Interaction[layers][];
        _dynamic = new Interaction[layers][];
        for (int l = 1; l < layers; l++)
        {
            _static[l] = network.InteractionsOf(l).Where(i => LayeredNetwork.IsStaticDrive(i, l)).ToArray();
            _dynamic[l] = network.InteractionsOf(l).Where(i => !LayeredNetwork.IsStaticDrive(i, l)).ToArray();
        }
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
        _alternate[0] = state.Layers[0];
        _job.Set(state.Layers, targets, beta, steps, count, recorder);
        pool.Run(_job);
    }

    /// <summary>The serial kernel: relaxes rows [start, start+count) of <paramref name="states"/>.</summary>
    private void RelaxRows(Matrix[] states, Matrix? targets, float beta, int steps, int start, int count, IRelaxationRecorder? recorder)
    {
        if (count == 0) return;
        var cost = _network.Cost;
        var activation = _network.Activation;
        Matrix[] current = states, next = _alternate;
        for (int t = 0; t < steps; t++)
        {
            for (int l = 1; l < current.Length; l++)
            {
                var drive = _drive[l];
                _staticDrive[l].RowSpan(start, count).CopyTo(drive.RowSpan(start, count));
                foreach (var interaction in _dynamic[l]) interaction.AddDrive(l, current, drive, start, count, WorkerPool.Serial);
                if (beta != 0f && l == cost.Layer) cost.AddStateGradient(current, targets!, -beta, drive, start, count);
                activation.Apply(drive.RowSpan(start, count), next[l].RowSpan(start, count));
            }
            recorder?.Record(t, current, _drive, start, count);
            (current, next) = (next, current);
        }
        if (!ReferenceEquals(current, states))
            for (int l = 1; l < states.Length; l++) current[l].RowSpan(start, count).CopyTo(states[l].RowSpan(start, count));
        recorder?.RecordFinal(states, start, count);
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
