using System.Numerics.Tensors;
using OnChip.Tensors;

namespace OnChip.Networks;

/// <summary>
/// The neuron nonlinearity σ of the dynamics s ← σ(∂Φ/∂s), with its derivative (needed by BPTT) and its range
/// (the bounds of the state variable). Span-in, span-out, allocation-free.
/// </summary>
internal abstract class Activation
{
    /// <summary>States smaller than this in magnitude are set to exactly 0 (avoids subnormal arithmetic).</summary>
    public const float Tiny = 1e-20f;

    public abstract string Name { get; }
    public abstract float Lower { get; }
    public abstract float Upper { get; }

    /// <summary>s = σ(u). <paramref name="s"/> may alias <paramref name="u"/>.</summary>
    public abstract void Apply(ReadOnlySpan<float> u, Span<float> s);

    /// <summary>d = σ'(u), given u and s = σ(u) (whichever is cheaper). <paramref name="d"/> may alias either input.</summary>
    public abstract void Derivative(ReadOnlySpan<float> u, ReadOnlySpan<float> s, Span<float> d);

    public static IReadOnlyList<string> Names { get; } = ["mysig", "sigmoid", "tanh", "hard-sigmoid", "my-hard-sig", "ctrd-hard-sig", "holo-hard-sig", "binary"];

    public static Activation Parse(string name) => name switch
    {
        "mysig" => new ScaledSigmoid(),
        "sigmoid" => new Sigmoid(),
        "tanh" => new Tanh(),
        "hard-sigmoid" => new HardClamp("hard-sigmoid", 1f, 0f, 0f, 1f),
        "my-hard-sig" => new HardClamp("my-hard-sig", 0.5f, 0f, 0f, 1f),
        "ctrd-hard-sig" => new HardClamp("ctrd-hard-sig", 1f, 0f, -0.5f, 0.5f),
        "holo-hard-sig" => new HoloHardSigmoid(),
        "binary" => new Heaviside(),
        _ => throw new ArgumentException($"unknown activation '{name}' (expected one of: {string.Join(", ", Names)})"),
    };

    public override string ToString() => Name;

    /// <summary>
    /// σ(z) with z clamped to ±80 (σ(80) is 1 in float; e^{−80} and σ(−80) are still normal floats), then tiny
    /// outputs flushed to 0: subnormal intermediate results would slow every operation on them many times over.
    /// </summary>
    private static void SaturatedSigmoid(ReadOnlySpan<float> z, Span<float> s)
    {
        TensorPrimitives.Clamp(z, -80f, 80f, s);
        TensorPrimitives.Sigmoid(s, s);
        Elementwise.FlushTiny(s, Tiny);
    }

    /// <summary>Laborieux et al.'s "my_sigmoid": 1/(1+e^{−4(u−½)}), i.e. sigmoid(4u − 2); σ' = 4s(1−s).</summary>
    private sealed class ScaledSigmoid : Activation, IHolomorphicActivation
    {
        public void ApplyComplex(ReadOnlySpan<float> real, ReadOnlySpan<float> imaginary, Span<float> realOut, Span<float> imaginaryOut) =>
            ComplexSigmoid.Apply(real, imaginary, 4f, -2f, realOut, imaginaryOut);

        public override string Name => "mysig";
        public override float Lower => 0f;
        public override float Upper => 1f;

        public override void Apply(ReadOnlySpan<float> u, Span<float> s)
        {
            Elementwise.ScaleShift(u, 4f, -2f, s);
            SaturatedSigmoid(s, s);
        }

        public override void Derivative(ReadOnlySpan<float> u, ReadOnlySpan<float> s, Span<float> d)
        {
            // 4s(1−s) = 4s − 4s²
            Elementwise.ScaleShift(s, -4f, 4f, d);  // d = 4 − 4s
            TensorPrimitives.Multiply(d, s, d);
        }
    }

    private sealed class Sigmoid : Activation, IHolomorphicActivation
    {
        public void ApplyComplex(ReadOnlySpan<float> real, ReadOnlySpan<float> imaginary, Span<float> realOut, Span<float> imaginaryOut) =>
            ComplexSigmoid.Apply(real, imaginary, 1f, 0f, realOut, imaginaryOut);

        public override string Name => "sigmoid";
        public override float Lower => 0f;
        public override float Upper => 1f;
        public override void Apply(ReadOnlySpan<float> u, Span<float> s)
        {
            SaturatedSigmoid(u, s);
        }

        public override void Derivative(ReadOnlySpan<float> u, ReadOnlySpan<float> s, Span<float> d)
        {
            Elementwise.ScaleShift(s, -1f, 1f, d);  // d = 1 − s
            TensorPrimitives.Multiply(d, s, d);
        }
    }

    private sealed class Tanh : Activation
    {
        public override string Name => "tanh";
        public override float Lower => -1f;
        public override float Upper => 1f;
        public override void Apply(ReadOnlySpan<float> u, Span<float> s)
        {
            // tanh(±20) is ±1 in float; beyond, exp(−2|u|) inside Tanh would be subnormal.
            TensorPrimitives.Clamp(u, -20f, 20f, s);
            TensorPrimitives.Tanh(s, s);
            Elementwise.FlushTiny(s, Tiny);
        }

        public override void Derivative(ReadOnlySpan<float> u, ReadOnlySpan<float> s, Span<float> d)
        {
            // 1 − s² = (1 − s)(1 + s), written as −s·s + 1
            TensorPrimitives.MultiplyAdd(s, s, -1f, d);  // d = s² − 1
            TensorPrimitives.Negate(d, d);
        }
    }

    /// <summary>
    /// H(u − ½): 1 from ½ on (½ included, as Laydevant et al.'s heaviside), else 0. In a network it is what a binary
    /// unit emits from its real accumulator (<see cref="Layers.AccumulatorUpdate"/>, binary EP); its slope is 0.
    /// </summary>
    public sealed class Heaviside : Activation
    {
        public override string Name => "binary";
        public override float Lower => 0f;
        public override float Upper => 1f;

        public override void Apply(ReadOnlySpan<float> u, Span<float> s)
        {
            int n = s.Length, i = 0;
            var uv = System.Runtime.InteropServices.MemoryMarshal.Cast<float, System.Numerics.Vector<float>>(u[..n]);
            var sv = System.Runtime.InteropServices.MemoryMarshal.Cast<float, System.Numerics.Vector<float>>(s);
            var (half, one) = (new System.Numerics.Vector<float>(0.5f), System.Numerics.Vector<float>.One);
            for (int v = 0; v < sv.Length; v++) sv[v] = System.Numerics.Vector.ConditionalSelect(System.Numerics.Vector.GreaterThanOrEqual(uv[v], half), one, System.Numerics.Vector<float>.Zero);
            for (i = sv.Length * System.Numerics.Vector<float>.Count; i < n; i++) s[i] = u[i] >= 0.5f ? 1f : 0f;
        }

        public override void Derivative(ReadOnlySpan<float> u, ReadOnlySpan<float> s, Span<float> d) => d.Clear();
    }

    /// <summary>clamp(scale·u + shift, lower, upper): the hard sigmoids. A projection onto a box, so fixed points minimise an energy.</summary>
    private sealed class HardClamp(string name, float scale, float shift, float lower, float upper) : Activation
    {
        public override string Name => name;
        public override float Lower => lower;
        public override float Upper => upper;

        public override void Apply(ReadOnlySpan<float> u, Span<float> s)
        {
            if (scale == 1f && shift == 0f) u.CopyTo(s);
            else Elementwise.ScaleShift(u, scale, shift, s);
            TensorPrimitives.Max(s, lower, s);
            TensorPrimitives.Min(s, upper, s);
        }

        public override void Derivative(ReadOnlySpan<float> u, ReadOnlySpan<float> s, Span<float> d)
        {
            // Slope `scale` strictly inside the box, 0 on the flat parts (the kink is assigned 0, as autograd does for clamp's boundary).
            for (int i = 0; i < d.Length; i++)
            {
                float v = scale * u[i] + shift;
                d[i] = v > lower && v < upper ? scale : 0f;
            }
        }
    }
}
