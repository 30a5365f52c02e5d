using OnChip.Tensors;

namespace OnChip.Networks;

/// <summary>
/// The state variables of a network for a mini-batch: one matrix per layer (rows = examples), layer 0 being the
/// clamped input. Allocated once for a batch capacity and reused for every mini-batch.
/// </summary>
internal sealed class NetworkState
{
    public NetworkState(IReadOnlyList<int> layerSizes, int capacity)
    {
        Capacity = capacity;
        Layers = new Matrix[layerSizes.Count];
        for (int l = 0; l < Layers.Length; l++) Layers[l] = new Matrix(capacity, layerSizes[l]);
    }

    /// <summary>A state that shares the input matrix of <paramref name="other"/> (the input is clamped, never written).</summary>
    public NetworkState(NetworkState other, bool shareInput)
    {
        Capacity = other.Capacity;
        Layers = new Matrix[other.Layers.Length];
        for (int l = 0; l < Layers.Length; l++)
            Layers[l] = l == 0 && shareInput ? other.Layers[0] : new Matrix(Capacity, other.Layers[l].Cols);
    }

    public int Capacity { get; }
    public Matrix[] Layers { get; }
    public Matrix this[int layer] => Layers[layer];

    /// <summary>Copies rows [start, start+count) of every non-input layer from <paramref name="source"/>.</summary>
    public void CopyRowsFrom(NetworkState source, int start, int count)
    {
        for (int l = 1; l < Layers.Length; l++)
            source.Layers[l].RowSpan(start, count).CopyTo(Layers[l].RowSpan(start, count));
    }

    /// <summary>Sets rows [start, start+count) of every non-input layer to zero (the free phase starts from s = 0).</summary>
    public void ClearRows(int start, int count)
    {
        for (int l = 1; l < Layers.Length; l++) Layers[l].RowSpan(start, count).Clear();
    }
}
