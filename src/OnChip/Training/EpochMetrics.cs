namespace OnChip.Training;

/// <summary>What one epoch measured; one line of metrics.jsonl. Accuracies are fractions in [0, 1].</summary>
public sealed record EpochMetrics(
    int Epoch,
    double TrainAccuracy,
    double TrainLoss,
    double TestAccuracy,
    double TestLoss,
    double EpochSeconds,
    double EvalSeconds,
    double ExamplesPerSecond,
    float LearningRate,
    IReadOnlyDictionary<string, double>? Hardware = null);

/// <summary>Progress inside an epoch, for progress bars and logs.</summary>
public readonly record struct BatchProgress(int Epoch, int Epochs, int Batch, int Batches, int Examples, double RunningAccuracy, double RunningLoss, double ExamplesPerSecond);

/// <summary>Receives progress from a <see cref="Trainer"/> (a progress bar, a log, a test probe).</summary>
public interface ITrainingObserver
{
    /// <summary>Called after every mini-batch, with the running metrics of the epoch.</summary>
    void OnBatch(in BatchProgress progress);
    /// <summary>Called after every epoch, once the test set has been scored.</summary>
    void OnEpoch(EpochMetrics metrics);
}
