using OnChip.Configuration;

namespace OnChip.Tests.Configuration;

public class TrainingConfigTests
{
    private static TrainingConfig FromYaml(string yaml)
    {
        var config = new TrainingConfig();
        foreach (var (key, value) in ConfigFile.Parse(yaml, "test.yaml", TrainingConfig.Keys))
            TrainingConfig.Keys.First(k => k.Name == key).Set(config, value);
        return config;
    }

    [Fact]
    public void Yaml_sets_every_kind_of_value()
    {
        var c = FromYaml("archi: 784-256-10\nbeta: 0.5\nlr: [0.1, 0.05]\ncosine: true\nrule: ep-symmetric\nseed: 7\ntrain-limit: 100\n");
        Assert.Equal("784-256-10", c.Archi);
        Assert.Equal(0.5f, c.Beta);
        Assert.Equal([0.1f, 0.05f], c.Lr);
        Assert.True(c.Cosine);
        Assert.Equal("ep-symmetric", c.Rule);
        Assert.Equal(7UL, c.Seed);
        Assert.Equal(100, c.TrainLimit);
    }

    [Fact]
    public void Written_config_reads_back_identically()
    {
        var c = FromYaml("archi: 784-256-10\nlr: 0.1,0.05\ncosine: true\ndata: /tmp/my data\nout: runs/x\n");
        string text = ConfigFile.Write(c, TrainingConfig.Keys, "header");
        var back = FromYaml(text);
        foreach (var key in TrainingConfig.Keys) Assert.Equal(key.Get(c), key.Get(back));
    }

    [Fact]
    public void Typo_in_key_names_the_key_and_suggests_the_nearest()
    {
        var e = Assert.Throws<ConfigException>(() => FromYaml("beat: 0.1\n"));
        Assert.Contains("'beat'", e.Message);
        Assert.Contains("did you mean 'beta'", e.Message);
    }

    [Theory]
    [InlineData("beta: -0.1", "beta")]
    [InlineData("beta: 0", "beta")]
    [InlineData("batch: 0", "batch")]
    [InlineData("t1: abc", "t1")]
    [InlineData("act: relu", "act")]
    [InlineData("archi: 784-x-10", "archi")]
    [InlineData("lr: -1", "lr")]
    [InlineData("momentum: 1", "momentum")]
    [InlineData("optim: adamw", "did you mean 'adam'")]
    public void Bad_values_name_the_key(string yaml, string expected)
    {
        var e = Assert.Throws<ConfigException>(() => FromYaml(yaml));
        Assert.Contains(expected, e.Message);
    }

    [Fact]
    public void Learning_rate_count_must_match_the_layers()
    {
        var c = FromYaml("archi: 784-256-10\nlr: 0.1,0.2,0.3\n");
        var e = Assert.Throws<ConfigException>(c.Validate);
        Assert.Contains("2 synaptic layers", e.Message);
        Assert.Equal([0.5f, 0.5f], FromYaml("lr: 0.5").LearningRates(2));
    }

    [Fact]
    public void Invalid_yaml_reports_the_position()
    {
        var e = Assert.Throws<ConfigException>(() => FromYaml("beta: [0.1\n"));
        Assert.Contains("test.yaml", e.Message);
    }
}
