using OnChip.Networks;
using OnChip.Networks.Costs;
using OnChip.Networks.Interactions;
using OnChip.Networks.Layers;
using OnChip.Parallelism;
using OnChip.Tensors;

namespace OnChip.Dynamics;

/// <summary>
/// Relaxes a mini-batch towards equilibrium: each step runs the phases of the network's <see cref="Schedule"/>, and
/// a phase sets each of its layers from its drive (the layer's <see cref="Networks.Layers.LayerUpdate"/>: the
/// fixed-point step s ← σ(∂Φ^β/∂s), or the exact minimiser of a quadratic unit). Synchronous steps read the previous
/// step's states (double-buffered); the other schedules update in place, phase after phase.
/// The drive of interactions that touch only clamped layers (the input product W0·x and the biases) is constant
/// during a relaxation, so it is computed once per batch (<see cref="PrepareStaticDrive"/>), not once per step, and so
/// are the curvatures of quadratic layers (they depend on the parameters only).
/// Examples relax independently, so the batch is split by rows between workers; nothing is allocated per step.
/// Each interaction computes all its drives of a phase in one call, so a conv term convolves its lower layer once.
/// </summary>
internal sealed class Relaxation
{
    private readonly LayeredNetwork _network;
    private readonly Interaction[][] _static;
    /// <summary>Per schedule, per phase of a step: the layers it updates, and each interaction with a non-constant
    /// drive on them together with those layers.</summary>
    private readonly int[][][] _phaseLayers;
    private readonly (Interaction Term, int[] Layers)[][][] _phaseTerms;
    private readonly RelaxJob _job;
    private readonly float[][] _curvature, _inverseCurvature;
    private float[] _nudgedInverse = [];
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
        _phaseLayers = Enum.GetValues<Schedule>().Select(s => Schedules.Phases(s, layers - 1)).ToArray();
        // Terms in network order, so each layer's drive sums its terms in the same order as InteractionsOf(layer).
        _phaseTerms = _phaseLayers.Select(phases => phases.Select(phase => network.Interactions
            .Select(i => (Term: i, Layers: phase.Where(l => i.Touches(l) && !LayeredNetwork.IsStaticDrive(i, l)).ToArray()))
            .Where(t => t.Layers.Length > 0).ToArray()).ToArray()).ToArray();
        _curvature = new float[layers][];
        _inverseCurvature = new float[layers][];
        for (int l = 1; l < layers; l++)
        {
            bool needs = network.Update(l).NeedsCurvature;
            _curvature[l] = needs ? new float[network.LayerSizes[l]] : [];
            _inverseCurvature[l] = needs ? new float[network.LayerSizes[l]] : [];
        }
        _staticDrive = [];
        _drive = [];
        _alternate = [];
        Allocate(capacity);
        _job = new RelaxJob(this);
        _complexJob = new ComplexJob(this);
    }

    public int Capacity { get; private set; }

    /// <summary>
    /// σ of the Gaussian noise added to every unit's input (its drive, before the activation, as in Laborieux &amp; Zenke's
    /// code) at every step of every relaxation (0: none). The draws are keyed by <see cref="BeginNoise"/>'s key, the
    /// relaxation's number since then, the step, phase, layer and row, so they do not depend on the number of threads.
    /// </summary>
    public float StateNoise { get; set; }
    public ulong NoiseSeed { get; set; }
    private ulong _noiseKey, _noiseCall;
    [ThreadStatic] private static Randomness.ChunkRandom? _noiseRandom;
    [ThreadStatic] private static float[]? _noiseBuffer;

    /// <summary>Starts the noise draws of a mini-batch (the trainer's epoch and batch: a resumed run draws the same).</summary>
    public void BeginNoise(ulong key) => (_noiseKey, _noiseCall) = (key, 0);

    /// <summary>drive[rows] += σ·ξ for layer <paramref name="layer"/> at step <paramref name="step"/>, phase <paramref name="phase"/>.</summary>
    private void AddNoise(Matrix drive, int layer, int step, int phase, int start, int count)
    {
        var random = _noiseRandom ??= new Randomness.ChunkRandom();
        int cols = drive.Cols;
        ulong where = Randomness.ChunkRandom.Key(_noiseCall, (ulong)step, ((ulong)(uint)phase << 16) | (uint)layer);
        for (int r = start; r < start + count; r++)
        {
            random.Reseed(Randomness.ChunkRandom.Key(NoiseSeed ^ _noiseKey, where, (ulong)r));
            var row = drive.Row(r);
            for (int from = 0; from < cols; from += 2048)
            {
                int n = Math.Min(2048, cols - from);
                var noise = (_noiseBuffer ??= new float[2048]).AsSpan(0, n);
                random.FillGaussian(noise);
                System.Numerics.Tensors.TensorPrimitives.MultiplyAdd(noise, StateNoise, row.Slice(from, n), row.Slice(from, n));
            }
        }
    }

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

    /// <summary>The per-layer drive of the last step (u such that s = f(u)); layer 0 is unused.</summary>
    public Matrix[] LastDrive => _drive;

    /// <summary>The phases of one step of <paramref name="schedule"/> (layer indices, in the order they run).</summary>
    public int[][] Phases(Schedule schedule) => _phaseLayers[(int)schedule];

    /// <summary>1/a per unit of a quadratic layer, as of the last <see cref="PrepareStaticDrive"/> (empty for other layers).</summary>
    public ReadOnlySpan<float> InverseCurvature(int layer) => _inverseCurvature[layer];

    /// <summary>
    /// Computes the constant part of the drive for rows [0, count) from the clamped input in <paramref name="state"/>,
    /// and the curvatures of quadratic layers from the current parameters.
    /// </summary>
    public void PrepareStaticDrive(NetworkState state, int count, WorkerPool pool)
    {
        if (count > Capacity) Allocate(Math.Max(count, 2 * Capacity));
        for (int l = 1; l < _network.LayerCount; l++)
        {
            var target = _staticDrive[l];
            target.RowSpan(0, count).Clear();
            var a = _curvature[l];
            if (a.Length == 0)
            {
                foreach (var interaction in _static[l]) interaction.AddDrive(l, state.Layers, target, 0, count, pool);
                continue;
            }
            // A quadratic layer: its curvature (the parameters' share of the energy) with the static drive, in one pass
            // over the parameters where a term can (a resistive coupling to the input).
            Array.Clear(a);
            foreach (var interaction in _network.InteractionsOf(l))
            {
                if (Array.IndexOf(_static[l], interaction) >= 0) interaction.AddDriveWithCurvature(l, state.Layers, target, a, count, pool);
                else interaction.AddCurvature(l, a);
            }
            var inverse = _inverseCurvature[l];
            // A node with nothing connected (a = 0) is held at 0.
            for (int j = 0; j < a.Length; j++) inverse[j] = a[j] > 0f ? 1f / a[j] : 0f;
        }
    }

    /// <summary>
    /// Runs <paramref name="steps"/> steps on rows [0, count) of <paramref name="state"/>, in place, with nudging
    /// strength <paramref name="beta"/> towards <paramref name="targets"/> (unused when beta is 0), with the network's
    /// schedule for that phase (<see cref="LayeredNetwork.ScheduleFor"/>).
    /// <see cref="PrepareStaticDrive"/> must have been called for the current input and weights.
    /// </summary>
    public void Relax(NetworkState state, Matrix? targets, float beta, int steps, int count, WorkerPool pool, IRelaxationRecorder? recorder = null)
    {
        if (count > Capacity) throw new InvalidOperationException("PrepareStaticDrive was not called for this batch size");
        if (beta != 0f && targets is null) throw new ArgumentNullException(nameof(targets), "a nudged phase needs targets");
        if (beta != 0f) PrepareNudgedCurvature(beta);
        _alternate[0] = state.Layers[0];
        _job.Set(state.Layers, state.Accumulators, targets, beta, steps, count, _network.ScheduleFor(beta), recorder, holdOutput: false);
        pool.Run(_job);
        _noiseCall++;
    }

    /// <summary>
    /// Runs <paramref name="steps"/> steps on rows [0, count) of <paramref name="state"/> with the cost's layer held at
    /// the values it holds now (a clamped output: a voltage source on a resistive network's output node), with the
    /// nudged phases' schedule. <see cref="PrepareStaticDrive"/> must have been called for the current input and weights.
    /// </summary>
    public void RelaxHoldingOutput(NetworkState state, int steps, int count, WorkerPool pool)
    {
        if (count > Capacity) throw new InvalidOperationException("PrepareStaticDrive was not called for this batch size");
        _alternate[0] = state.Layers[0];
        _job.Set(state.Layers, state.Accumulators, null, 0f, steps, count, _network.ScheduleFor(1f), null, holdOutput: true);   // the nudged phases' schedule
        pool.Run(_job);
        _noiseCall++;
    }

    private Matrix[] _imaginaryDrive = [], _imaginaryAlternate = [];
    private readonly ComplexJob _complexJob;

    /// <summary>
    /// A complex relaxation for holomorphic EP (Laborieux &amp; Zenke 2022): the state is real + i·imaginary (the
    /// input and the biases are real), real weights act on both parts, the squared-error nudge has the complex
    /// strength β = betaReal + i·betaImaginary, and every layer applies its activation's holomorphic extension.
    /// Runs <paramref name="steps"/> steps with the nudged phases' schedule on rows [0, count).
    /// </summary>
    public void RelaxComplex(NetworkState real, NetworkState imaginary, Matrix targets, float betaReal, float betaImaginary, int steps, int count, WorkerPool pool)
    {
        if (count > Capacity) throw new InvalidOperationException("PrepareStaticDrive was not called for this batch size");
        if (_network.Cost is not Networks.Costs.SquaredError)
            throw new InvalidOperationException("a complex relaxation nudges with the squared error");
        if (_network.NudgeAfterActivation)
            throw new InvalidOperationException("a complex relaxation nudges the drive (holomorphic EP needs the energy's nudge, not --nudge state)");
        for (int l = 1; l < _network.LayerCount; l++)
            if (_network.Update(l) is not Networks.Layers.FixedPointUpdate { Activation: IHolomorphicActivation })
                throw new InvalidOperationException($"layer {l} ({_network.Update(l).Name}) has no holomorphic extension");
        if (_imaginaryDrive.Length != _drive.Length || _imaginaryDrive[1].Rows < Capacity)
        {
            _imaginaryDrive = _drive.Select(m => m is null ? null! : new Matrix(m.Rows, m.Cols)).ToArray();
            _imaginaryAlternate = _alternate.Select(m => m is null ? null! : new Matrix(m.Rows, m.Cols)).ToArray();
        }
        _alternate[0] = real.Layers[0];
        _imaginaryAlternate[0] = imaginary.Layers[0];
        _complexJob.Set(real.Layers, imaginary.Layers, targets, betaReal, betaImaginary, steps, count, _network.ScheduleFor(1f));
        pool.Run(_complexJob);
        _noiseCall++;
    }

    private void RelaxRowsComplex(Matrix[] real, Matrix[] imaginary, Matrix targets, float betaReal, float betaImaginary, int steps, int start, int count, Schedule schedule)
    {
        if (count == 0) return;
        int order = (int)schedule;
        if (schedule != Schedule.Synchronous)
        {
            for (int t = 0; t < steps; t++)
                for (int phase = 0; phase < _phaseLayers[order].Length; phase++)
                    UpdateComplex(order, phase, real, imaginary, real, imaginary, targets, betaReal, betaImaginary, start, count, t);
            return;
        }
        Matrix[] currentRe = real, currentIm = imaginary, nextRe = _alternate, nextIm = _imaginaryAlternate;
        for (int t = 0; t < steps; t++)
        {
            UpdateComplex(order, 0, currentRe, currentIm, nextRe, nextIm, targets, betaReal, betaImaginary, start, count, t);
            (currentRe, nextRe) = (nextRe, currentRe);
            (currentIm, nextIm) = (nextIm, currentIm);
        }
        if (ReferenceEquals(currentRe, real)) return;
        for (int l = 1; l < real.Length; l++)
        {
            currentRe[l].RowSpan(start, count).CopyTo(real[l].RowSpan(start, count));
            currentIm[l].RowSpan(start, count).CopyTo(imaginary[l].RowSpan(start, count));
        }
    }

    /// <summary>One phase of a complex step: the drives of both parts (the static drive is real), the complex nudge, the holomorphic activation.</summary>
    private void UpdateComplex(int order, int phase, Matrix[] currentRe, Matrix[] currentIm, Matrix[] nextRe, Matrix[] nextIm, Matrix targets,
        float betaReal, float betaImaginary, int start, int count, int step)
    {
        var layers = _phaseLayers[order][phase];
        foreach (int l in layers)
        {
            _staticDrive[l].RowSpan(start, count).CopyTo(_drive[l].RowSpan(start, count));
            _imaginaryDrive[l].RowSpan(start, count).Clear();
        }
        // Cached lower-layer products would mix the two parts: every term recomputes (no lowerUnchanged).
        foreach (var (term, termLayers) in _phaseTerms[order][phase])
            term.AddDrivesComplex(termLayers, currentRe, currentIm, _drive, _imaginaryDrive, start, count);
        int top = _network.Cost.Layer;
        foreach (int l in layers)
        {
            var driveRe = _drive[l].RowSpan(start, count);
            var driveIm = _imaginaryDrive[l].RowSpan(start, count);
            if (l == top)
            {
                // u −= β·(s − y) with complex β and s.
                var cost = (Networks.Costs.SquaredError)_network.Cost;
                int cols = _drive[l].Cols;
                var sRe = currentRe[l].RowSpan(start, count);
                var sIm = currentIm[l].RowSpan(start, count);
                for (int i = 0; i < driveRe.Length; i++)
                {
                    float er = sRe[i] - cost.TargetOf(targets.Row(start + i / cols), i % cols), ei = sIm[i];
                    driveRe[i] -= betaReal * er - betaImaginary * ei;
                    driveIm[i] -= betaReal * ei + betaImaginary * er;
                }
            }
            if (StateNoise > 0f) AddNoise(_drive[l], l, step, phase, start, count);   // real noise: on the real part
            var activation = (IHolomorphicActivation)((Networks.Layers.FixedPointUpdate)_network.Update(l)).Activation;
            activation.ApplyComplex(driveRe, driveIm, nextRe[l].RowSpan(start, count), nextIm[l].RowSpan(start, count));
        }
    }

    private sealed class ComplexJob(Relaxation owner) : IParallelJob
    {
        private Matrix[] _real = [], _imaginary = [];
        private Matrix _targets = null!;
        private float _betaReal, _betaImaginary;
        private int _steps, _count;
        private Schedule _schedule;

        public void Set(Matrix[] real, Matrix[] imaginary, Matrix targets, float betaReal, float betaImaginary, int steps, int count, Schedule schedule) =>
            (_real, _imaginary, _targets, _betaReal, _betaImaginary, _steps, _count, _schedule) = (real, imaginary, targets, betaReal, betaImaginary, steps, count, schedule);

        public void Execute(int worker, int workers)
        {
            var (start, end) = WorkerPool.Share(_count, worker, workers);
            owner.RelaxRowsComplex(_real, _imaginary, _targets, _betaReal, _betaImaginary, _steps, start, end - start, _schedule);
        }
    }

    /// <summary>The nudged output of a quadratic layer: 1/(a + β·ℓ''), which must stay a convex minimisation.</summary>
    private void PrepareNudgedCurvature(float beta)
    {
        int top = _network.Cost.Layer;
        var update = _network.Update(top);
        if (!update.NeedsCurvature) return;
        var a = _curvature[top];
        if (_nudgedInverse.Length != a.Length) _nudgedInverse = new float[a.Length];
        for (int j = 0; j < a.Length; j++)
        {
            // A node with nothing connected stays at 0 in every phase (see PrepareStaticDrive): it is not nudged either.
            if (!(a[j] > 0f))
            {
                _nudgedInverse[j] = 0f;
                continue;
            }
            float nudged = update.NudgedCurvature(_network.Cost, a[j], beta);
            if (!(nudged > 0f))
                throw new UserFacingException($"beta: with β = {beta} the nudged output unit {j} has no equilibrium: its conductances sum to " +
                                              $"{a[j]}, and a negative β must stay above −{a[j]}; use a smaller β (or a rule that nudges with +β only)");
            _nudgedInverse[j] = 1f / nudged;
        }
    }

    private ReadOnlySpan<float> InverseCurvature(int layer, float beta) =>
        beta != 0f && layer == _network.Cost.Layer && _nudgedInverse.Length > 0 && _curvature[layer].Length > 0 ? _nudgedInverse : _inverseCurvature[layer];

    /// <summary>The serial kernel: relaxes rows [start, start+count) of <paramref name="states"/>.</summary>
    private void RelaxRows(Matrix[] states, Matrix[] accumulators, Matrix? targets, float beta, int steps, int start, int count, Schedule schedule, IRelaxationRecorder? recorder, bool holdOutput)
    {
        if (count == 0) return;
        int order = (int)schedule;
        if (schedule != Schedule.Synchronous)
        {
            // In place: a phase computes all its drives before it writes its layers, and its layers do not drive each other.
            int phases = _phaseLayers[order].Length;
            for (int t = 0; t < steps; t++)
            {
                recorder?.RecordState(t, states, start, count);
                for (int phase = 0; phase < phases; phase++)
                    Update(order, phase, states, states, accumulators, targets, beta, start, count,
                        lowerUnchanged: schedule == Schedule.Alternating && (t > 0 || phase > 0), holdOutput, t);
                recorder?.RecordDrives(t, _drive, start, count);
            }
            recorder?.RecordState(steps, states, start, count);
            return;
        }
        Matrix[] current = states, next = _alternate;
        for (int t = 0; t < steps; t++)
        {
            Update(order, 0, current, next, accumulators, targets, beta, start, count, lowerUnchanged: false, holdOutput, t);
            recorder?.RecordState(t, current, start, count);
            recorder?.RecordDrives(t, _drive, start, count);
            (current, next) = (next, current);
        }
        if (!ReferenceEquals(current, states))
            for (int l = 1; l < states.Length; l++) current[l].RowSpan(start, count).CopyTo(states[l].RowSpan(start, count));
        recorder?.RecordState(steps, states, start, count);
    }

    /// <summary>One phase: drives of its layers from <paramref name="current"/>, then next[l] = f(drive).</summary>
    private void Update(int order, int phase, Matrix[] current, Matrix[] next, Matrix[] accumulators, Matrix? targets, float beta, int start, int count, bool lowerUnchanged, bool holdOutput, int step)
    {
        var layers = _phaseLayers[order][phase];
        foreach (int l in layers) _staticDrive[l].RowSpan(start, count).CopyTo(_drive[l].RowSpan(start, count));
        foreach (var (term, termLayers) in _phaseTerms[order][phase]) term.AddDrives(termLayers, current, _drive, start, count, lowerUnchanged);
        var cost = _network.Cost;
        foreach (int l in layers)
        {
            if (holdOutput && l == cost.Layer)
            {
                // A held output keeps its values (a synchronous step writes them to the other buffer too).
                if (!ReferenceEquals(current, next)) current[l].RowSpan(start, count).CopyTo(next[l].RowSpan(start, count));
                continue;
            }
            var drive = _drive[l];
            var update = _network.Update(l);
            if (update is AccumulatorUpdate accumulated)
            {
                // The accumulator is single-buffered: only its own unit reads it (and the nudge, before it is written).
                if (beta != 0f && l == cost.Layer) update.Nudge(cost, accumulators, targets!, beta, drive, start, count);
                if (StateNoise > 0f) AddNoise(drive, l, step, phase, start, count);
                accumulated.Step(drive.RowSpan(start, count), accumulators[l].RowSpan(start, count), next[l].RowSpan(start, count));
                continue;
            }
            if (beta != 0f && l == cost.Layer && _network.NudgeAfterActivation)
            {
                NudgeAfterActivation((FixedPointUpdate)update, cost, current, next, targets!, beta, drive, l, step, phase, start, count);
                continue;
            }
            if (beta != 0f && l == cost.Layer) update.Nudge(cost, current, targets!, beta, drive, start, count);
            if (StateNoise > 0f) AddNoise(drive, l, step, phase, start, count);
            update.Apply(drive.RowSpan(start, count), next[l].RowSpan(start, count), drive.Cols, InverseCurvature(l, beta));
        }
    }

    /// <summary>
    /// The nudge of Laydevant et al.'s code (--nudge state): next = clip(σ(u) − β·∂ℓ/∂s(current)) to the activation's
    /// range, the nudge added to the unit's output instead of its input. σ(u) is formed in the drive buffer, so the
    /// nudge still reads the state before this step whatever the schedule (in place or double-buffered).
    /// </summary>
    private void NudgeAfterActivation(FixedPointUpdate update, CostFunction cost, Matrix[] current, Matrix[] next, Matrix targets, float beta,
        Matrix drive, int l, int step, int phase, int start, int count)
    {
        if (StateNoise > 0f) AddNoise(drive, l, step, phase, start, count);
        var u = drive.RowSpan(start, count);
        update.Activation.Apply(u, u);
        cost.AddStateGradient(current, targets, -beta, drive, start, count);
        System.Numerics.Tensors.TensorPrimitives.Max(u, update.Activation.Lower, u);
        System.Numerics.Tensors.TensorPrimitives.Min(u, update.Activation.Upper, next[l].RowSpan(start, count));
    }

    private sealed class RelaxJob(Relaxation owner) : IParallelJob
    {
        private Matrix[] _states = [];
        private Matrix[] _accumulators = [];
        private Matrix? _targets;
        private float _beta;
        private int _steps, _count;
        private Schedule _schedule;
        private IRelaxationRecorder? _recorder;
        private bool _holdOutput;

        public void Set(Matrix[] states, Matrix[] accumulators, Matrix? targets, float beta, int steps, int count, Schedule schedule, IRelaxationRecorder? recorder, bool holdOutput) =>
            (_states, _accumulators, _targets, _beta, _steps, _count, _schedule, _recorder, _holdOutput) = (states, accumulators, targets, beta, steps, count, schedule, recorder, holdOutput);

        public void Execute(int worker, int workers)
        {
            var (start, end) = WorkerPool.Share(_count, worker, workers);
            owner.RelaxRows(_states, _accumulators, _targets, _beta, _steps, start, end - start, _schedule, _recorder, _holdOutput);
        }
    }
}

/// <summary>
/// Receives every step of a relaxation, on the worker that computed those rows (so recording runs in parallel and
/// needs no extra synchronisation). Used by BPTT to keep the trajectory it differentiates.
/// </summary>
internal interface IRelaxationRecorder
{
    /// <summary>The state before step <paramref name="step"/> (step = the number of steps: the final state), rows [start, start+count).</summary>
    void RecordState(int step, Matrix[] states, int start, int count);

    /// <summary>The drives step <paramref name="step"/> computed, each layer's from the states its phase read.</summary>
    void RecordDrives(int step, Matrix[] drives, int start, int count);
}
