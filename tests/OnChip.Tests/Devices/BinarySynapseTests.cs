using OnChip.Cli;
using OnChip.Devices;
using OnChip.Devices.Programming;
using OnChip.Randomness;
using OnChip.Synapses;

namespace OnChip.Tests.Devices;

/// <summary>Binary synapses (the two-state preset) programmed by binary EP's flip rule (Laydevant et al. 2021).</summary>
public class BinarySynapseTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("onchip-binary-").FullName;
    public void Dispose() => Directory.Delete(_dir, recursive: true);

    /// <summary>
    /// Flips happen exactly when the rule says: m ← (1 − γ)m + γ·ΔW/lr, flip when −sign(W)·m &gt; τ (m kept), checked
    /// against a plain loop over a long random request sequence, with the pulse direction and the tracked sign.
    /// </summary>
    [Fact]
    public void Flips_happen_exactly_when_the_threshold_rule_says()
    {
        const int n = 300, steps = 400;
        const float gamma = 0.05f, tau = 0.02f, lr = 0.5f;
        var rng = new Rng(3);
        var initial = Enumerable.Range(0, n).Select(_ => (float)rng.NextGaussian()).ToArray();
        var flip = new FlipProgramming(gamma, tau, requestScale: 1f / lr);
        flip.Attach(n);
        flip.AttachWeights(initial);
        var m = new double[n];
        var sign = initial.Select(w => w < 0 ? -1.0 : 1.0).ToArray();
        var (pulses, widths, request) = (new float[n], new float[n], new float[n]);
        int flips = 0;
        for (int t = 0; t < steps; t++)
        {
            for (int i = 0; i < n; i++) request[i] = lr * (0.05f * (float)rng.NextGaussian() + (i % 3 == 0 ? 0.02f : -0.01f));
            flip.Plan(request, 0, 1f, 1f, pulses, widths, new ChunkRandom(), new float[n]);
            for (int i = 0; i < n; i++)
            {
                m[i] = (1 - gamma) * m[i] + gamma * (request[i] / lr);
                double expected = 0;
                if (-sign[i] * m[i] > tau)
                {
                    sign[i] = -sign[i];
                    expected = sign[i];
                    flips++;
                }
                Assert.Equal(expected, pulses[i]);
            }
        }
        Assert.Equal(sign.Select(v => (float)v), flip.StateBuffers[1]);
        Assert.InRange(flips, n / 4, steps * n / 10);   // the test exercises flips both ways, not a silent rule
    }

    /// <summary>A binary array reads ±α, α the tensor's mean |W|; one pulse flips a device; pulses count the flips.</summary>
    [Fact]
    public void A_binary_array_holds_two_states_and_counts_its_flips()
    {
        var spec = DevicePresets.Get("binary");
        var model = DeviceModel.Create(spec);
        Assert.True(model.TwoState);
        var initial = new[] { 0.3f, -0.1f, 0.05f, -0.4f, 0.2f, -0.25f };
        float alpha = initial.Average(MathF.Abs);
        var array = new DeviceArray("W", model, new SignProgramming(0f), alpha, spec.PulseWidth, initial, seed: 1);
        var weights = new float[initial.Length];
        array.ReadAll(weights);
        Assert.Equal(initial.Select(w => MathF.Sign(w) * alpha), weights, (a, b) => Math.Abs(a - b) < 1e-6f);
        array.BeginUpdate();
        // Requests push devices 0 (positive) down, 1 (negative) up, 3 further down (saturated: no change).
        array.Apply(weights, [-1f, 1f, 0f, -1f, 0f, 0f], 0);
        Assert.Equal(new[] { -alpha, alpha, alpha, -alpha, alpha, -alpha }, weights, (a, b) => Math.Abs(a - b) < 1e-6f);
        Assert.Equal(1, array.PulsesUp);
        Assert.Equal(2, array.PulsesDown);   // device 3's pulse is fired and counted, though it is already at its bound
    }

    [Fact]
    public void Binary_training_runs_counts_flips_and_refuses_bad_settings()
    {
        string dir = Path.Combine(_dir, "run");
        var (output, error) = (new StringWriter(), new StringWriter());
        int code = Program.Run(["train", "--device", "binary", "--programming", "flip", "--archi", "784-32-10", "--optim", "sgd", "--lr", "0.05",
            "--flip-gamma", "1e-3", "--flip-threshold", "1e-5", "--epochs", "1", "--train-limit", "300", "--test-limit", "100", "--out", dir], output, error);
        Assert.True(code == 0, error.ToString());
        var metrics = System.Text.Json.Nodes.JsonNode.Parse(File.ReadLines(Path.Combine(dir, "metrics.jsonl")).First())!;
        Assert.True((double)metrics["pulses"]! > 0, "no flips counted");

        foreach (var bad in new[] { new[] { "--flip-gamma", "2" }, ["--flip-threshold", "-1"], ["--flip-gamma", "1e-3,1e-3,1e-3"] })
        {
            var err = new StringWriter();
            int failed = Program.Run(["train", "--device", "binary", "--programming", "flip", "--archi", "784-32-10", "--epochs", "1", "--train-limit", "100",
                .. bad, "--out", Path.Combine(_dir, "bad")], TextWriter.Null, err);
            Assert.NotEqual(0, failed);
            Assert.StartsWith("error:", err.ToString());
            Assert.DoesNotContain("   at ", err.ToString());
        }
    }
}
