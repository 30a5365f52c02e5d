// Trains OnChip's default network (784-512-10, equilibrium propagation, Adam) for one epoch on the Fashion-MNIST
// subset embedded in the library, prints its test accuracy, then saves the model and scores the saved file.
using OnChip;
using OnChip.Data;
using OnChip.Training;

DataSplit data = DatasetLoader.Load("embedded");   // or "fashion-mnist", "cifar10", a directory of IDX files
using var trainer = new Trainer(Model.Layered("784-512-10"), Rule.EquilibriumPropagation(beta: 0.1f), Optim.Adam(5e-4f),
                                data, new TrainingOptions(epochs: 1, seed: 0));
foreach (EpochMetrics epoch in trainer.Run())
    Console.WriteLine($"epoch {epoch.Epoch}: test accuracy {100 * epoch.TestAccuracy:F2}%");

string path = Path.Combine(Path.GetTempPath(), "quickstart.onchip");
trainer.SaveModel(path);                            // the file onchip eval and onchip export read
EvaluationResult saved = TrainedModel.Load(path).Evaluate(data.Test);
Console.WriteLine($"saved model: test accuracy {100 * saved.Accuracy:F2}%");
