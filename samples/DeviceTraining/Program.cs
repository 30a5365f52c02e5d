// Trains the default network with its weights stored as EC-RAM conductances, programmed by mixed precision
// (a digital accumulator fires a pulse when it holds one device step), and prints the programming cost.
using OnChip;
using OnChip.Data;
using OnChip.Training;

DataSplit data = DatasetLoader.Load("embedded");
var storage = Storage.Device("ecram", programming: "mixed-precision");
using var trainer = new Trainer(Model.Layered("784-256-10"), Rule.EquilibriumPropagation(beta: 0.2f, centered: true),
                                Optim.Sgd(0.05f), data, new TrainingOptions(epochs: 2, trainLimit: 3000), storage);
foreach (EpochMetrics epoch in trainer.Run())
{
    var cost = epoch.Hardware!;
    Console.WriteLine($"epoch {epoch.Epoch}: test accuracy {100 * epoch.TestAccuracy:F2}%, " +
                      $"{cost["pulses"]:N0} pulses, {cost["energy_j"]:E2} J");
}
