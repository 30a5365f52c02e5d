using System.Text.Json.Nodes;
using OnChip.Data;
using OnChip.Learning;
using OnChip.Networks;
using OnChip.Optimizers;
using OnChip.Parallelism;
using OnChip.Persistence;
using OnChip.Randomness;
using OnChip.Tensors;

namespace OnChip.Training;

/// <summary>An energy-based network (any family) trained by one of the EP-family rules (or BPTT/RBP on its dynamics).</summary>
internal sealed class EnergyLearner(LayeredNetwork network, LearningRule rule, int capacity, int freeSteps, WorkerPool pool) : ISupervisedLearner
{
    private readonly BatchContext _batch = new(network, capacity, pool) { WarmStart = network.WarmStart };
    private readonly Evaluator _evaluator = new(network, pool, Math.Max(capacity, 500));

    public LayeredNetwork Network { get; } = network;
    public LearningRule Rule { get; } = rule;
    public IReadOnlyList<Parameter> Parameters => Network.Parameters;
    public int GroupCount => Network.GroupCount;
    public Matrix Input => _batch.Input;
    public Matrix Targets => _batch.Targets;
    public int Capacity => _batch.Capacity;
    public int Count { get => _batch.Count; set => _batch.Count = value; }
    public Rng? RandomStream => Rule.RandomStream;
    public double BatchLoss => _batch.FreeLoss;

    public void BeginBatch(int epoch, int batch) => _batch.Relaxation.BeginNoise(((ulong)epoch << 32) | (uint)batch);

    /// <summary>σ of the Gaussian noise on every unit's input at every training relaxation step (0: none), and its seed.</summary>
    public void SetStateNoise(float sigma, ulong seed) => (_batch.Relaxation.StateNoise, _batch.Relaxation.NoiseSeed) = (sigma, seed);

    public void TrainBatch(Optimizer optimizer)
    {
        _batch.EncodeInput();  // after the trainer's augmentation of Input
        Rule.TrainBatch(_batch, optimizer);
    }
    public int CountCorrect() => _batch.CountCorrect();
    public (double Accuracy, double Loss) Evaluate(Dataset data) => _evaluator.Evaluate(data, freeSteps);
    /// <summary>A resistive network's mean power at the free equilibrium over the last evaluation.</summary>
    public IReadOnlyDictionary<string, double>? TakeEpochMeasurements() =>
        _evaluator.LastPower is double power ? new Dictionary<string, double> { ["power"] = power } : null;
    public void SaveModel(string path, JsonObject metadata) => ModelFile.Save(path, Network, metadata);

    /// <summary>With a warm start, the free state the next batch starts from.</summary>
    public IReadOnlyList<(string Name, float[] Data)> StateBuffers => Network.WarmStart
        ? Enumerable.Range(1, Network.LayerCount - 1).Select(l => ($"free{l}", _batch.Free.Layers[l].Data)).ToArray()
        : [];
}
