using OnChip.Cli;
using OnChip.Learning;
using OnChip.Networks;
using OnChip.Networks.Layers;
using OnChip.Parallelism;
using OnChip.Randomness;

namespace OnChip.Tests.Networks;

/// <summary>
/// The binary activation of binary EP (Laydevant et al. 2021): each unit keeps a real accumulator a ← clip(½a + ½u, 0, 1)
/// and emits H(a − ½); the accumulator is part of the network state.
/// </summary>
public class BinaryActivationTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("onchip-binact-").FullName;
    public void Dispose() => Directory.Delete(_dir, recursive: true);

    [Fact]
    public void The_activation_is_a_step_at_one_half_and_the_update_filters_and_clips()
    {
        var step = Activation.Parse("binary");
        var s = new float[19];
        var u = Enumerable.Range(0, 19).Select(i => -0.4f + 0.1f * i).ToArray();   // …, 0.4, 0.5, 0.6, …
        step.Apply(u, s);
        for (int i = 0; i < u.Length; i++) Assert.Equal(u[i] >= 0.5f ? 1f : 0f, s[i]);
        var atHalf = new float[1];
        step.Apply([0.5f], atHalf);
        Assert.Equal(1f, atHalf[0]);   // H(0) = 1, as the published heaviside

        var update = new AccumulatorUpdate(step);
        // No sum within float rounding of ½ but the exact one of unit 8 (½·½ + ½·½).
        var drive = new[] { 3f, -2f, 0.3f, 0.7f, 0.2f, 0.6f, 1f, 0f, 0.5f, 0.1f, -0.3f, 2f, 0.9f, 0.25f, 0.65f, 0.3f, 0.8f, 0f };
        var a = new[] { 0.5f, 0.9f, 0.6f, 0.1f, 0f, 1f, 0.2f, 0.3f, 0.5f, 0.95f, 0.4f, 0.7f, 0.3f, 0.55f, 0.45f, 0.75f, 0.25f, 1f };
        var expected = a.Select((v, i) => Math.Clamp(0.5 * v + 0.5 * drive[i], 0, 1)).ToArray();
        var next = new float[a.Length];
        update.Step(drive, a, next);
        for (int i = 0; i < a.Length; i++)
        {
            Assert.Equal(expected[i], a[i], 6);
            Assert.Equal(expected[i] >= 0.5 ? 1f : 0f, next[i]);
        }
    }

    /// <summary>
    /// Free and nudged phases of a binary network against a plain double-precision loop of the published dynamics:
    /// every layer from the previous step's emitted states, the output's nudge β(y − a) added to its drive and read
    /// from its accumulator; the nudged phase continues from the free phase's accumulators; a new free phase starts
    /// from a = 0 again.
    /// </summary>
    [Theory]
    [InlineData(1, 0.8f)]
    [InlineData(2, -1.5f)]
    public void Free_and_nudged_phases_match_a_plain_loop(int expand, float beta)
    {
        var network = HopfieldNetwork.Create(new NetworkSpec([6, 5, 3], "binary", "mse", OutputExpand: expand));
        network.Initialize(new Rng(11), 4f);
        const int rows = 4, t1 = 9, t2 = 6;
        var batch = new BatchContext(network, rows, WorkerPool.Serial) { Count = rows };
        var rng = new Rng(12);
        rng.FillUniform(batch.Input.Span, 0f, 1f);
        for (int r = 0; r < rows; r++) batch.Targets[r, rng.NextInt(3)] = 1f;
        Assert.True(batch.Free.HasAccumulator(1) && batch.Free.HasAccumulator(2) && batch.Nudged.HasAccumulator(2));

        var w0 = network.Parameter("W0").Value;
        var w1 = network.Parameter("W1").Value;
        var b1 = network.Parameter("b1").Value;
        var b2 = network.Parameter("b2").Value;
        int hidden = 5, outputs = 3 * expand;
        var (ah, ao) = (new double[rows, hidden], new double[rows, outputs]);
        var (eh, eo) = (new double[rows, hidden], new double[rows, outputs]);
        void Steps(int steps, double nudge)
        {
            for (int t = 0; t < steps; t++)
                for (int r = 0; r < rows; r++)
                {
                    var uh = new double[hidden];
                    var uo = new double[outputs];
                    for (int i = 0; i < hidden; i++)
                    {
                        uh[i] = b1[0, i];
                        for (int j = 0; j < 6; j++) uh[i] += w0[i, j] * (double)batch.Input[r, j];
                        for (int k = 0; k < outputs; k++) uh[i] += w1[k, i] * eo[r, k];
                    }
                    for (int k = 0; k < outputs; k++)
                    {
                        uo[k] = b2[0, k] + nudge * (batch.Targets[r, k / expand] - ao[r, k]);
                        for (int i = 0; i < hidden; i++) uo[k] += w1[k, i] * eh[r, i];
                    }
                    for (int i = 0; i < hidden; i++)
                    {
                        ah[r, i] = Math.Clamp(0.5 * ah[r, i] + 0.5 * uh[i], 0, 1);
                        eh[r, i] = ah[r, i] >= 0.5 ? 1 : 0;
                    }
                    for (int k = 0; k < outputs; k++)
                    {
                        ao[r, k] = Math.Clamp(0.5 * ao[r, k] + 0.5 * uo[k], 0, 1);
                        eo[r, k] = ao[r, k] >= 0.5 ? 1 : 0;
                    }
                }
        }
        void Check(NetworkState state)
        {
            for (int r = 0; r < rows; r++)
            {
                for (int i = 0; i < hidden; i++)
                {
                    Assert.Equal(eh[r, i], state.Layers[1][r, i]);
                    Assert.Equal(ah[r, i], state.Accumulators[1][r, i], 5);
                }
                for (int k = 0; k < outputs; k++)
                {
                    Assert.Equal(eo[r, k], state.Layers[2][r, k]);
                    Assert.Equal(ao[r, k], state.Accumulators[2][r, k], 5);
                }
            }
        }

        batch.RunFreePhase(t1);
        Steps(t1, 0);
        Check(batch.Free);
        var free = ((double[,])eo.Clone(), (double[,])ah.Clone());
        batch.RunNudgedPhase(batch.Nudged, beta, t2);
        Steps(t2, beta);
        Check(batch.Nudged);
        Assert.False(Enumerable.Range(0, rows * outputs).All(i => eo[i / outputs, i % outputs] == free.Item1[i / outputs, i % outputs])
                     && Enumerable.Range(0, rows * hidden).All(i => ah[i / hidden, i % hidden] == free.Item2[i / hidden, i % hidden]),
            "the nudge changed nothing: the test would not see a wrong nudge");

        // A new free phase starts from zero accumulators, not from the last state.
        batch.RunFreePhase(t1);
        Check2(batch.Free, free.Item1);
        static void Check2(NetworkState state, double[,] outputs)
        {
            for (int r = 0; r < outputs.GetLength(0); r++)
                for (int k = 0; k < outputs.GetLength(1); k++) Assert.Equal(outputs[r, k], state.Layers[2][r, k]);
        }
    }

    /// <summary>Training with binary weights, binary units and expanded outputs runs; eval rebuilds the binary units from the model file.</summary>
    [Fact]
    public void Binary_units_train_eval_and_refuse_rules_without_a_nudge()
    {
        string dir = Path.Combine(_dir, "run");
        var (output, error) = (new StringWriter(), new StringWriter());
        int code = Program.Run(["train", "--archi", "784-64-10", "--act", "binary", "--output-expand", "4", "--rule", "ep-random-sign", "--beta", "2", "--t1", "20",
            "--device", "binary", "--programming", "flip", "--flip-gamma", "2e-6", "--flip-threshold", "2e-7", "--optim", "sgd", "--lr", "1e-7",
            "--epochs", "1", "--train-limit", "300", "--test-limit", "200", "--out", dir], output, error);
        Assert.True(code == 0, error.ToString());
        string trained = output.ToString().Split('\n').Single(l => l.StartsWith("test accuracy", StringComparison.Ordinal));
        var eval = new StringWriter();
        Assert.Equal(0, Program.Run(["eval", "--model", Path.Combine(dir, "model.onchip"), "--limit", "200"], eval, TextWriter.Null));
        Assert.Contains($"accuracy {trained.Split(' ')[2]}", eval.ToString());

        foreach (var bad in new[] { new[] { "--rule", "bptt" }, ["--rule", "cl"], ["--rule", "hep"], ["--nudge", "state"] })
        {
            var err = new StringWriter();
            int failed = Program.Run(["train", "--archi", "784-32-10", "--act", "binary", "--epochs", "1", "--train-limit", "100", .. bad, "--out", Path.Combine(_dir, "bad")],
                TextWriter.Null, err);
            Assert.NotEqual(0, failed);
            Assert.StartsWith("error: ", err.ToString());
            Assert.Single(err.ToString().TrimEnd().Split('\n'));
        }
    }
}
