using System.Numerics.Tensors;
using OnChip.Networks;
using OnChip.Networks.Interactions;
using OnChip.Optimizers;
using OnChip.Parallelism;
using OnChip.Tensors;

namespace OnChip.Learning;

/// <summary>
/// Recurrent backpropagation (Almeida 1987, Pineda 1987): at the free fixed point s* = f(u*), the loss gradient
/// is Σ D_θ(u)[δu] with δu = f'(u*) ⊙ g, where g solves the linear adjoint system g = ∂ℓ/∂s + H (f'(u*) ⊙ g)
/// (H: the coupling part of the Hessian of Φ in the states, applied through the interactions' linearised drives).
/// A layer that divides by its curvature (s = clip(u/a)) adds −Σ δu⊙s*·∂a/∂θ. The system is relaxed for T2 steps
/// from g = 0, which equals BPTT through T2 steps when the free phase has converged.
/// </summary>
internal sealed class RecurrentBackpropagation : LearningRule
{
    private readonly LayeredNetwork _network;
    private readonly PhaseSettings _phases;
    private readonly Interaction[][] _dynamicOf;
    private readonly Interaction[] _interactions;
    private readonly AdjointJob _job;
    private Matrix[] _seed = [], _slope = [], _current = [], _next = [];
    private Matrix?[] _adjoint = [];
    private int _capacity = -1;
    private Dynamics.Relaxation? _relaxation;
    private readonly float[][] _curvatureWeights;

    public RecurrentBackpropagation(LayeredNetwork network, PhaseSettings phases)
    {
        _network = network;
        _phases = phases;
        _dynamicOf = new Interaction[network.LayerCount][];
        for (int l = 1; l < network.LayerCount; l++)
            _dynamicOf[l] = network.InteractionsOf(l).Where(i => !LayeredNetwork.IsStaticDrive(i, l)).ToArray();
        _interactions = network.Interactions.ToArray();
        _curvatureWeights = Enumerable.Range(0, network.LayerCount).Select(l => l > 0 && network.Update(l).NeedsCurvature ? new float[network.LayerSizes[l]] : []).ToArray();
        _job = new AdjointJob(this);
    }

    public override string Name => "rbp";

    public override void TrainBatch(BatchContext batch, Optimizer optimizer)
    {
        ComputeGradients(batch);
        optimizer.Step(batch.Pool);
    }

    /// <summary>Free phase (T1), adjoint relaxation (T2), then every parameter's Grad = ∂L/∂θ (batch mean).</summary>
    public override bool EstimatesGradient => true;

    public override void ComputeGradients(BatchContext batch)
    {
        batch.RunFreePhase(_phases.FreeSteps);
        Allocate(batch.Capacity);
        int c = batch.Count;
        for (int l = 1; l < _network.LayerCount; l++) _seed[l].RowSpan(0, c).Clear();
        _network.Cost.AddStateGradient(batch.Free.Layers, batch.Targets, 1f / c, _seed[_network.Cost.Layer], 0, c);
        _relaxation = batch.Relaxation;
        _job.Set(batch.Free.Layers, batch.Relaxation.LastDrive, c);
        batch.Pool.Run(_job);

        foreach (var interaction in _interactions)
            interaction.AccumulateGradientDirectional(batch.Free.Layers, _adjoint, 1f, 0, c, batch.Pool, keep: 0f);
        _network.Cost.AccumulateParameterGradient(batch.Free.Layers, batch.Targets, 1f / c, c, batch.Pool, keep: 0f);
        for (int l = 1; l < _network.LayerCount; l++)
        {
            var weights = _curvatureWeights[l];
            if (weights.Length == 0) continue;
            Array.Clear(weights);
            for (int r = 0; r < c; r++)
            {
                var d = _adjoint[l]!.Row(r);
                var s = batch.Free.Layers[l].Row(r);
                for (int k = 0; k < weights.Length; k++) weights[k] -= d[k] * s[k];
            }
            foreach (var interaction in _network.InteractionsOf(l)) interaction.AccumulateCurvatureGradient(l, weights, 1f);
        }
    }

    private void Allocate(int capacity)
    {
        if (capacity <= _capacity) return;  // no lambda in this method: a closure would be allocated on every call
        _capacity = capacity;
        _seed = LayerMatrices(capacity);
        _slope = LayerMatrices(capacity);
        _current = LayerMatrices(capacity);
        _next = LayerMatrices(capacity);
        _adjoint = LayerMatrices(capacity);
        _adjoint[0] = null;
    }

    private Matrix[] LayerMatrices(int capacity) =>
        Enumerable.Range(0, _network.LayerCount).Select(l => new Matrix(l == 0 ? 0 : capacity, _network.LayerSizes[l])).ToArray();

    private void RelaxRows(Matrix[] states, Matrix[] drives, int start, int rows)
    {
        if (rows == 0) return;
        int layers = _network.LayerCount;
        Matrix[] current = _current, next = _next;
        for (int l = 1; l < layers; l++)
        {
            _network.Update(l).Slope(drives[l].RowSpan(start, rows), states[l].RowSpan(start, rows), _slope[l].RowSpan(start, rows), states[l].Cols, _relaxation!.InverseCurvature(l));
            current[l].RowSpan(start, rows).Clear();
        }
        for (int k = 0; k <= _phases.NudgedSteps; k++)
        {
            for (int l = 1; l < layers; l++)
                TensorPrimitives.Multiply(_slope[l].RowSpan(start, rows), current[l].RowSpan(start, rows), _adjoint[l]!.RowSpan(start, rows));
            if (k == _phases.NudgedSteps) break;  // δu = σ'(u*) ⊙ g after T2 relaxation steps
            for (int l = 1; l < layers; l++)
            {
                _seed[l].RowSpan(start, rows).CopyTo(next[l].RowSpan(start, rows));
                foreach (var i in _dynamicOf[l]) i.AddDriveDirectional(l, states, _adjoint, next[l], start, rows, WorkerPool.Serial);
            }
            (current, next) = (next, current);
        }
    }

    private sealed class AdjointJob(RecurrentBackpropagation owner) : IParallelJob
    {
        private Matrix[] _states = [], _drives = [];
        private int _count;
        public void Set(Matrix[] states, Matrix[] drives, int count) => (_states, _drives, _count) = (states, drives, count);

        public void Execute(int worker, int workers)
        {
            var (start, end) = WorkerPool.Share(_count, worker, workers);
            owner.RelaxRows(_states, _drives, start, end - start);
        }
    }
}
