using OnChip.Synapses;
using OnChip.Tensors;

namespace OnChip.Networks;

/// <summary>
/// A learnable tensor (a weight matrix or a bias row) with its gradient buffer and its storage.
/// Learning rules write <see cref="Grad"/> (the loss gradient, descent direction, like autograd's .grad);
/// optimizers turn it into a requested change that <see cref="Storage"/> applies.
/// </summary>
internal sealed class Parameter
{
    public Parameter(string name, int rows, int cols, int group)
    {
        Name = name;
        Value = new Matrix(rows, cols);
        Grad = new Matrix(rows, cols);
        Group = group;
    }

    /// <summary>Stable name used in model files and reports: W0, b1, … .</summary>
    public string Name { get; }
    /// <summary>The values as the storage holds them (not for products of the modelled hardware: those use <see cref="Read"/>).</summary>
    public Matrix Value { get; }
    public Matrix Grad { get; }
    /// <summary>Learning-rate group: the index of the synaptic layer this tensor belongs to (W_n and its bias share one).</summary>
    public int Group { get; }
    /// <summary>
    /// The values for a product with <paramref name="vectors"/> input vectors (a matrix–vector product per vector, or
    /// a bias added to each), served by <see cref="Storage"/>, which counts them as reads. Every product the modelled
    /// hardware computes with this tensor (drives, readouts, forward and backward passes, Gibbs steps) takes it from
    /// here, so no read goes uncounted; <see cref="Value"/> is for initialising, saving, updating and measuring.
    /// </summary>
    public Matrix Read(long vectors) => Storage.Read(Value, vectors);

    /// <summary>Where the values live and how a requested change reaches them (default: exact digital storage).</summary>
    public ISynapseArray Storage
    {
        get => _storage ?? (NonNegative ? IdealSynapses.Conductances : IdealSynapses.Instance);
        set => _storage = value;
    }
    private ISynapseArray? _storage;

    /// <summary>
    /// A parameter that must stay non-negative (a conductance): its storage keeps it ≥ 0 (exact storage projects every
    /// update onto g ≥ 0; on devices it is one device whose range maps onto [0, g_max], no differential pair).
    /// </summary>
    public bool NonNegative { get; init; }

    public int Length => Value.Length;
    public int[] Shape => Value.Rows == 1 ? [Value.Cols] : [Value.Rows, Value.Cols];
    public override string ToString() => $"{Name}[{Value.Rows}x{Value.Cols}]";
}
