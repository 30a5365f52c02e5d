using OnChip.Dynamics;
using OnChip.Learning;

namespace OnChip.Tests.Resistive;

/// <summary>The exact block coordinate descent of resistive networks against the double-precision reference.</summary>
public class ResistiveDynamicsTests
{
    private static readonly int[] Archi = [5, 6, 4, 3];

    [Theory]
    [InlineData("forward")]
    [InlineData("backward")]
    [InlineData("async")]
    [InlineData("sync")]
    public void Sweeps_equal_the_reference_sweeps(string schedule)
    {
        var (network, batch) = ResistiveTestNetworks.Create(Archi, gain: 2f, batchSize: 4, seed: 3);
        network.Schedule = Schedules.Parse(schedule);
        var reference = new ResistiveReference(network, batch, 2f);
        var p = reference.Current();
        batch.Relaxation.PrepareStaticDrive(batch.Free, batch.Count, batch.Pool);
        batch.Free.ClearRows(0, batch.Count);
        batch.Relaxation.Relax(batch.Free, null, 0f, 5, batch.Count, batch.Pool);
        for (int r = 0; r < batch.Count; r++)
        {
            var v = reference.Zero(r);
            for (int t = 0; t < 5; t++) reference.Sweep(p, v, schedule, 0, r);
            var mine = reference.FromLibrary(batch.Free, r);
            for (int l = 1; l < v.Length; l++)
                for (int j = 0; j < v[l].Length; j++)
                    Assert.True(Math.Abs(v[l][j] - mine[l][j]) < 1e-5 * (1 + Math.Abs(v[l][j])), $"{schedule}: layer {l} node {j}: {mine[l][j]} vs {v[l][j]}");
        }
    }

    /// <summary>
    /// Block coordinate descent never raises the energy (each layer moves to its exact constrained minimiser given
    /// its neighbours), free or nudged with either sign of β. The synchronous (Jacobi) schedule has no such guarantee.
    /// </summary>
    [Theory]
    [InlineData("forward", 0f)]
    [InlineData("backward", 0f)]
    [InlineData("async", 0f)]
    [InlineData("forward", 0.5f)]
    [InlineData("backward", -0.3f)]
    [InlineData("async", 1f)]
    public void Energy_never_increases_across_sweeps(string schedule, float beta)
    {
        var (network, batch) = ResistiveTestNetworks.Create(Archi, gain: 3f, batchSize: 5, seed: 4);
        network.Schedule = Schedules.Parse(schedule);
        network.NudgedSchedule = network.Schedule;
        var reference = new ResistiveReference(network, batch, 3f);
        var p = reference.Current();
        batch.Relaxation.PrepareStaticDrive(batch.Free, batch.Count, batch.Pool);
        batch.Free.ClearRows(0, batch.Count);
        var previous = Enumerable.Range(0, batch.Count).Select(r => reference.Energy(p, reference.FromLibrary(batch.Free, r), beta, r)).ToArray();
        int decreased = 0;
        for (int t = 0; t < 30; t++)
        {
            batch.Relaxation.Relax(batch.Free, batch.Targets, beta, 1, batch.Count, batch.Pool);
            for (int r = 0; r < batch.Count; r++)
            {
                double e = reference.Energy(p, reference.FromLibrary(batch.Free, r), beta, r);
                Assert.True(e <= previous[r] + 1e-5 * (1 + Math.Abs(previous[r])), $"sweep {t + 1}, example {r}: energy rose from {previous[r]} to {e}");
                if (e < previous[r] - 1e-9) decreased++;
                previous[r] = e;
            }
        }
        Assert.True(decreased > batch.Count, "the sweeps should lower the energy");
    }

    /// <summary>
    /// At the relaxed state the KKT conditions of the box-constrained quadratic program hold: ∂E/∂v = 0 at every node
    /// its diode leaves free, and where a diode holds the node at 0, the residual points out of the box (∂E/∂v ≥ 0 for a
    /// node kept ≥ 0, ≤ 0 for one kept ≤ 0).
    /// </summary>
    [Theory]
    [InlineData("forward", 0f)]
    [InlineData("async", 0f)]
    [InlineData("backward", 0.7f)]
    [InlineData("backward", -0.4f)]
    public void Relaxed_state_satisfies_the_kkt_conditions(string schedule, float beta)
    {
        var (network, batch) = ResistiveTestNetworks.Create([6, 10, 8, 3], gain: 4f, batchSize: 6, seed: 5);
        network.Schedule = Schedules.Parse(schedule);
        network.NudgedSchedule = network.Schedule;
        var reference = new ResistiveReference(network, batch, 4f);
        var p = reference.Current();
        batch.Relaxation.PrepareStaticDrive(batch.Free, batch.Count, batch.Pool);
        batch.Free.ClearRows(0, batch.Count);
        batch.Relaxation.Relax(batch.Free, batch.Targets, beta, 300, batch.Count, batch.Pool);
        int clipped = 0, free = 0;
        for (int r = 0; r < batch.Count; r++)
        {
            var v = reference.FromLibrary(batch.Free, r);
            for (int l = 1; l < v.Length; l++)
                for (int j = 0; j < v[l].Length; j++)
                {
                    double g = reference.Gradient(p, v, l, j, beta, r);
                    var (lower, upper) = reference.Bounds(l, j);
                    if (v[l][j] == lower) { clipped++; Assert.True(g >= -1e-4, $"layer {l} node {j} held at its lower bound with ∂E/∂v = {g}"); }
                    else if (v[l][j] == upper) { clipped++; Assert.True(g <= 1e-4, $"layer {l} node {j} held at its upper bound with ∂E/∂v = {g}"); }
                    else { free++; Assert.True(Math.Abs(g) < 1e-4, $"layer {l} node {j} = {v[l][j]} is free but ∂E/∂v = {g}"); }
                }
        }
        Assert.True(clipped > 0 && free > 0, $"the test should see both clipped ({clipped}) and free ({free}) nodes");
    }

    [Fact]
    public void A_negative_beta_beyond_the_output_conductance_is_a_clear_error()
    {
        var (network, batch) = ResistiveTestNetworks.Create([4, 4, 2], gain: 1f, batchSize: 2, seed: 6, low: 0.01f, high: 0.02f);
        batch.Relaxation.PrepareStaticDrive(batch.Free, batch.Count, batch.Pool);
        var e = Assert.Throws<UserFacingException>(() => batch.Relaxation.Relax(batch.Free, batch.Targets, -5f, 1, batch.Count, batch.Pool));
        Assert.Contains("has no equilibrium", e.Message);
    }

    /// <summary>
    /// A node whose conductances all learnt 0 is connected to nothing: it stays at 0 in every phase, nudged ones
    /// included (whatever its bias), so centred EP does not fail on it; SPICE gets no bias source for it.
    /// </summary>
    [Fact]
    public void A_node_with_no_conductance_stays_at_zero_in_every_phase()
    {
        var (network, batch) = ResistiveTestNetworks.Create([4, 6, 3], gain: 2f, batchSize: 3, seed: 12);
        var top = network.Parameter("W1").Value;
        top.Row(1).Clear();                      // output node 1: no conductance left
        network.Parameter("b2").Value[0, 1] = 0.3f;
        new EquilibriumPropagation(new PhaseSettings(0.5f, 20, 20), NudgingScheme.Symmetric, new Randomness.Rng(0)).ComputeGradients(batch);
        foreach (var state in new[] { batch.Free, batch.Nudged, batch.Opposite })
            for (int r = 0; r < batch.Count; r++) Assert.Equal(0f, state[2][r, 1]);
        // Its bias cannot move it; its resistors still see the voltage drops across them, so they may grow back.
        Assert.Equal(0f, network.Parameter("b2").Grad[0, 1]);
        Assert.Contains(network.Parameter("W1").Grad.Row(1).ToArray(), g => g != 0f);
        var state0 = OnChip.Resistive.SpiceNetlist.Relax(network, batch.Input.Row(0), batch.Pool);
        var netlist = new StringWriter();
        OnChip.Resistive.SpiceNetlist.Write(netlist, network, state0, "test");
        Assert.DoesNotContain("I2_1 ", netlist.ToString());
        Assert.Contains("I2_0 ", netlist.ToString());
    }
}
