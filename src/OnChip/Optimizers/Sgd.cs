using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;
using OnChip.Networks;
using OnChip.Tensors;

namespace OnChip.Optimizers;

/// <summary>
/// Stochastic gradient descent with PyTorch's semantics: g ← ∇ + wd·w; with momentum μ, buf ← μ·buf + g;
/// ΔW = −lr·buf (or −lr·g without momentum). Plain SGD keeps no state: the on-chip case.
/// </summary>
internal sealed class Sgd : Optimizer
{
    private readonly float[][] _momentum;

    public Sgd(IReadOnlyList<Parameter> parameters, IReadOnlyList<float> learningRates, float momentum, float weightDecay)
        : base(parameters, learningRates, weightDecay)
    {
        if (momentum < 0f || momentum >= 1f) throw new ArgumentOutOfRangeException(nameof(momentum), "momentum must be in [0, 1)");
        Momentum = momentum;
        _momentum = momentum > 0f ? parameters.Select(p => new float[p.Length]).ToArray() : [];
    }

    public override string Name => "sgd";
    public float Momentum { get; }
    public override IReadOnlyList<float[]> StateBuffers => _momentum;

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    protected override void ComputeDelta(int index, int offset, int count, Span<float> delta, int following)
    {
        var p = Parameters[index];
        ref float g = ref MemoryMarshal.GetArrayDataReference(p.Grad.Data);
        ref float w = ref MemoryMarshal.GetArrayDataReference(p.Value.Data);
        ref float d = ref MemoryMarshal.GetReference(delta);
        bool momentum = Momentum > 0f;
        ref float b = ref momentum ? ref MemoryMarshal.GetArrayDataReference(_momentum[index]) : ref d;
        float lr = -LearningRates[p.Group], wd = WeightDecay, mu = Momentum;

        int i = 0;
        if (Vector512.IsHardwareAccelerated)
        {
            var vlr = Vector512.Create(lr); var vwd = Vector512.Create(wd); var vmu = Vector512.Create(mu);
            bool decay = wd != 0f;   // without weight decay the weights are not read: one stream fewer
            for (; i <= count - Vector512<float>.Count; i += Vector512<float>.Count)
            {
                nuint e = (nuint)(offset + i);
                if (i < following)
                {
                    // One line of each stream of the next chunk per vector: the element a chunk further. Gradient and
                    // momentum (16 KB a chunk) into L1: paired, 0.95–0.98 of the optimizer stage with them in L2.
                    CacheHints.ToL1(in g, e + (nuint)count);
                    if (momentum) CacheHints.ToL1(in b, e + (nuint)count);
                    if (decay) CacheHints.ToL2(in w, e + (nuint)count);
                }
                var grad = decay ? Vector512.FusedMultiplyAdd(Vector512.LoadUnsafe(ref w, e), vwd, Vector512.LoadUnsafe(ref g, e)) : Vector512.LoadUnsafe(ref g, e);
                if (momentum)
                {
                    grad = Vector512.FusedMultiplyAdd(Vector512.LoadUnsafe(ref b, e), vmu, grad);
                    grad.StoreUnsafe(ref b, e);
                }
                (vlr * grad).StoreUnsafe(ref d, (nuint)i);
            }
        }
        for (; i < count; i++)
        {
            int e = offset + i;
            float grad = wd != 0f ? MathF.FusedMultiplyAdd(Unsafe.Add(ref w, e), wd, Unsafe.Add(ref g, e)) : Unsafe.Add(ref g, e);
            if (momentum)
            {
                grad = MathF.FusedMultiplyAdd(Unsafe.Add(ref b, e), mu, grad);
                Unsafe.Add(ref b, e) = grad;
            }
            Unsafe.Add(ref d, i) = lr * grad;
        }
    }
}
