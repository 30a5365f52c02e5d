namespace OnChip;

/// <summary>The run itself: epochs, mini-batch, seed, threads and how much of the data to use.</summary>
public sealed class TrainingOptions : Settings
{
    /// <param name="epochs">Epochs to train; null: the model family's default.</param>
    /// <param name="batch">Mini-batch size; null: the model family's default.</param>
    /// <param name="seed">Seed of every random stream: the same seed and thread count give the same results.</param>
    /// <param name="threads">Worker threads; null: every core.</param>
    /// <param name="trainLimit">Train on the first N training examples only; null: all.</param>
    /// <param name="testLimit">Test on the first N test examples only; null: all.</param>
    public TrainingOptions(int? epochs = null, int? batch = null, ulong seed = 0, int? threads = null, int? trainLimit = null, int? testLimit = null)
    {
        Add("epochs", epochs);
        Add("batch", batch);
        Add("seed", seed);
        Add("threads", threads);
        Add("train-limit", trainLimit);
        Add("test-limit", testLimit);
    }

    /// <summary>A copy with one more option, by its <c>onchip train</c> name (e.g. <c>With("normalize", true)</c>).</summary>
    public TrainingOptions With(string option, object value) => (TrainingOptions)CopyWith(option, value);
}
