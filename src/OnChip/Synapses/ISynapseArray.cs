namespace OnChip.Synapses;

/// <summary>
/// The one seam between learning and weight storage. A learning rule (through its optimizer) asks for a change ΔW;
/// the synapse array decides what actually happens to the stored weights (exactly, or through a physical device).
/// Rules never know which storage they drive; storage never knows which rule asks.
/// </summary>
public interface ISynapseArray
{
    /// <summary>A short name of the storage, e.g. "ideal".</summary>
    string Kind { get; }

    /// <summary>
    /// Applies the requested change to the weights held in <paramref name="weights"/>, restricted to elements
    /// [start, start + requested.Length). Called concurrently for disjoint ranges by different workers.
    /// </summary>
    void Apply(Span<float> weights, ReadOnlySpan<float> requested, int start);
}
