using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;
using OnChip.Networks;
using OnChip.Tensors;

namespace OnChip.Optimizers;

/// <summary>
/// Adam (Kingma &amp; Ba) exactly as torch.optim.Adam computes it (L2 weight decay added to the gradient):
/// m ← β1 m + (1−β1) g; v ← β2 v + (1−β2) g²; ΔW = −(lr/(1−β1^t)) · m / (√v/√(1−β2^t) + ε).
/// One fused pass per chunk: Adam is memory-bound, so every element is loaded and stored once.
/// </summary>
internal sealed class Adam : Optimizer
{
    private readonly float[][] _m, _v;
    private readonly float[] _correction1, _inverseRootCorrection2;

    public Adam(IReadOnlyList<Parameter> parameters, IReadOnlyList<float> learningRates, float weightDecay,
        float beta1 = 0.9f, float beta2 = 0.999f, float epsilon = 1e-8f)
        : base(parameters, learningRates, weightDecay)
    {
        Beta1 = beta1;
        Beta2 = beta2;
        Epsilon = epsilon;
        _m = parameters.Select(p => new float[p.Length]).ToArray();
        _v = parameters.Select(p => new float[p.Length]).ToArray();
        _correction1 = new float[learningRates.Count];
        _inverseRootCorrection2 = new float[learningRates.Count];
    }

    public override string Name => "adam";
    public float Beta1 { get; }
    public float Beta2 { get; }
    public float Epsilon { get; }
    public override IReadOnlyList<float[]> StateBuffers => [.. _m, .. _v];

    protected override void BeginStep()
    {
        for (int g = 0; g < GroupSteps.Length; g++)
        {
            long t = Math.Max(1, GroupSteps[g]);
            _correction1[g] = (float)(1 / (1 - Math.Pow(Beta1, t)));
            _inverseRootCorrection2[g] = (float)(1 / Math.Sqrt(1 - Math.Pow(Beta2, t)));
        }
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    protected override void ComputeDelta(int index, int offset, int count, Span<float> delta, int following)
    {
        var p = Parameters[index];
        ref float g = ref MemoryMarshal.GetArrayDataReference(p.Grad.Data);
        ref float w = ref MemoryMarshal.GetArrayDataReference(p.Value.Data);
        ref float m = ref MemoryMarshal.GetArrayDataReference(_m[index]);
        ref float v = ref MemoryMarshal.GetArrayDataReference(_v[index]);
        ref float d = ref MemoryMarshal.GetReference(delta);
        float step = -LearningRates[p.Group] * _correction1[p.Group];
        float b1 = Beta1, c1 = 1f - Beta1, b2 = Beta2, c2 = 1f - Beta2, wd = WeightDecay, eps = Epsilon, root = _inverseRootCorrection2[p.Group];

        int i = 0;
        if (Vector512.IsHardwareAccelerated)
        {
            var vb1 = Vector512.Create(b1); var vc1 = Vector512.Create(c1);
            var vb2 = Vector512.Create(b2); var vc2 = Vector512.Create(c2);
            var vwd = Vector512.Create(wd); var veps = Vector512.Create(eps);
            var vroot = Vector512.Create(root); var vstep = Vector512.Create(step);
            bool decay = wd != 0f;   // without weight decay the weights are not read: one stream fewer
            for (; i <= count - Vector512<float>.Count; i += Vector512<float>.Count)
            {
                nuint e = (nuint)(offset + i);
                if (i < following)
                {
                    // One line of each stream of the next chunk per vector: the element a chunk further.
                    CacheHints.ToL2(in g, e + (nuint)count);
                    CacheHints.ToL2(in m, e + (nuint)count);
                    CacheHints.ToL2(in v, e + (nuint)count);
                    if (decay) CacheHints.ToL2(in w, e + (nuint)count);
                }
                var grad = decay ? Vector512.FusedMultiplyAdd(Vector512.LoadUnsafe(ref w, e), vwd, Vector512.LoadUnsafe(ref g, e)) : Vector512.LoadUnsafe(ref g, e);
                var mi = Vector512.FusedMultiplyAdd(Vector512.LoadUnsafe(ref m, e), vb1, grad * vc1);
                var vi = Vector512.FusedMultiplyAdd(Vector512.LoadUnsafe(ref v, e), vb2, grad * grad * vc2);
                mi.StoreUnsafe(ref m, e);
                vi.StoreUnsafe(ref v, e);
                var denominator = Vector512.FusedMultiplyAdd(Vector512.Sqrt(vi), vroot, veps);
                (vstep * mi / denominator).StoreUnsafe(ref d, (nuint)i);
            }
        }
        for (; i < count; i++)
        {
            int e = offset + i;
            float grad = wd != 0f ? MathF.FusedMultiplyAdd(Unsafe.Add(ref w, e), wd, Unsafe.Add(ref g, e)) : Unsafe.Add(ref g, e);
            float mi = MathF.FusedMultiplyAdd(Unsafe.Add(ref m, e), b1, grad * c1);
            float vi = MathF.FusedMultiplyAdd(Unsafe.Add(ref v, e), b2, grad * grad * c2);
            Unsafe.Add(ref m, e) = mi;
            Unsafe.Add(ref v, e) = vi;
            Unsafe.Add(ref d, i) = step * mi / MathF.FusedMultiplyAdd(MathF.Sqrt(vi), root, eps);
        }
    }
}
