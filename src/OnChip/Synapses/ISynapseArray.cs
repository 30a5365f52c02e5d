namespace OnChip.Synapses;

/// <summary>
/// The one seam between learning and weight storage. A learning rule (through its optimizer) asks for a change ΔW;
/// the synapse array decides what actually happens to the stored weights (exactly, or through a physical device).
/// Rules never know which storage they drive; storage never knows which rule asks.
/// </summary>
public interface ISynapseArray
{
    /// <summary>A short name of the storage, e.g. "ideal" or "ecram/pulse-train".</summary>
    string Kind { get; }

    /// <summary>Called once per optimizer step, before any <see cref="Apply"/> of that step (single-threaded).</summary>
    void BeginUpdate();

    /// <summary>
    /// Applies the requested change to elements [start, start + requested.Length) and writes the weights as they
    /// will now be read into the same range of <paramref name="weights"/>. Called concurrently for disjoint ranges;
    /// ranges start at multiples of 1024 within the tensor, whatever the number of workers.
    /// </summary>
    void Apply(Span<float> weights, ReadOnlySpan<float> requested, int start);

    /// <summary>Counts <paramref name="vectors"/> matrix–vector reads through the array (may be called concurrently).</summary>
    void RecordReads(long vectors);
}
