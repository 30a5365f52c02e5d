namespace OnChip.Networks.Layers;

/// <summary>The Hopfield fixed-point step s = σ(u) (a gradient step of size 1 on E = ½‖s‖² − Φ), σ an activation.</summary>
internal sealed class FixedPointUpdate(Activation activation) : LayerUpdate
{
    public Activation Activation { get; } = activation;
    public override string Name => Activation.Name;

    public override void Apply(ReadOnlySpan<float> drive, Span<float> next, int cols, ReadOnlySpan<float> inverseCurvature) =>
        Activation.Apply(drive, next);

    public override void Slope(ReadOnlySpan<float> drive, ReadOnlySpan<float> s, Span<float> slope, int cols, ReadOnlySpan<float> inverseCurvature) =>
        Activation.Derivative(drive, s, slope);
}
