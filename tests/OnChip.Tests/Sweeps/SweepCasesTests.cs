using OnChip.Configuration;
using OnChip.Sweeps;

namespace OnChip.Tests.Sweeps;

/// <summary>cases: hand-picked configurations (settings that change together), each list in a case a small grid, crossed with the grid.</summary>
public class SweepCasesTests
{
    private static SweepPlan Expand(string yaml) => SweepPlan.Expand(SweepSpec.Parse(yaml, "spec.yaml", Path.GetTempPath()));

    [Fact]
    public void Cases_expand_in_order_crossed_with_the_grid_and_label_their_runs()
    {
        var plan = Expand("""
            base: {epochs: 1}
            grid: {beta: [0.1, 0.5]}
            cases:
              - {case: small, lr: 0.1, batch: [1, 10]}
              - {t1: 30}
            seeds: 2
            """);
        Assert.Equal(["case", "lr", "batch", "t1", "beta", "seed"], plan.SweptKeys);
        Assert.Equal(3 * 2 * 2, plan.Runs.Count);
        Assert.Equal(6, plan.Configurations);
        Assert.Equal(
            ["case=small lr=0.1 batch=1 beta=0.1", "case=small lr=0.1 batch=1 beta=0.5", "case=small lr=0.1 batch=10 beta=0.1",
             "case=small lr=0.1 batch=10 beta=0.5", "t1=30 beta=0.1", "t1=30 beta=0.5"],
            plan.Runs.Where(r => r.Setting("seed") == "0").Select(r => r.Label(withSeed: false)));
        // The case's settings reach the run; a key it leaves alone keeps the base (or default) value; the label is no setting.
        Assert.Equal("10", plan.Runs[4].Setting("batch"));
        Assert.Equal("30", plan.Runs[9].Setting("t1"));
        Assert.NotEqual("1", plan.Runs[9].Setting("batch"));
        Assert.Null(plan.Runs[0].Setting("case"));
        Assert.All(plan.Runs, r => r.ToConfig().Validate());

        // Cases survive sweep.json: the same plan, and the same swept keys, read back.
        string path = Path.Combine(Path.GetTempPath(), $"onchip-cases-{Guid.NewGuid():N}.json");
        try
        {
            File.WriteAllText(path, plan.ToJson());
            var read = SweepPlan.Read(path);
            Assert.Equal(plan.SweptKeys, read.SweptKeys);
            Assert.Null(read.Difference(plan));
        }
        finally { File.Delete(path); }
    }

    [Fact]
    public void A_spec_without_cases_numbers_its_runs_as_before()
    {
        var plan = Expand("grid: {beta: [0.1, 0.5]}\nseeds: 2");
        Assert.Empty(plan.CaseKeys);
        Assert.Equal(["beta", "seed"], plan.SweptKeys);
        Assert.Equal(["0.1", "0.1", "0.5", "0.5"], plan.Runs.Select(r => r.Setting("beta")));
    }

    [Theory]
    [InlineData("grid: {lr: [0.1]}\ncases: [{lr: 0.2}]", "spec.yaml: 'lr' is both in cases: and in grid:")]
    [InlineData("cases: [{lr: 0.2}]\nrandom: {count: 2, lr: {uniform: [0.1, 1]}}", "spec.yaml: 'lr' is both in cases: and in random:")]
    [InlineData("cases: {lr: 0.1}", "spec.yaml: cases: expected a list of cases")]
    [InlineData("cases: [{case: a}]", "spec.yaml: cases[0]: a case sets at least one key")]
    [InlineData("cases: [{lr: 0.1}, {bta: 0.5}]", "spec.yaml: cases[1]: unknown key 'bta'")]
    [InlineData("cases: [{lr: {choice: [0.1, 0.2]}}]", "spec.yaml: cases[0]: lr: {choice: …} draws values at random")]
    [InlineData("cases: [{beta: -1}]", "spec.yaml: cases[0]: beta: ")]
    [InlineData("cases: [{seed: 1}]", "spec.yaml: cases[0]: seed: give the runs' seeds with the spec's seeds:")]
    [InlineData("base: {case: a}", "spec.yaml: base: case: names a case; it goes in an entry of cases:")]
    public void A_bad_case_is_one_clear_line(string yaml, string expected)
    {
        string message = Assert.Throws<ConfigException>(() => Expand(yaml)).Message;
        Assert.StartsWith(expected, message);
        Assert.DoesNotContain("\n", message);
    }
}
