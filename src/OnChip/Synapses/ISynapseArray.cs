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
    /// <see cref="Apply"/> for elements [from, to), with the requested changes pulled from <paramref name="changes"/> a
    /// chunk at a time (into <paramref name="scratch"/>, at least <see cref="UpdateChunk"/> long, where the storage
    /// needs it): the storage chooses the order of the work, so a device array plans one chunk while the one before is
    /// fired. <paramref name="from"/> is a multiple of <see cref="UpdateChunk"/>. The same results as chunk-by-chunk
    /// <see cref="Apply"/> calls.
    /// </summary>
    void ApplyRange(Span<float> weights, int from, int to, IChangeSource changes, Span<float> scratch) =>
        ApplyInChunks(this, weights, from, to, changes, scratch);

    /// <summary><see cref="ApplyRange"/> as one <see cref="Apply"/> per chunk.</summary>
    static void ApplyInChunks(ISynapseArray storage, Span<float> weights, int from, int to, IChangeSource changes, Span<float> scratch)
    {
        for (int offset = from; offset < to; offset += UpdateChunk)
        {
            var requested = scratch[..Math.Min(UpdateChunk, to - offset)];
            changes.Changes(offset, requested, following: 0);
            storage.Apply(weights, requested, offset);
        }
    }

    /// <summary>
    /// Serves the weights for a product with <paramref name="vectors"/> input vectors (a matrix–vector product per
    /// vector, or a bias added to each) and counts them as reads if reading costs anything: the one way products
    /// reach the stored weights (through <c>Parameter.Read</c>), so the storage counts every read itself. Returns
    /// <paramref name="weights"/>, the parameter's value buffer as <see cref="Apply"/> left it. Called concurrently.
    /// </summary>
    Matrix Read(Matrix weights, long vectors);
}

/// <summary>Where a storage pulls the requested changes from (<see cref="ISynapseArray.ApplyRange"/>): an optimizer's step of one tensor.</summary>
internal interface IChangeSource
{
    /// <summary>
    /// Writes the requested change of elements [offset, offset + requested.Length) and, as it goes, asks the cache for
    /// what the next call will read: that of the <paramref name="following"/> elements after them (0: none). A device
    /// array's update touches enough other memory that the source's streams would be cold by then; spread through the
    /// loop, the requests overlap its arithmetic instead of stalling in a burst of a few hundred.
    /// </summary>
    void Changes(int offset, Span<float> requested, int following);
}
