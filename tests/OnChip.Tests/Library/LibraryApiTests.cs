using OnChip.Configuration;
using OnChip.Data;
using OnChip.Training;

namespace OnChip.Tests.Library;

/// <summary>The library's objects: what they set, how they refuse bad values, and which types are public.</summary>
public class LibraryApiTests
{
    private static string Options(TrainingConfig config) =>
        string.Join("\n", TrainingConfig.Keys.Where(k => !k.Hidden).Select(k => $"{k.Name}={k.Get(config)}"));

    [Fact]
    public void Objects_set_exactly_the_options_their_names_say()
    {
        var fromObjects = TrainingConfig.From(
            Model.Resistive("784-64-10", inputGain: 200f).With("schedule", "backward"),
            Rule.EquilibriumPropagation(beta: 0.5f, centered: true, freeSteps: 4, nudgedSteps: 3),
            Optim.Sgd([0.01f, 0.02f], momentum: 0.9f).With("lr-decay", 0.99f),
            Storage.Device("ecram", "mixed-precision", weightRange: 0.5f),
            new TrainingOptions(epochs: 3, batch: 32, seed: 7, threads: 1, trainLimit: 100, testLimit: 50));

        var byHand = new TrainingConfig
        {
            Model = "resistive", Archi = "784-64-10", InputGain = 200f, Schedule = "backward", Rule = "ep-symmetric", Beta = 0.5f,
            T1 = 4, T2 = 3, Optim = "sgd", Lr = [0.01f, 0.02f], Momentum = 0.9f, LrDecay = 0.99f, Epochs = 3, Batch = 32, Seed = 7,
            Threads = 1, TrainLimit = 100, TestLimit = 50,
        };
        byHand.Devices.Device = "ecram";
        byHand.Devices.Programming = "mixed-precision";
        byHand.Devices.WeightRange = 0.5f;
        Assert.Equal(Options(byHand), Options(fromObjects));
    }

    [Fact]
    public void Settings_left_out_keep_the_model_familys_defaults()
    {
        var conv = TrainingConfig.From(Model.Convolutional(), Rule.Named("ep-symmetric"));
        var cli = new TrainingConfig { Model = "conv" };
        Assert.Equal(Options(cli), Options(conv));
        Assert.Equal(Options(new TrainingConfig()), Options(TrainingConfig.From(Model.Layered())));
    }

    [Fact]
    public void Bad_values_are_refused_when_the_object_is_built_with_the_command_lines_message()
    {
        Assert.Contains("archi", Assert.Throws<ConfigException>(() => Model.Layered("784-x-10")).Message);
        var rule = Assert.Throws<ConfigException>(() => Rule.Named("ep-symetric"));
        Assert.Contains("ep-symmetric", rule.Message);
        Assert.Contains("beta", Assert.Throws<ConfigException>(() => Rule.EquilibriumPropagation(beta: float.NaN)).Message);
        Assert.Contains("device", Assert.Throws<ConfigException>(() => Storage.Device("ecramm")).Message);
        var unknown = Assert.Throws<ConfigException>(() => Model.Layered().With("t11", 30));
        Assert.Contains("did you mean 't1'", unknown.Message);
        Assert.Throws<ConfigException>(() => new TrainingOptions(epochs: 0));
        // Settings that do not fit together are refused when the trainer is built, as onchip train refuses them.
        var data = DatasetLoader.Load("embedded");
        var misfit = Assert.Throws<ConfigException>(() => new Trainer(Model.Resistive("784-64-10"), Rule.Named("hep", beta: 0.1f), Optim.Adam(), data));
        Assert.Contains("hep", misfit.Message);
    }

    [Fact]
    public void The_trainer_honours_the_train_and_test_limits()
    {
        var data = DatasetLoader.Load("embedded");
        using var trainer = new Trainer(Model.Layered("784-32-10"), Rule.EquilibriumPropagation(freeSteps: 5, nudgedSteps: 2), Optim.Adam(1e-3f), data,
                                        new TrainingOptions(epochs: 1, batch: 25, threads: 1, trainLimit: 100, testLimit: 40));
        Assert.Equal(4, trainer.BatchesPerEpoch);
        var epoch = Assert.Single(trainer.Run());
        Assert.Equal(0, 40 * epoch.TestAccuracy % 1, precision: 9);   // a fraction of 40 test examples
        // The same network scored on the first 40 test examples alone gives the same accuracy.
        Assert.Equal(epoch.TestAccuracy, trainer.Evaluate(data.Test.Take(40)).Accuracy);
        var tooMany = Assert.Throws<DataException>(() => new Trainer(new TrainingConfig { TrainLimit = data.Train.Count + 1 }, data));
        Assert.Contains($"only {data.Train.Count}", tooMany.Message);
    }

    [Fact]
    public void A_saved_model_loads_and_scores_what_the_trainer_scored()
    {
        var data = DatasetLoader.Load("embedded").Limit(train: 500, test: 200);
        using var trainer = new Trainer(Model.Layered("784-32-10"), Rule.EquilibriumPropagation(), Optim.Adam(1e-3f), data,
                                        new TrainingOptions(epochs: 1, threads: 1).With("normalize", true));
        var epoch = Assert.Single(trainer.Run());
        string path = Path.Combine(Path.GetTempPath(), $"onchip-api-{Guid.NewGuid():N}.onchip");
        try
        {
            trainer.SaveModel(path);
            var model = TrainedModel.Load(path);
            Assert.Equal((784, 10), (model.Features, model.Classes));
            Assert.Equal(epoch.TestAccuracy, model.Evaluate(data.Test, threads: 1).Accuracy);   // the file carries the standardisation
            Assert.Equal(epoch.TestAccuracy, trainer.Evaluate(data.Test).Accuracy);
            Assert.Throws<ConfigException>(() => model.Evaluate(DatasetLoader.Load("blobs").Test));
        }
        finally { File.Delete(path); }
    }

    /// <summary>
    /// The public surface is a decision: a type made public by accident (a kernel, a launcher) fails here. To add one,
    /// document it in docs/library.md and list it below.
    /// </summary>
    [Fact]
    public void The_public_api_is_the_designed_one()
    {
        string[] designed =
        [
            "OnChip.Model", "OnChip.Optim", "OnChip.Rule", "OnChip.Settings", "OnChip.Storage", "OnChip.TrainingOptions",
            "OnChip.UserFacingException",
            "OnChip.Configuration.ConfigException", "OnChip.Configuration.DeviceConfig", "OnChip.Configuration.TrainingConfig",
            "OnChip.Data.DataException", "OnChip.Data.DataSplit", "OnChip.Data.Dataset", "OnChip.Data.DatasetLoader",
            "OnChip.Training.BatchProgress", "OnChip.Training.DivergenceException", "OnChip.Training.EpochMetrics",
            "OnChip.Training.EvaluationResult", "OnChip.Training.ITrainingObserver", "OnChip.Training.RunDirectory",
            "OnChip.Training.RunOutcome", "OnChip.Training.TrainedModel", "OnChip.Training.Trainer", "OnChip.Training.TrainingRun",
        ];
        var exported = typeof(Trainer).Assembly.GetExportedTypes().Select(t => t.FullName!).Order(StringComparer.Ordinal).ToList();
        Assert.Equal(designed.Order(StringComparer.Ordinal).ToList(), exported);
    }
}
