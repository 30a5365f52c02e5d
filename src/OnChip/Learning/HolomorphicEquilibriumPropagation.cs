using OnChip.Configuration;
using OnChip.Networks;
using OnChip.Networks.Costs;
using OnChip.Networks.Interactions;
using OnChip.Networks.Layers;
using OnChip.Optimizers;
using OnChip.Tensors;

namespace OnChip.Learning;

/// <summary>
/// Holomorphic EP (Laborieux &amp; Zenke 2022, science.md §9): with a holomorphic energy, the loss gradient is the first
/// Fourier coefficient of the response to nudges of finite size on a circle, β_k = |β|·e^{2πik/N}:
///   ĝ = Re[(1/N) Σ_k ∂E/∂θ(s_{β_k}) / β_k],
/// exact up to aliasing of order N. Each nudged phase starts from the free state. A nudge conjugate to another gives
/// the conjugate state, so only k = 0 … ⌊N/2⌋ are relaxed: β = ±|β| are real relaxations, the others complex ones
/// (counted twice). With N = 2 this is centred EP, operation for operation.
/// At a complex state s = r + i·m, a bilinear term's ∂Φ/∂θ has real part G(r) − G(m) and imaginary part
/// D_sG(r)[m] (the directional derivative backprop already has); a bias's are G(r) and G(m); a holomorphic term
/// that is neither (a softmax-pooled convolution) computes both parts itself.
/// </summary>
internal sealed class HolomorphicEquilibriumPropagation : LearningRule
{
    private readonly LayeredNetwork _network;
    private readonly PhaseSettings _phases;
    private readonly int _points;
    private NetworkState? _imaginary;
    private Matrix?[] _direction = [];

    private HolomorphicEquilibriumPropagation(LayeredNetwork network, PhaseSettings phases)
    {
        (_network, _phases, _points) = (network, phases, phases.Points);
    }

    /// <summary>The rule on <paramref name="network"/>, or a clear error where its energy has no holomorphic extension.</summary>
    public static HolomorphicEquilibriumPropagation For(LayeredNetwork network, PhaseSettings phases)
    {
        if (phases.Points < 2) throw new ConfigException($"points: holomorphic EP needs at least 2 points on the circle, got {phases.Points}");
        if (network.Cost is not SquaredError)
            throw new ConfigException($"rule hep nudges complex states through the squared error: it needs --loss mse, not {network.Cost.Name}");
        for (int l = 1; l < network.LayerCount; l++)
            if (network.Update(l) is not FixedPointUpdate { Activation: IHolomorphicActivation })
                throw new ConfigException($"rule hep needs a holomorphic energy: layer {l}'s {network.Update(l).Name} units have no holomorphic extension " +
                                          "(use --act mysig, sigmoid or holo-hard-sig; diodes and hard clamps are not holomorphic)");
        foreach (var term in network.Interactions)
            if (term.StateDependence == StateDependence.Other)
                throw new ConfigException($"rule hep needs a holomorphic energy: the {term.GetType().Name} term has none " +
                                          "(max pooling is not holomorphic: use --pools with s (softmax), a (average) or i (none))");
        return new HolomorphicEquilibriumPropagation(network, phases);
    }

    public override string Name => "hep";
    public override bool EstimatesGradient => true;

    public override void TrainBatch(BatchContext batch, Optimizer optimizer)
    {
        ComputeGradients(batch);
        optimizer.Step(batch.Pool);
    }

    public override void ComputeGradients(BatchContext batch)
    {
        batch.RunFreePhase(_phases.FreeSteps);
        float radius = _phases.Beta;
        int n = _points, count = batch.Count;
        var interactions = _network.Interactions;
        // k = 0 and, for even N, k = N/2 are β = ±|β|: a real pair, contrasted as centred EP does.
        float keep = 0f;
        batch.RunNudgedPhase(batch.Nudged, radius, _phases.NudgedSteps);
        if (n % 2 == 0)
        {
            batch.RunNudgedPhase(batch.Opposite, -radius, _phases.NudgedSteps);
            // −(1/(N|β|))·[G(s₊) − G(s₋)]: with N = 2 the divisor is 2β, as centred EP's β − (−β).
            float scale = 1f / ((radius - -radius) * (n / 2) * count);
            for (int i = 0; i < interactions.Count; i++) interactions[i].AccumulateGradient(batch.Nudged.Layers, batch.Opposite.Layers, -scale, count, batch.Pool, keep);
        }
        else
        {
            float scale = 1f / (n * radius * count);
            for (int i = 0; i < interactions.Count; i++) interactions[i].AccumulateGradient(batch.Nudged.Layers, null, -scale, count, batch.Pool, keep);
        }
        keep = 1f;
        // 0 < k < N/2: complex phases, each standing for itself and its conjugate.
        var imaginary = Imaginary(batch.Capacity);
        for (int k = 1; 2 * k < n; k++)
        {
            double angle = 2 * Math.PI * k / n;
            float cos = (float)Math.Cos(angle), sin = (float)Math.Sin(angle);
            batch.Nudged.CopyRowsFrom(batch.Free, 0, count);
            for (int l = 1; l < _network.LayerCount; l++) imaginary.Layers[l].RowSpan(0, count).Clear();
            batch.Relaxation.RelaxComplex(batch.Nudged, imaginary, batch.Targets, radius * cos, radius * sin, _phases.NudgedSteps, count, batch.Pool);
            // −(2/(N|β|))·[cos φ·Re G + sin φ·Im G]
            float real = -2f * cos / (n * radius * count), imag = -2f * sin / (n * radius * count);
            for (int l = 1; l < _network.LayerCount; l++) _direction[l] = imaginary.Layers[l];
            for (int i = 0; i < interactions.Count; i++)
            {
                var term = interactions[i];
                if (term.StateDependence == StateDependence.Holomorphic)
                {
                    term.AccumulateGradientComplex(batch.Nudged.Layers, imaginary.Layers, real, imag, count, batch.Pool, keep);
                    continue;
                }
                term.AccumulateGradient(batch.Nudged.Layers, term.StateDependence == StateDependence.Linear ? null : imaginary.Layers, real, count, batch.Pool, keep);
                term.AccumulateGradientDirectional(batch.Nudged.Layers, _direction, imag, 0, count, batch.Pool, keep);
            }
        }
    }

    /// <summary>The imaginary part of a complex state (its input layer stays 0: the input is real).</summary>
    private NetworkState Imaginary(int capacity)
    {
        if (_imaginary is null || _imaginary.Layers[0].Rows < capacity)
        {
            _imaginary = _network.CreateState(capacity);
            _direction = new Matrix?[_network.LayerCount];
        }
        return _imaginary;
    }
}
