using OnChip.Cli;
using OnChip.Dynamics;
using OnChip.Learning;
using OnChip.Networks;
using OnChip.Parallelism;
using OnChip.Randomness;

namespace OnChip.Tests.Networks;

/// <summary>
/// --nudge state (binary EP, Laydevant et al. 2021): nudged phases add −β·∂ℓ/∂s to the output units' activation,
/// s = clip(σ(u) + β(y − s)), instead of to their drive, s = σ(u + β(y − s)).
/// </summary>
public class NudgeAfterActivationTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("onchip-nudge-").FullName;
    public void Dispose() => Directory.Delete(_dir, recursive: true);

    private static (LayeredNetwork Network, BatchContext Batch) Create(int expand, Schedule schedule, ulong seed)
    {
        var network = HopfieldNetwork.Create(new NetworkSpec([6, 5, 3], "hard-sigmoid", "mse", OutputExpand: expand));
        network.Initialize(new Rng(seed), 2f);
        network.Schedule = schedule;
        var batch = new BatchContext(network, 4, WorkerPool.Serial) { Count = 4 };
        var rng = new Rng(seed + 100);
        rng.FillUniform(batch.Input.Span, 0f, 1f);
        for (int r = 0; r < 4; r++) batch.Targets[r, rng.NextInt(3)] = 1f;
        return (network, batch);
    }

    /// <summary>
    /// A nudged phase from the free state, against a plain double-precision loop of the rule: hidden units
    /// h ← clip(W0·x + W1ᵀ·o + b1, 0, 1), outputs o ← clip(clip(W1·h + b2, 0, 1) + β(y − o), 0, 1), with the
    /// target of each of the k units of a class; every layer from the previous step (sync), or in place layer after
    /// layer (forward: the outputs see the new hidden units, their nudge the outputs before the step).
    /// </summary>
    [Theory]
    [InlineData(1, nameof(Schedule.Synchronous), 0.4f)]
    [InlineData(2, nameof(Schedule.Synchronous), -0.4f)]
    [InlineData(3, nameof(Schedule.Forward), 0.7f)]
    public void A_nudged_phase_matches_a_plain_loop_of_the_rule(int expand, string scheduleName, float beta)
    {
        var schedule = Enum.Parse<Schedule>(scheduleName);
        var (network, batch) = Create(expand, schedule, seed: 5);
        network.NudgeAfterActivation = true;
        batch.RunFreePhase(15);
        var w0 = network.Parameter("W0").Value;
        var w1 = network.Parameter("W1").Value;
        var b1 = network.Parameter("b1").Value;
        var b2 = network.Parameter("b2").Value;
        int hidden = 5, outputs = 3 * expand;
        var h = new double[4, hidden];
        var o = new double[4, outputs];
        for (int r = 0; r < 4; r++)
        {
            for (int i = 0; i < hidden; i++) h[r, i] = batch.Free.Layers[1][r, i];
            for (int k = 0; k < outputs; k++) o[r, k] = batch.Free.Layers[2][r, k];
        }
        const int steps = 7;
        batch.RunNudgedPhase(batch.Nudged, beta, steps);
        bool moved = false;
        for (int t = 0; t < steps; t++)
            for (int r = 0; r < 4; r++)
            {
                var newH = new double[hidden];
                for (int i = 0; i < hidden; i++)
                {
                    double u = b1[0, i];
                    for (int j = 0; j < 6; j++) u += w0[i, j] * (double)batch.Input[r, j];
                    for (int k = 0; k < outputs; k++) u += w1[k, i] * o[r, k];
                    newH[i] = Math.Clamp(u, 0, 1);
                }
                var read = schedule == Schedule.Synchronous ? CopyRow(h, r) : newH;
                var newO = new double[outputs];
                for (int k = 0; k < outputs; k++)
                {
                    double u = b2[0, k];
                    for (int i = 0; i < hidden; i++) u += w1[k, i] * read[i];
                    double y = batch.Targets[r, k / expand];
                    newO[k] = Math.Clamp(Math.Clamp(u, 0, 1) + beta * (y - o[r, k]), 0, 1);
                }
                for (int i = 0; i < hidden; i++) h[r, i] = newH[i];
                for (int k = 0; k < outputs; k++)
                {
                    moved |= Math.Abs(newO[k] - o[r, k]) > 1e-3;
                    o[r, k] = newO[k];
                }
            }
        Assert.True(moved, "the nudge moved nothing: the test would not tell the rules apart");
        for (int r = 0; r < 4; r++)
        {
            for (int i = 0; i < hidden; i++) Assert.Equal(h[r, i], batch.Nudged.Layers[1][r, i], 5);
            for (int k = 0; k < outputs; k++) Assert.Equal(o[r, k], batch.Nudged.Layers[2][r, k], 5);
        }
    }

    private static double[] CopyRow(double[,] m, int r) => Enumerable.Range(0, m.GetLength(1)).Select(i => m[r, i]).ToArray();

    /// <summary>
    /// A dead output unit (its drive far below 0) with target 1: the state nudge takes it to the fixed point of
    /// o = β(1 − o), o = β/(1 + β); the drive nudge leaves it at 0 (the drive u + β(1 − o) stays negative).
    /// </summary>
    [Fact]
    public void A_dead_output_unit_still_feels_its_target()
    {
        foreach (bool afterActivation in new[] { true, false })
        {
            var (network, batch) = Create(1, Schedule.Synchronous, seed: 2);
            network.NudgeAfterActivation = afterActivation;
            network.Parameter("b2").Value.Span.Fill(-50f);
            for (int r = 0; r < 4; r++)
            {
                batch.Targets.Row(r).Clear();
                batch.Targets[r, 0] = 1f;
            }
            batch.RunFreePhase(10);
            Assert.All(batch.Free.Layers[2].RowSpan(0, 4).ToArray(), v => Assert.Equal(0f, v));
            const float beta = 0.3f;
            batch.RunNudgedPhase(batch.Nudged, beta, 60);
            for (int r = 0; r < 4; r++)
            {
                Assert.Equal(afterActivation ? beta / (1 + beta) : 0f, batch.Nudged.Layers[2][r, 0], 5);
                Assert.Equal(0f, batch.Nudged.Layers[2][r, 1]);   // target 0: the nudge pushes it towards 0, where it is
            }
        }
    }

    /// <summary>The setting changes nudged phases only: free phases, and so evaluation, are bit for bit the same.</summary>
    [Fact]
    public void The_free_phase_is_unchanged()
    {
        var (a, batchA) = Create(2, Schedule.Synchronous, seed: 9);
        var (b, batchB) = Create(2, Schedule.Synchronous, seed: 9);
        b.NudgeAfterActivation = true;
        batchA.RunFreePhase(20);
        batchB.RunFreePhase(20);
        for (int l = 1; l < a.LayerCount; l++) Assert.Equal(batchA.Free.Layers[l].Span.ToArray(), batchB.Free.Layers[l].Span.ToArray());
    }

    [Fact]
    public void Training_records_the_setting_and_bad_combinations_give_one_error_line()
    {
        string dir = Path.Combine(_dir, "run");
        var (output, error) = (new StringWriter(), new StringWriter());
        int code = Program.Run(["train", "--archi", "784-32-10", "--act", "hard-sigmoid", "--nudge", "state", "--rule", "ep-random-sign", "--beta", "0.3",
            "--epochs", "1", "--train-limit", "300", "--test-limit", "100", "--out", dir], output, error);
        Assert.True(code == 0, error.ToString());
        Assert.Contains("nudge after the activation", output.ToString());
        Assert.Contains("nudge: state", File.ReadAllText(Path.Combine(dir, "config.yaml")));

        foreach (var bad in new[] { new[] { "--nudge", "output" }, ["--nudge", "state", "--loss", "ce"], ["--nudge", "state", "--rule", "hep"],
                     ["--nudge", "state", "--rule", "cpl"], ["--nudge", "state", "--model", "resistive"] })
        {
            var err = new StringWriter();
            int failed = Program.Run(["train", "--archi", "784-32-10", "--epochs", "1", "--train-limit", "100", .. bad, "--out", Path.Combine(_dir, "bad")],
                TextWriter.Null, err);
            Assert.NotEqual(0, failed);
            Assert.StartsWith("error: ", err.ToString());
            Assert.DoesNotContain("   at ", err.ToString());
            Assert.Single(err.ToString().TrimEnd().Split('\n'));
        }
    }
}
