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

    [Fact]
    public void Conv_nets_default_to_their_own_recipe_and_layered_networks_keep_the_reference_configuration()
    {
        var conv = FromYaml("model: conv\n");
        Assert.Equal(("ce", "my-hard-sig", true, "ep-symmetric", 0.5f, "async"), (conv.Loss, conv.Act, conv.Normalize, conv.Rule, conv.Beta, conv.Schedule));
        Assert.Equal((100, "sgd", 0.9f, true, 11), (conv.Batch, conv.Optim, conv.Momentum, conv.Cosine, conv.Epochs));
        Assert.Equal([0.1f, 0.05f, 0.02f], conv.Lr);
        Assert.Equal((30, 10), (conv.T1, conv.T2));
        conv.Validate();

        var layered = new TrainingConfig();
        Assert.Equal(("mse", "mysig", false, "ep", 0.1f, null), (layered.Loss, layered.Act, layered.Normalize, layered.Rule, layered.Beta, layered.Schedule));
        Assert.Equal((50, "adam", 0f, false, 5), (layered.Batch, layered.Optim, layered.Momentum, layered.Cosine, layered.Epochs));
        Assert.Equal([5e-4f], layered.Lr);
        foreach (var model in new[] { "resistive", "feedforward" })
            foreach (var key in TrainingConfig.FamilyDefaultKeys.Where(k => k != "schedule"))
                Assert.Equal(TrainingConfig.Keys.First(k => k.Name == key).Get(layered), TrainingConfig.Keys.First(k => k.Name == key).Get(FromYaml($"model: {model}\n")));
    }

    [Fact]
    public void A_value_that_is_set_wins_over_the_familys_default_in_any_order()
    {
        // Set before the model, as a YAML file may order its keys, by a flag after the file, or as a property.
        var c = FromYaml("beta: 0.1\nlr: 5e-4\noptim: adam\nmodel: conv\n");
        Assert.Equal((0.1f, "adam"), (c.Beta, c.Optim));
        Assert.Equal([5e-4f], c.Lr);
        Assert.Equal("ce", c.Loss);
        var p = new TrainingConfig { Act = "mysig", Model = "conv" };
        Assert.Equal("mysig", p.Act);
        // The defaults follow the model: changing it back gives the reference configuration again.
        p.Model = "layered";
        Assert.Equal(("mse", 0.1f), (p.Loss, p.Beta));
        // A clone keeps what was set and what was left to the family.
        var clone = FromYaml("model: conv\nbeta: 0.3\n").Clone();
        Assert.Equal((0.3f, 100), (clone.Beta, clone.Batch));
        clone.Model = "layered";
        Assert.Equal((0.3f, 50), (clone.Beta, clone.Batch));
        // The family's default list is not shared: changing a returned copy changes nothing.
        FromYaml("model: conv\n").Lr[0] = 7f;
        Assert.Equal(0.1f, FromYaml("model: conv\n").Lr[0]);
    }

    [Fact]
    public void A_conv_run_config_written_with_the_family_defaults_reads_back_identically()
    {
        var c = FromYaml("model: conv\nchannels: 8-16\n");
        var back = FromYaml(ConfigFile.Write(c, TrainingConfig.Keys, "header"));
        foreach (var key in TrainingConfig.Keys) Assert.Equal(key.Get(c), key.Get(back));
        Assert.Contains("schedule: async", ConfigFile.Write(c, TrainingConfig.Keys, "header"));
    }

    [Fact]
    public void A_default_per_layer_rate_that_does_not_fit_the_network_says_how_to_give_one()
    {
        var e = Assert.Throws<ConfigException>(FromYaml("model: conv\nchannels: 8-16-16\nkernels: 3-3-3\npools: mmi\n").Validate);
        Assert.Contains("the --model conv default 0.1,0.05,0.02", e.Message);
        Assert.Contains("give --lr with one value or 4", e.Message);
        FromYaml("model: conv\nchannels: 8-16-16\nkernels: 3-3-3\npools: mmi\nlr: 0.05\n").Validate();
    }

    [Fact]
    public void Families_only_default_the_settings_that_may_differ_by_family()
    {
        foreach (var family in OnChip.Models.ModelFamilies.All)
            foreach (var (key, value) in family.Defaults)
            {
                Assert.Contains(key, TrainingConfig.FamilyDefaultKeys);
                Assert.Equal(value, TrainingConfig.Keys.First(k => k.Name == key).Get(FromYaml($"model: {family.Name}\n")));
            }
    }
}
