using OnChip.Analysis;

namespace OnChip.Tests.Analysis;

/// <summary>
/// The GDU property on an untrained 784-512-10 tanh network (Ernoult et al. 2019): EP's step-by-step updates
/// approach BPTT's step-by-step gradients linearly in β with one-sided nudging, quadratically with symmetric nudging.
/// </summary>
public class GduCheckTests
{
    private static IReadOnlyList<GduTensor> Run(float beta)
    {
        var (network, batch) = TestNetworks.Create([784, 512, 10], "tanh", "mse", batchSize: 20, seed: 4);
        return GduCheck.Run(network, batch, new GduSettings(beta, 30, 10, Symmetric: true)).Tensors;
    }

    [Fact]
    public void One_sided_error_is_linear_in_beta_and_symmetric_nudging_is_closer()
    {
        var large = Run(0.1f);
        var small = Run(0.01f);
        Assert.Equal(["W0", "b1", "W1", "b2", "s1", "s2"], large.Select(t => t.Name));
        for (int i = 0; i < large.Count; i++)
        {
            var (a, b) = (large[i].OneSided, small[i].OneSided);
            double ratio = a.Rmse / b.Rmse;
            Assert.True(ratio is > 7 and < 14, $"{large[i].Name}: RMSE {a.Rmse:E2} at β=0.1 vs {b.Rmse:E2} at β=0.01 (ratio {ratio:F1}, expected about 10)");
            Assert.True(large[i].Symmetric!.Rmse * 3 < a.Rmse, $"{large[i].Name}: symmetric {large[i].Symmetric!.Rmse:E2} vs one-sided {a.Rmse:E2} at β=0.1");
            Assert.True(b.SignError < 0.01, $"{large[i].Name}: {b.SignError:P2} wrong signs at β=0.01");
            Assert.True(b.Rmse < 0.05);
        }
    }

    [Fact]
    public void Metric_definitions()
    {
        float[][] ep = [[1f, 2f, 0f], [1f, -4f, 0f]];
        float[][] bptt = [[1f, 2f, 0f], [3f, 4f, 0f]];
        var m = GduCheck.Compare(ep, bptt);
        // element 0: √((0+4)/2)/√(10/2) = 0.632; element 1: √((0+64)/2)/√(20/2) = 1.789; element 2 is zero in both: skipped.
        Assert.Equal((Math.Sqrt(2) / Math.Sqrt(5) + Math.Sqrt(32) / Math.Sqrt(10)) / 2, m.Rmse, 9);
        Assert.Equal(0.5, m.SignError);  // element 1: totals −2 and 6
    }
}
