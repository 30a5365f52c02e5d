using OnChip.Rbm;
using OnChip.Randomness;

namespace OnChip.Tests.Rbm;

/// <summary>
/// Brute-force reference for tiny RBMs, in double precision: every joint state (v, h) is enumerated, so the partition
/// function, the conditionals, the free energy and the exact log-likelihood gradient are exact. Label units of a
/// drbm are a one-hot group: only visible states with exactly one label unit on are enumerated.
/// </summary>
internal sealed class ExactRbm
{
    private readonly RestrictedBoltzmannMachine _rbm;
    private readonly double[,] _w;
    private readonly double[] _a, _b;

    public ExactRbm(RestrictedBoltzmannMachine rbm)
    {
        _rbm = rbm;
        _w = new double[rbm.Visible, rbm.Hidden];
        for (int i = 0; i < rbm.Visible; i++)
            for (int j = 0; j < rbm.Hidden; j++) _w[i, j] = rbm.W.Value[i, j];
        _a = rbm.A.Value.Data.Select(x => (double)x).ToArray();
        _b = rbm.B.Value.Data.Select(x => (double)x).ToArray();
        VisibleStates = EnumerateVisible().ToArray();
        HiddenStates = Enumerable.Range(0, 1 << rbm.Hidden).Select(s => Bits(s, rbm.Hidden)).ToArray();
        LogZ = LogSumExp(VisibleStates.SelectMany(v => HiddenStates.Select(h => -Energy(v, h))));
    }

    public double[][] VisibleStates { get; }
    public double[][] HiddenStates { get; }
    public double LogZ { get; }

    public static double[] Bits(int state, int n) => Enumerable.Range(0, n).Select(i => (double)((state >> i) & 1)).ToArray();

    private IEnumerable<double[]> EnumerateVisible()
    {
        int image = _rbm.ImageSize;
        for (int s = 0; s < 1 << image; s++)
        {
            var x = Bits(s, image);
            if (_rbm.LabelCount == 0) yield return x;
            else
                for (int y = 0; y < _rbm.LabelCount; y++)
                {
                    var v = new double[_rbm.Visible];
                    x.CopyTo(v, 0);
                    v[image + y] = 1;
                    yield return v;
                }
        }
    }

    public double Energy(double[] v, double[] h)
    {
        double e = 0;
        for (int i = 0; i < v.Length; i++) e -= _a[i] * v[i];
        for (int j = 0; j < h.Length; j++) e -= _b[j] * h[j];
        for (int i = 0; i < v.Length; i++)
            for (int j = 0; j < h.Length; j++) e -= v[i] * _w[i, j] * h[j];
        return e;
    }

    /// <summary>F(v) = −ln Σ_h e^{−E(v, h)} by enumerating h.</summary>
    public double FreeEnergy(double[] v) => -LogSumExp(HiddenStates.Select(h => -Energy(v, h)));

    /// <summary>ln p(v) = −F(v) − ln Z.</summary>
    public double LogProbability(double[] v) => -FreeEnergy(v) - LogZ;

    /// <summary>p(h_j = 1 | v) = Σ_h h_j e^{−E(v,h)} / Σ_h e^{−E(v,h)}.</summary>
    public double[] HiddenProbabilities(double[] v)
    {
        double f = FreeEnergy(v);
        var p = new double[_rbm.Hidden];
        foreach (var h in HiddenStates)
        {
            double weight = Math.Exp(-Energy(v, h) + f);
            for (int j = 0; j < h.Length; j++) p[j] += h[j] * weight;
        }
        return p;
    }

    /// <summary>
    /// The exact gradient of the mean log-likelihood of <paramref name="data"/>, concatenated as [W (row-major), a, b]:
    /// ⟨v p(h|v)ᵀ⟩_data − ⟨v hᵀ⟩_model.
    /// </summary>
    public double[] LogLikelihoodGradient(IReadOnlyList<double[]> data)
    {
        int nv = _rbm.Visible, nh = _rbm.Hidden;
        var g = new double[nv * nh + nv + nh];
        void Add(double[] v, double[] h, double weight)
        {
            for (int i = 0; i < nv; i++)
                for (int j = 0; j < nh; j++) g[i * nh + j] += weight * v[i] * h[j];
            for (int i = 0; i < nv; i++) g[nv * nh + i] += weight * v[i];
            for (int j = 0; j < nh; j++) g[nv * nh + nv + j] += weight * h[j];
        }
        foreach (var v in data) Add(v, HiddenProbabilities(v), 1.0 / data.Count);
        foreach (var v in VisibleStates)
            foreach (var h in HiddenStates) Add(v, h, -Math.Exp(-Energy(v, h) - LogZ));
        return g;
    }

    public static double LogSumExp(IEnumerable<double> values)
    {
        var list = values.ToList();
        double max = list.Max();
        return max + Math.Log(list.Sum(x => Math.Exp(x - max)));
    }

    /// <summary>A small RBM with weights N(0, weightStd²) and biases N(0, biasStd²): far enough from uniform to be interesting.</summary>
    public static RestrictedBoltzmannMachine Random(string kind, int image, int classes, int hidden, ulong seed, float weightStd = 1f, float biasStd = 0.5f)
    {
        var rbm = new RestrictedBoltzmannMachine(kind, image, classes, hidden);
        var rng = new Rng(seed);
        foreach (var (p, std) in new[] { (rbm.W, weightStd), (rbm.A, biasStd), (rbm.B, biasStd) })
        {
            rng.FillGaussian(p.Value.Span);
            for (int i = 0; i < p.Length; i++) p.Value.Data[i] *= std;
        }
        return rbm;
    }

    public static double Cosine(IReadOnlyList<double> x, IReadOnlyList<double> y)
    {
        double dot = 0, xx = 0, yy = 0;
        for (int i = 0; i < x.Count; i++)
        {
            dot += x[i] * y[i];
            xx += x[i] * x[i];
            yy += y[i] * y[i];
        }
        return dot / Math.Sqrt(xx * yy);
    }
}
