using OnChip.Parallelism;
using OnChip.Rbm;

namespace OnChip.Tests.Rbm;

/// <summary>
/// The CD gradient estimate against the exact log-likelihood gradient of a tiny RBM (enumeration of all 2^10 states):
/// with long chains (k = 50) and many of them it converges to the exact gradient; CD-1 is visibly biased.
/// </summary>
public class ContrastiveDivergenceTests
{
    // Six binary vectors of 6 units: two noisy prototypes.
    private static readonly double[][] Data =
    [
        [1, 1, 1, 0, 0, 0], [1, 1, 0, 0, 0, 0], [1, 1, 1, 1, 0, 0],
        [0, 0, 0, 1, 1, 1], [0, 0, 1, 1, 1, 1], [0, 0, 0, 0, 1, 1],
    ];

    private static double[] Estimate(ContrastiveDivergence cd, int repeats)
    {
        var rbm = cd.Machine;
        var sum = new double[rbm.W.Length + rbm.A.Length + rbm.B.Length];
        for (int r = 0; r < repeats; r++)
        {
            cd.ComputeGradient();
            // Grad is the loss gradient (descent direction): minus the log-likelihood gradient estimate.
            var g = rbm.W.Grad.Data.Concat(rbm.A.Grad.Data).Concat(rbm.B.Grad.Data).ToArray();
            for (int i = 0; i < g.Length; i++) sum[i] -= g[i] / repeats;
        }
        return sum;
    }

    private static (double Cosine, double RelativeError) Compare(double[] estimate, double[] exact)
    {
        double diff = Math.Sqrt(estimate.Zip(exact, (x, y) => (x - y) * (x - y)).Sum());
        double norm = Math.Sqrt(exact.Sum(x => x * x));
        return (ExactRbm.Cosine(estimate, exact), diff / norm);
    }

    [Theory]
    [InlineData(RbmKinds.Generative, 1)]
    [InlineData(RbmKinds.Generative, 2)]
    [InlineData(RbmKinds.Discriminative, 2)]
    public void Cd_k_converges_to_the_exact_gradient_as_k_grows(string kind, int threads)
    {
        // 6 visible units either way: 6 pixels (rbm) or 4 pixels + 2 labels (drbm, labels = prototype).
        var rbm = kind == RbmKinds.Generative
            ? ExactRbm.Random(kind, 6, 0, 4, seed: 11)
            : ExactRbm.Random(kind, 4, 2, 4, seed: 11);
        var data = kind == RbmKinds.Generative
            ? Data
            : Data.Select((v, n) => v.Take(4).Concat(n < 3 ? new double[] { 1, 0 } : [0, 1]).ToArray()).ToArray();
        var exact = new ExactRbm(rbm).LogLikelihoodGradient(data);
        var rows = data.SelectMany(v => v.Select(x => (float)x)).ToArray();

        using var pool = new WorkerPool(threads);
        (double, double) Run(int k)
        {
            var cd = new ContrastiveDivergence(rbm, new CdSettings(k, Chains: 1000), data.Length, pool, seed: 2);
            cd.LoadVisible(rows, data.Length);
            return Compare(Estimate(cd, 4), exact);
        }

        var (cos1, err1) = Run(1);
        var (cos50, err50) = Run(50);
        Assert.True(cos50 > 0.99, $"CD-50: cosine {cos50:F4} (relative error {err50:F3}); CD-1: cosine {cos1:F4}");
        Assert.True(err50 < 0.1, $"CD-50: relative error {err50:F3}");
        Assert.True(err50 < 0.5 * err1, $"CD-50 relative error {err50:F3} should be well below CD-1's {err1:F3}");
    }

    [Fact]
    public void Persistent_chains_reach_the_model_distribution()
    {
        // With the weights held fixed, PCD-1 chains that persist across updates mix into the model distribution:
        // after a burn-in, their averaged statistics give the exact gradient although each update runs one step.
        var rbm = ExactRbm.Random(RbmKinds.Generative, 6, 0, 4, seed: 12);
        var exact = new ExactRbm(rbm).LogLikelihoodGradient(Data);
        var cd = new ContrastiveDivergence(rbm, new CdSettings(1, Persistent: true, Chains: 1000), Data.Length, WorkerPool.Serial, seed: 3);
        cd.LoadVisible(Data.SelectMany(v => v.Select(x => (float)x)).ToArray(), Data.Length);
        Estimate(cd, 50);  // burn-in
        var (cosine, error) = Compare(Estimate(cd, 20), exact);
        Assert.True(cosine > 0.99 && error < 0.1, $"PCD-1 after burn-in: cosine {cosine:F4}, relative error {error:F3}");
    }

    [Fact]
    public void Gradient_does_not_depend_on_the_thread_count()
    {
        var rbm = ExactRbm.Random(RbmKinds.Discriminative, 40, 3, 24, seed: 13, weightStd: 0.3f);
        var rng = new Randomness.Rng(9);
        var rows = new float[37 * rbm.Visible];
        for (int r = 0; r < 37; r++)
        {
            for (int i = 0; i < 40; i++) rows[r * rbm.Visible + i] = rng.NextFloat() < 0.4f ? 1 : 0;
            rows[r * rbm.Visible + 40 + rng.NextInt(3)] = 1;
        }
        float[] Gradient(int threads)
        {
            using var pool = new WorkerPool(threads);
            var cd = new ContrastiveDivergence(rbm, new CdSettings(3, Chains: 5), 50, pool, seed: 4);
            cd.LoadVisible(rows, 37);
            cd.ComputeGradient();
            cd.ComputeGradient();
            return [.. rbm.W.Grad.Data, .. rbm.A.Grad.Data, .. rbm.B.Grad.Data];
        }
        Assert.Equal(Gradient(1), Gradient(2));
        Assert.Equal(Gradient(1), Gradient(3));
    }
}
