using OnChip.Tensors;

namespace OnChip.Synapses;

/// <summary>
/// The one seam between learning and weight storage. A learning rule (through its optimizer) asks for a change ΔW;
/// the synapse array decides what actually happens to the stored weights (exactly, or through a physical device).
/// Rules never know which storage they drive; storage never knows which rule asks.
/// </summary>
internal interface ISynapseArray
{
    /// <summary>A short name of the storage, e.g. "ideal" or "ecram/pulse-train".</summary>
    string Kind { get; }

    /// <summary>Called once per optimizer step, before any <see cref="Apply"/> of that step (single-threaded).</summary>
    void BeginUpdate();

    /// <summary>
    /// The optimizer applies changes in chunks of this many elements (the last one shorter): small enough for a chunk's
    /// working data to stay in L1, large enough that the fixed cost per chunk (reseeding its random streams, calls) is
    /// amortised. Device arrays key their random numbers by chunk.
    /// </summary>
    const int UpdateChunk = 2048;

    /// <summary>
    /// Applies the requested change to elements [start, start + requested.Length) and makes the same range of
    /// <paramref name="weights"/> hold the weights as they will now be read. <paramref name="weights"/> is the
    /// parameter's own value buffer, holding the previous reads: an array may rewrite only the elements it changed.
    /// Called concurrently for disjoint ranges; ranges start at multiples of <see cref="UpdateChunk"/> within the
    /// tensor, whatever the number of workers.
    /// </summary>
    void Apply(Span<float> weights, ReadOnlySpan<float> requested, int start);

    /// <summary>
    /// Serves the weights for a product with <paramref name="vectors"/> input vectors (a matrix–vector product per
    /// vector, or a bias added to each) and counts them as reads if reading costs anything: the one way products
    /// reach the stored weights (through <c>Parameter.Read</c>), so the storage counts every read itself. Returns
    /// <paramref name="weights"/>, the parameter's value buffer as <see cref="Apply"/> left it. Called concurrently.
    /// </summary>
    Matrix Read(Matrix weights, long vectors);
}
