using System.Text.RegularExpressions;
using OnChip.Configuration;
using OnChip.Data;
using OnChip.Rbm;
using OnChip.Tests.Docs;
using OnChip.Training;

namespace OnChip.Tests.Configuration;

/// <summary>
/// Every <c>recipes/*.yaml</c> is loaded as <c>onchip train --config</c> loads it (<c>rbm-*.yaml</c>: as
/// <c>onchip rbm train --config</c> does) and passes every check the command makes before its first update, without
/// training: the keys and values (<see cref="ConfigFile.Apply{T}"/>, the command's own reader), the settings together
/// (<c>Validate</c>), the dataset's name, and the trainer built on data of the dataset's shape (the network against
/// the data, one learning rate per layer, the devices, the optimizer). Datasets that are not installed here (CIFAR)
/// are stood in for by a few random images of their shape. Each recipe also says what it reproduces, the measured
/// result with its date and page, how long it takes, and how to run it; docs/recipes.md lists them all.
/// </summary>
public partial class RecipesTests
{
    private static readonly string Root = FindRoot();
    private static readonly string Folder = Path.Combine(Root, "recipes");

    /// <summary>The repository root: the first directory above the test's base directory that holds OnChip.slnx.</summary>
    private static string FindRoot()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
            if (File.Exists(Path.Combine(dir.FullName, "OnChip.slnx"))) return dir.FullName;
        throw new InvalidOperationException($"no OnChip.slnx above {AppContext.BaseDirectory}");
    }

    private static IEnumerable<string> Names(Func<string, bool> which) =>
        Directory.GetFiles(Folder, "*.yaml").Select(f => Path.GetFileNameWithoutExtension(f)!).Where(which).Order(StringComparer.Ordinal);

    private static bool IsRbm(string name) => name.StartsWith("rbm-", StringComparison.Ordinal);

    public static TheoryData<string> All => [.. Names(_ => true)];
    public static TheoryData<string> TrainRecipes => [.. Names(n => !IsRbm(n))];
    public static TheoryData<string> RbmRecipes => [.. Names(IsRbm)];

    private static string PathOf(string name) => Path.Combine(Folder, name + ".yaml");

    /// <summary>The recipe read as `onchip train --config recipes/NAME.yaml` reads it.</summary>
    private static TrainingConfig Load(string name) => ConfigFile.Apply(PathOf(name), TrainingConfig.Keys, new TrainingConfig());

    [Fact]
    public void The_headline_results_have_recipes()
    {
        var names = Names(_ => true).ToHashSet();
        foreach (var expected in new[]
                 {
                     "ep-fashion-mnist", "conv-fashion-mnist", "conv-cifar10", "progressive-bp-ecram", "resistive-drn-1h", "rbm-drbm",
                     "devices-ideal-sgd", "devices-ecram-mixed-precision", "devices-ecram-pulse-train", "devices-ecram-pulse-stochastic",
                     "devices-ernoult-linear-sign", "devices-ernoult-nonlinear-sign", "devices-ernoult-nonlinear-sign-wide", "devices-ernoult-nonlinear-rprop",
                 })
            Assert.Contains(expected, names);
    }

    [GeneratedRegex(@"\((?<page>docs/[a-z0-9-]+\.md)#(?<anchor>[a-z0-9-]+)\)")]
    private static partial Regex PageReference();

    [GeneratedRegex(@"\b\d{4}-\d{2}-\d{2}\b")]
    private static partial Regex Date();

    [Theory]
    [MemberData(nameof(All))]
    public void Recipe_opens_with_what_it_reproduces_its_result_and_page_its_time_and_its_command(string name)
    {
        var lines = File.ReadAllLines(PathOf(name));
        var header = lines.TakeWhile(l => l.StartsWith('#')).ToArray();
        string text = string.Join("\n", header);
        Assert.True(header.Length > 0 && header[0].StartsWith("# Reproduces: ", StringComparison.Ordinal), $"{name}: the first line says what it reproduces");
        foreach (var field in new[] { "# Measured: ", "# Takes here: ", "# Run: " })
            Assert.True(header.Any(l => l.StartsWith(field, StringComparison.Ordinal)), $"{name}: no '{field.Trim()}' line in the opening comment");
        string measured = Field(header, "# Measured: ");
        Assert.True(Date().IsMatch(measured) || measured.Contains("not run here", StringComparison.Ordinal), $"{name}: the measured result has no date ({measured})");
        var page = PageReference().Match(measured);
        Assert.True(page.Success, $"{name}: the measured result names no page (docs/PAGE.md#anchor): {measured}");
        string pagePath = Path.Combine(Root, page.Groups["page"].Value);
        Assert.True(File.Exists(pagePath), $"{name}: {page.Groups["page"].Value} does not exist");
        Assert.Contains(page.Groups["anchor"].Value, DocsTests.Anchors(File.ReadAllText(pagePath)));
        Assert.DoesNotContain("TAKES", text);
        Assert.DoesNotContain("RECHECK", text);
        string command = IsRbm(name) ? "onchip rbm train" : "onchip train";
        Assert.StartsWith($"# Run: ./{command} --config recipes/{name}.yaml", header.First(l => l.StartsWith("# Run: ", StringComparison.Ordinal)));
    }

    /// <summary>A header field with its continuation lines ("#   …").</summary>
    private static string Field(string[] header, string start)
    {
        int i = Array.FindIndex(header, l => l.StartsWith(start, StringComparison.Ordinal));
        var parts = new List<string> { header[i][start.Length..] };
        for (int j = i + 1; j < header.Length && header[j].StartsWith("#   ", StringComparison.Ordinal); j++) parts.Add(header[j][4..]);
        return string.Join(" ", parts);
    }

    [Theory]
    [MemberData(nameof(TrainRecipes))]
    public void Training_recipe_passes_every_check_of_onchip_train_before_training(string name)
    {
        var config = Load(name);
        // A recipe is a set of settings: where and how fast to run are the user's (a run directory is never reused).
        Assert.Null(config.Out);
        Assert.Equal(Environment.ProcessorCount, config.Threads);
        config.Validate();
        config.Threads = 1;
        (config.TrainLimit, config.TestLimit) = (null, null);   // the trainer applies them, and the stand-in data is tiny
        using var trainer = new Trainer(config, DataShapedLike(config.Data));
        Assert.NotEmpty(trainer.Parameters);
        Assert.Equal(config.Devices.IsIdeal, trainer.Devices.Count == 0);
    }

    [Theory]
    [MemberData(nameof(RbmRecipes))]
    public void Rbm_recipe_passes_every_check_of_onchip_rbm_train_before_training(string name)
    {
        var config = ConfigFile.Apply(PathOf(name), RbmConfig.Keys, new RbmConfig());
        Assert.Null(config.Out);
        config.Validate();
        config.Shared.Threads = 1;
        (config.Shared.TrainLimit, config.Shared.TestLimit) = (null, null);   // the trainer applies them, and the stand-in data is tiny
        using var trainer = RbmLearner.CreateTrainer(config, DataShapedLike(config.Data));
        Assert.NotEmpty(((RbmLearner)trainer.Learner).Machine.Parameters);
    }

    [Fact]
    public void An_rbm_recipe_is_not_a_train_recipe()
    {
        // rbm train's keys are its own (hidden, cd-k, …): `onchip train --config recipes/rbm-drbm.yaml` stops at once.
        foreach (var name in Names(IsRbm))
            Assert.Throws<ConfigException>(() => Load(name));
    }

    /// <summary>The dataset itself when it ships with OnChip, else a few random images of the named dataset's shape.</summary>
    private static DataSplit DataShapedLike(string data)
    {
        if (data == EmbeddedDataset.Name || GeneratedDatasets.TryLoad(data) is not null) return DatasetLoader.Load(data);
        var known = DatasetLoader.KnownDatasets.FirstOrDefault(k => k.Name == data);
        Assert.True(known is not null, $"data: {data} is not a dataset every machine can name (embedded, generated, or one of {string.Join(", ", DatasetLoader.KnownDatasets.Select(k => k.Name))})");
        var (channels, side) = known.Format is CifarFormat ? (CifarFormat.Channels, CifarFormat.Side) : (1, 28);
        return new DataSplit(StandIn($"{data}/train (stand-in)", channels, side, known.ClassNames.Count, 6),
                             StandIn($"{data}/test (stand-in)", channels, side, known.ClassNames.Count, 3));
    }

    private static Dataset StandIn(string name, int channels, int side, int classes, int count)
    {
        var rng = new Randomness.Rng(5);
        var features = new float[count * channels * side * side];
        rng.FillUniform(features, 0f, 1f);
        return new Dataset(name, channels, side, side, classes, features, Enumerable.Range(0, count).Select(i => (byte)(i % classes)).ToArray());
    }

    [Fact]
    public void Fashion_mnist_stand_in_has_the_shape_of_the_real_images()
    {
        var embedded = DatasetLoader.Load(EmbeddedDataset.Name).Train;  // a subset of Fashion-MNIST
        var standIn = DataShapedLike("fashion-mnist").Train;
        Assert.Equal((embedded.Channels, embedded.Height, embedded.Width, embedded.ClassCount), (standIn.Channels, standIn.Height, standIn.Width, standIn.ClassCount));
    }

    [Fact]
    public void The_conv_recipe_is_what_model_conv_trains_by_default()
    {
        var recipe = Load("conv-fashion-mnist");
        var defaults = new TrainingConfig { Model = "conv", Data = recipe.Data, Seed = recipe.Seed };
        foreach (var key in TrainingConfig.Keys.Where(k => !k.Hidden))
            Assert.True(key.Get(recipe) == key.Get(defaults), $"{key.Name}: the recipe has {key.Get(recipe)}, --model conv defaults to {key.Get(defaults)}");
    }

    [Fact]
    public void The_in_situ_recipe_asks_for_ecram_and_progressive_bp_alone_stays_ideal()
    {
        var recipe = Load("progressive-bp-ecram");
        Assert.Equal(("progressive-bp", "ecram"), (recipe.Rule, recipe.Devices.Device));
        var software = Load("progressive-bp-ecram");
        software.Devices.Device = new TrainingConfig().Devices.Device;
        software.Validate();
        Assert.True(software.Devices.IsIdeal);
    }

    [GeneratedRegex(@"recipes/(?<name>[a-z0-9-]+)\.yaml")]
    private static partial Regex RecipeMention();

    [Fact]
    public void Docs_list_every_recipe_and_name_only_recipes_that_exist()
    {
        string list = File.ReadAllText(Path.Combine(Root, "docs", "recipes.md"));
        foreach (var name in Names(_ => true))
            Assert.True(list.Contains($"recipes/{name}.yaml", StringComparison.Ordinal), $"docs/recipes.md does not list recipes/{name}.yaml");
        var pages = new[] { Path.Combine(Root, "README.md") }.Concat(Directory.GetFiles(Path.Combine(Root, "docs"), "*.md")).Concat(Directory.GetFiles(Folder, "*.yaml"));
        foreach (var page in pages)
            foreach (Match m in RecipeMention().Matches(File.ReadAllText(page)))
                Assert.True(File.Exists(PathOf(m.Groups["name"].Value)), $"{Path.GetFileName(page)} names recipes/{m.Groups["name"].Value}.yaml, which does not exist");
    }
}
