using OnChip.Sweeps;

namespace OnChip.Tests.Sweeps;

/// <summary>Every sweep spec shipped in examples/ loads and expands into valid runs (each run validated as a whole).</summary>
public class ExampleSpecsTests
{
    public static TheoryData<string> Specs()
    {
        var dir = new DirectoryInfo(AppContext.BaseDirectory);
        while (dir is not null && !File.Exists(Path.Combine(dir.FullName, "OnChip.slnx"))) dir = dir.Parent;
        var data = new TheoryData<string>();
        foreach (var file in Directory.GetFiles(Path.Combine(dir!.FullName, "examples"), "*.yaml").Order()) data.Add(file);
        return data;
    }

    [Theory]
    [MemberData(nameof(Specs))]
    public void The_spec_expands_into_valid_runs(string path)
    {
        var plan = SweepPlan.Expand(SweepSpec.Load(path));
        Assert.NotEmpty(plan.Runs);
        // The comparative studies compare rules over seeds; rbm-figure.yaml is checked row by row in RbmFigureTests.
        if (Path.GetFileName(path) == "rbm-figure.yaml") return;
        Assert.Contains("rule", plan.GridKeys);
        Assert.True(plan.Seeds.Count >= 2, "a comparison needs several seeds");
    }
}
