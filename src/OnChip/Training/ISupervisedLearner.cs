using System.Text.Json.Nodes;
using OnChip.Data;
using OnChip.Networks;
using OnChip.Optimizers;
using OnChip.Randomness;
using OnChip.Tensors;

namespace OnChip.Training;

/// <summary>
/// A model and the rule that trains it, as the trainer sees them: batch buffers to fill, one training step per
/// mini-batch, the score of the prediction made before the update, evaluation, and the model file. Energy-based
/// networks (EP, BPTT, RBP) and feed-forward networks (backprop) are both learners.
/// </summary>
internal interface ISupervisedLearner
{
    IReadOnlyList<Parameter> Parameters { get; }
    /// <summary>Number of learning-rate groups (synaptic layers).</summary>
    int GroupCount { get; }
    Matrix Input { get; }
    Matrix Targets { get; }
    int Capacity { get; }
    /// <summary>Valid rows of the current batch.</summary>
    int Count { get; set; }
    /// <summary>The rule's own random stream, if any (checkpoints save it).</summary>
    Rng? RandomStream { get; }

    /// <summary>Fills the batch with the examples <paramref name="indices"/> of <paramref name="data"/> (a learner that
    /// encodes its inputs itself, such as an RBM's sampled visibles, loads them its own way).</summary>
    void LoadBatch(Dataset data, ReadOnlySpan<int> indices) => BatchLoader.Load(this, data, indices);

    /// <summary>Trains on the loaded batch; afterwards <see cref="CountCorrect"/> and <see cref="BatchLoss"/> describe the prediction made before the update.</summary>
    void TrainBatch(Optimizer optimizer);

    /// <summary>Names the mini-batch about to be trained (its epoch and number), for draws that must repeat on resume.</summary>
    void BeginBatch(int epoch, int batch) { }
    int CountCorrect();
    /// <summary>Σ over the batch of the loss of that prediction.</summary>
    double BatchLoss { get; }
    (double Accuracy, double Loss) Evaluate(Dataset data);
    /// <summary>Extra per-epoch measurements (averages since the last call), e.g. how far progressive updates are from exact ones.</summary>
    IReadOnlyDictionary<string, double>? TakeEpochMeasurements();
    void SaveModel(string path, JsonObject metadata);

    /// <summary>State the learner carries from batch to batch (a warm-started free phase), saved in checkpoints.</summary>
    IReadOnlyList<(string Name, float[] Data)> StateBuffers => [];
}
