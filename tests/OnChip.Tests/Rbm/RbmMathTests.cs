using OnChip.Data;
using OnChip.Parallelism;
using OnChip.Rbm;

namespace OnChip.Tests.Rbm;

/// <summary>
/// The RBM's conditionals, free energy and free-energy classification against brute-force enumeration of every state
/// of a 6-visible / 4-hidden machine (2^10 joint states, exact partition function), in double precision.
/// </summary>
public class RbmMathTests
{
    private static float[] F(double[] x) => x.Select(v => (float)v).ToArray();

    [Fact]
    public void Free_energy_matches_enumeration_and_normalises()
    {
        var rbm = ExactRbm.Random(RbmKinds.Generative, 6, 0, 4, seed: 3);
        var exact = new ExactRbm(rbm);
        Assert.Equal(64, exact.VisibleStates.Length);
        double f0 = rbm.FreeEnergy(F(exact.VisibleStates[0]));
        foreach (var v in exact.VisibleStates)
        {
            // Free-energy differences (the partition function cancels) and the free energy itself.
            Assert.Equal(exact.FreeEnergy(v) - exact.FreeEnergy(exact.VisibleStates[0]), rbm.FreeEnergy(F(v)) - f0, 1e-6);
            Assert.Equal(exact.FreeEnergy(v), rbm.FreeEnergy(F(v)), 1e-6);
        }
        // Σ_v e^{−F(v)} = Z: the free energy is the marginal of the joint.
        double logZ = ExactRbm.LogSumExp(exact.VisibleStates.Select(v => -rbm.FreeEnergy(F(v))));
        Assert.Equal(exact.LogZ, logZ, 1e-6);
        Assert.Equal(1.0, exact.VisibleStates.Sum(v => Math.Exp(exact.LogProbability(v))), 1e-9);
    }

    [Fact]
    public void Energy_matches_the_definition()
    {
        var rbm = ExactRbm.Random(RbmKinds.Generative, 6, 0, 4, seed: 4);
        var exact = new ExactRbm(rbm);
        foreach (var v in exact.VisibleStates.Take(20))
            foreach (var h in exact.HiddenStates)
                Assert.Equal(exact.Energy(v, h), rbm.Energy(F(v), F(h)), 1e-5);
    }

    [Fact]
    public void Conditionals_match_enumeration_in_the_reference_and_the_batched_path()
    {
        var rbm = ExactRbm.Random(RbmKinds.Generative, 6, 0, 4, seed: 5);
        var exact = new ExactRbm(rbm);
        var states = exact.VisibleStates;
        var p = new float[4];

        // The batched positive phase (GEMM + vectorised sigmoid) on all 64 visible states at once.
        var cd = new ContrastiveDivergence(rbm, new CdSettings(), states.Length, WorkerPool.Serial, seed: 1);
        cd.LoadVisible(states.SelectMany(F).ToArray(), states.Length);
        cd.ComputeGradient();
        for (int s = 0; s < states.Length; s++)
        {
            var reference = exact.HiddenProbabilities(states[s]);
            rbm.HiddenProbabilities(F(states[s]), p);
            var batched = cd.HiddenRows.Row(cd.DataStart + s);
            for (int j = 0; j < 4; j++)
            {
                Assert.Equal(reference[j], p[j], 1e-6);
                Assert.Equal(reference[j], batched[j], 1e-6);
            }
        }

        // p(v_i = 1 | h) by enumerating v given h: Σ_v v_i e^{−E(v,h)} / Σ_v e^{−E(v,h)}.
        var pv = new float[6];
        foreach (var h in exact.HiddenStates)
        {
            double norm = ExactRbm.LogSumExp(states.Select(v => -exact.Energy(v, h)));
            rbm.VisibleProbabilities(F(h), pv);
            for (int i = 0; i < 6; i++)
            {
                double reference = states.Sum(v => v[i] * Math.Exp(-exact.Energy(v, h) - norm));
                Assert.Equal(reference, pv[i], 1e-6);
            }
        }
    }

    [Fact]
    public void Drbm_label_conditional_is_the_softmax_of_the_one_hot_group()
    {
        var rbm = ExactRbm.Random(RbmKinds.Discriminative, 4, 3, 4, seed: 6);
        var exact = new ExactRbm(rbm);
        Assert.Equal(16 * 3, exact.VisibleStates.Length);
        var pv = new float[rbm.Visible];
        foreach (var h in exact.HiddenStates)
        {
            double norm = ExactRbm.LogSumExp(exact.VisibleStates.Select(v => -exact.Energy(v, h)));
            rbm.VisibleProbabilities(F(h), pv);
            for (int i = 0; i < rbm.Visible; i++)
            {
                double reference = exact.VisibleStates.Sum(v => v[i] * Math.Exp(-exact.Energy(v, h) - norm));
                Assert.Equal(reference, pv[i], 1e-6);
            }
        }
    }

    [Fact]
    public void Batched_free_energy_scores_match_enumeration()
    {
        // drbm with 4 pixels + 2 labels = 6 visible units, 4 hidden: scores s_y = −F(x, y) + const(x).
        var rbm = ExactRbm.Random(RbmKinds.Discriminative, 4, 2, 4, seed: 7);
        var exact = new ExactRbm(rbm);
        var scores = new float[2];
        var input = new float[4];
        for (int s = 0; s < 16; s++)
        {
            var x = ExactRbm.Bits(s, 4);
            double[] WithLabel(int y) { var v = new double[6]; x.CopyTo(v, 0); v[4 + y] = 1; return v; }
            // u = b + xᵀW_x, as the GEMM computes it.
            for (int j = 0; j < 4; j++)
            {
                double u = rbm.B.Value.Data[j];
                for (int i = 0; i < 4; i++) u += x[i] * rbm.W.Value[i, j];
                input[j] = (float)u;
            }
            ContrastiveDivergence.FreeEnergyScores(rbm, rbm.W.Value, rbm.A.Value.Span, input, scores);
            double exactDifference = exact.FreeEnergy(WithLabel(1)) - exact.FreeEnergy(WithLabel(0));
            Assert.Equal(exactDifference, scores[0] - scores[1], 1e-6);
            Assert.Equal(exactDifference, rbm.FreeEnergy(F(x), 1) - rbm.FreeEnergy(F(x), 0), 1e-6);
        }
    }

    [Fact]
    public void Drbm_classifies_by_the_lowest_free_energy_on_a_hand_made_case()
    {
        // Two pixels, two labels, two hidden units; h0 joins pixel 0 and label 0, h1 joins pixel 1 and label 1.
        // F(x, y) = −a·v − Σ_j softplus(b_j + Σ_i v_i W_ij), a = (0, 0 | 0, 0.5), b = 0.
        var rbm = new RestrictedBoltzmannMachine(RbmKinds.Discriminative, 2, 2, 2);
        rbm.W.Value[0, 0] = 3f; rbm.W.Value[2, 0] = 2f;
        rbm.W.Value[1, 1] = 3f; rbm.W.Value[3, 1] = 2f;
        rbm.A.Value.Data[3] = 0.5f;
        static double Sp(double x) => Math.Log(1 + Math.Exp(x));
        // x = (1, 0): F(x,0) = −sp(5) − sp(0) = −5.70;  F(x,1) = −0.5 − sp(3) − sp(2) = −5.68 → label 0 (just).
        // x = (0, 1): F(x,0) = −sp(2) − sp(3) = −5.18;  F(x,1) = −0.5 − sp(0) − sp(5) = −6.20 → label 1.
        // x = (0, 0): F(x,0) = −sp(2) − sp(0) = −2.82;  F(x,1) = −0.5 − sp(0) − sp(2) = −3.32 → label 1 (the bias decides).
        // x = (1, 1): F(x,0) = −sp(5) − sp(3) = −8.06;  F(x,1) = −0.5 − sp(3) − sp(5) = −8.56 → label 1.
        (float[] X, double F0, double F1, int Label)[] cases =
        [
            ([1, 0], -Sp(5) - Sp(0), -0.5 - Sp(3) - Sp(2), 0),
            ([0, 1], -Sp(2) - Sp(3), -0.5 - Sp(0) - Sp(5), 1),
            ([0, 0], -Sp(2) - Sp(0), -0.5 - Sp(0) - Sp(2), 1),
            ([1, 1], -Sp(5) - Sp(3), -0.5 - Sp(3) - Sp(5), 1),
        ];
        foreach (var (x, f0, f1, label) in cases)
        {
            Assert.Equal(f0, rbm.FreeEnergy(x, 0), 1e-6);
            Assert.Equal(f1, rbm.FreeEnergy(x, 1), 1e-6);
            Assert.Equal(label, rbm.Classify(x));
        }

        // The batched evaluator agrees, and counts as errors exactly the cases labelled otherwise.
        var data = new Dataset("hand", 1, 1, 2, 2, cases.SelectMany(c => c.X).ToArray(), [0, 0, 1, 1]);
        var predictions = new int[4];
        var result = new RbmEvaluator(rbm, WorkerPool.Serial, Binarization.None).Evaluate(data, predictions);
        Assert.Equal(cases.Select(c => c.Label), predictions);
        Assert.Equal(0.75, result.Accuracy);  // predictions 0,1,1,1 against labels 0,0,1,1: one error
    }
}
