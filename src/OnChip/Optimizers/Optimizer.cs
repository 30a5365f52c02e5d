using OnChip.Networks;
using OnChip.Parallelism;
using OnChip.Synapses;

namespace OnChip.Optimizers;

/// <summary>
/// Turns each parameter's gradient into a requested change ΔW and hands it to the parameter's synapse array.
/// Works in small chunks so the optimizer state stays in L1, split between workers by element ranges
/// (elementwise, so results do not depend on the split). Learning rates are per group (synaptic layer).
/// </summary>
internal abstract class Optimizer : IParallelJob
{
    protected const int Chunk = ISynapseArray.UpdateChunk;
    private readonly long[] _chunkOffsets;
    private float[][] _scratch = [];
    private readonly IChangeSource[] _sources;

    protected Optimizer(IReadOnlyList<Parameter> parameters, IReadOnlyList<float> learningRates, float weightDecay)
    {
        Parameters = parameters;
        foreach (var p in parameters)
            if (p.Group >= learningRates.Count) throw new ArgumentException($"no learning rate for group {p.Group} of {p.Name}");
        BaseLearningRates = learningRates.ToArray();
        LearningRates = learningRates.ToArray();
        WeightDecay = weightDecay;
        GroupSteps = new long[learningRates.Count];
        _chunkOffsets = new long[parameters.Count + 1];
        for (int i = 0; i < parameters.Count; i++) _chunkOffsets[i + 1] = _chunkOffsets[i] + (parameters[i].Length + Chunk - 1) / Chunk;
        _sources = parameters.Select((_, i) => (IChangeSource)new ParameterChanges(this, i)).ToArray();
    }

    public abstract string Name { get; }
    public IReadOnlyList<Parameter> Parameters { get; }
    public float[] BaseLearningRates { get; }
    /// <summary>Current per-group learning rates (a schedule may change them between epochs).</summary>
    public float[] LearningRates { get; }
    public float WeightDecay { get; }
    /// <summary>Steps taken by each group (Adam's bias correction uses them); saved in checkpoints.</summary>
    public long[] GroupSteps { get; }
    /// <summary>The group the current step updates, or −1 for all.</summary>
    protected int SteppedGroup { get; private set; } = -1;

    public static IReadOnlyList<string> Names { get; } = ["sgd", "adam"];

    /// <summary>Updates every parameter from its gradient.</summary>
    public void Step(WorkerPool pool) => Step(pool, -1);

    /// <summary>
    /// Updates only the parameters of one group (a synaptic layer and its bias), or all of them for −1: rules that
    /// update layer by layer (progressive backprop) step one group at a time.
    /// </summary>
    public void Step(WorkerPool pool, int group)
    {
        for (int g = 0; g < GroupSteps.Length; g++)
            if (group < 0 || g == group) GroupSteps[g]++;
        SteppedGroup = group;
        BeginStep();
        if (_scratch.Length < pool.Workers)
            _scratch = Enumerable.Range(0, pool.Workers).Select(_ => new float[Chunk]).ToArray();
        for (int p = 0; p < Parameters.Count; p++)
            if (group < 0 || Parameters[p].Group == group) Parameters[p].Storage.BeginUpdate();
        pool.Run(this);
    }

    protected virtual void BeginStep() { }

    /// <summary>
    /// Workers share whole chunks (chunk c of a tensor covers elements [2048c, 2048c + 2048)), so every chunk is the
    /// same whatever the number of workers: device arrays key their random numbers by chunk.
    /// </summary>
    void IParallelJob.Execute(int worker, int workers)
    {
        long total = _chunkOffsets[^1];
        long first = total * worker / workers, last = total * (worker + 1) / workers;
        var scratch = _scratch[worker];
        for (int p = 0; p < Parameters.Count; p++)
        {
            long from = Math.Max(first, _chunkOffsets[p]), to = Math.Min(last, _chunkOffsets[p + 1]);
            var parameter = Parameters[p];
            if (SteppedGroup >= 0 && parameter.Group != SteppedGroup || from >= to) continue;
            int begin = (int)(from - _chunkOffsets[p]) * Chunk, end = (int)Math.Min(parameter.Length, (to - _chunkOffsets[p]) * Chunk);
            parameter.Storage.ApplyRange(parameter.Value.Span, begin, end, _sources[p], scratch);
        }
    }

    /// <summary>One parameter's requested changes, as its storage pulls them (<see cref="ISynapseArray.ApplyRange"/>).</summary>
    private sealed class ParameterChanges(Optimizer optimizer, int index) : IChangeSource
    {
        public void Changes(int offset, Span<float> requested, int following) => optimizer.ComputeDelta(index, offset, requested.Length, requested, following);
    }

    /// <summary>
    /// Writes the requested change for elements [offset, offset+count) of parameter <paramref name="index"/>; for the
    /// first <paramref name="following"/> of them, also asks the cache for the state of the element a chunk further
    /// (<see cref="IChangeSource.Changes"/>: a device array's next chunk; ideal storage does not ask, the hardware's
    /// own prefetching keeps up with it).
    /// </summary>
    protected abstract void ComputeDelta(int index, int offset, int count, Span<float> delta, int following);


    /// <summary>The optimizer's internal state (moments, momentum buffers) for checkpoints, in a fixed order.</summary>
    public abstract IReadOnlyList<float[]> StateBuffers { get; }

    public static Optimizer Create(string name, IReadOnlyList<Parameter> parameters, IReadOnlyList<float> learningRates,
        float momentum, float weightDecay) => name switch
    {
        "sgd" => new Sgd(parameters, learningRates, momentum, weightDecay),
        "adam" => new Adam(parameters, learningRates, weightDecay),
        _ => throw new ArgumentException($"unknown optimizer '{name}' (expected one of: {string.Join(", ", Names)})"),
    };
}
