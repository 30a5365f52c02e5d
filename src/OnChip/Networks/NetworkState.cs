using OnChip.Tensors;

namespace OnChip.Networks;

/// <summary>
/// The state variables of a network for a mini-batch: one matrix per layer (rows = examples), layer 0 being the
/// clamped input. Allocated once for a batch capacity and reused for every mini-batch.
/// </summary>
internal sealed class NetworkState
{
    /// <param name="accumulated">per layer, whether its units keep a real accumulator (null: none does).</param>
    public NetworkState(IReadOnlyList<int> layerSizes, int capacity, IReadOnlyList<bool>? accumulated = null)
    {
        Capacity = capacity;
        Layers = new Matrix[layerSizes.Count];
        Accumulators = new Matrix[layerSizes.Count];
        for (int l = 0; l < Layers.Length; l++)
        {
            Layers[l] = new Matrix(capacity, layerSizes[l]);
            Accumulators[l] = accumulated?[l] == true ? new Matrix(capacity, layerSizes[l]) : None;
        }
    }

    /// <summary>A state that shares the input matrix of <paramref name="other"/> (the input is clamped, never written).</summary>
    public NetworkState(NetworkState other, bool shareInput)
    {
        Capacity = other.Capacity;
        Layers = new Matrix[other.Layers.Length];
        Accumulators = new Matrix[other.Layers.Length];
        for (int l = 0; l < Layers.Length; l++)
        {
            Layers[l] = l == 0 && shareInput ? other.Layers[0] : new Matrix(Capacity, other.Layers[l].Cols);
            Accumulators[l] = other.HasAccumulator(l) ? new Matrix(Capacity, other.Accumulators[l].Cols) : None;
        }
    }

    public int Capacity { get; }
    public Matrix[] Layers { get; }
    public Matrix this[int layer] => Layers[layer];
    /// <summary>
    /// Per layer, the real accumulators of units that emit a function of one (binary units, <see cref="Layers.AccumulatorUpdate"/>),
    /// or an empty matrix. They are part of the state: copied and cleared with it.
    /// </summary>
    public Matrix[] Accumulators { get; }

    private static readonly Matrix None = new(0, 0);

    public bool HasAccumulator(int layer) => Accumulators[layer].Rows > 0;

    /// <summary>Copies rows [start, start+count) of every non-input layer from <paramref name="source"/>.</summary>
    public void CopyRowsFrom(NetworkState source, int start, int count)
    {
        for (int l = 1; l < Layers.Length; l++)
        {
            source.Layers[l].RowSpan(start, count).CopyTo(Layers[l].RowSpan(start, count));
            if (HasAccumulator(l)) source.Accumulators[l].RowSpan(start, count).CopyTo(Accumulators[l].RowSpan(start, count));
        }
    }

    /// <summary>Sets rows [start, start+count) of every non-input layer to zero (the free phase starts from s = 0).</summary>
    public void ClearRows(int start, int count)
    {
        for (int l = 1; l < Layers.Length; l++)
        {
            Layers[l].RowSpan(start, count).Clear();
            if (HasAccumulator(l)) Accumulators[l].RowSpan(start, count).Clear();
        }
    }
}
