using System.Numerics.Tensors;
using OnChip.Networks;
using OnChip.Parallelism;
using OnChip.Randomness;
using OnChip.Tensors;

namespace OnChip.FeedForward;

/// <summary>
/// A feed-forward network h_{l+1} = σ(h_l W_lᵀ + b_{l+1}), output σ (MSE) or softmax (cross-entropy). Parameters
/// are named and grouped as in the layered energy-based networks (W0, b1, W1, b2, …), so the same storage (ideal or
/// device arrays), optimizers, model files and tools apply.
/// </summary>
internal sealed class FeedForwardNetwork
{
    private readonly Parameter[] _weights, _biases;

    public FeedForwardNetwork(NetworkSpec spec)
    {
        if (spec.Archi.Length < 2) throw new ArgumentException("an architecture needs at least an input and an output size");
        if (spec.Loss is not ("mse" or "ce")) throw new ArgumentException($"unknown loss '{spec.Loss}' (expected mse or ce)");
        Spec = spec;
        Activation = Activation.Parse(spec.Activation);
        int layers = spec.Archi.Length - 1;
        _weights = new Parameter[layers];
        _biases = new Parameter[layers];
        var parameters = new List<Parameter>();
        for (int l = 0; l < layers; l++)
        {
            _weights[l] = new Parameter($"W{l}", spec.Archi[l + 1], spec.Archi[l], group: l);
            _biases[l] = new Parameter($"b{l + 1}", 1, spec.Archi[l + 1], group: l);
            parameters.Add(_weights[l]);
            parameters.Add(_biases[l]);
        }
        Parameters = parameters;
    }

    public NetworkSpec Spec { get; }
    public Activation Activation { get; }
    public int[] Archi => Spec.Archi;
    /// <summary>Number of weight layers L.</summary>
    public int Depth => _weights.Length;
    public bool SoftmaxOutput => Spec.Loss == "ce";
    public IReadOnlyList<Parameter> Parameters { get; }
    public Parameter Weight(int l) => _weights[l];
    /// <summary>The bias of layer l + 1 (applied after W_l).</summary>
    public Parameter Bias(int l) => _biases[l];

    /// <summary>PyTorch's nn.Linear default: uniform in ±scale/√fan_in.</summary>
    public void Initialize(Rng rng, float scale = 1f)
    {
        for (int l = 0; l < Depth; l++)
        {
            float bound = scale / MathF.Sqrt(Archi[l]);
            rng.FillUniform(_weights[l].Value.Span, -bound, bound);
            rng.FillUniform(_biases[l].Value.Span, -bound, bound);
        }
    }

    /// <summary>Pre-activations a_l and outputs h_l of every layer for a batch (h_0 is the input).</summary>
    public sealed class Activations
    {
        public Activations(FeedForwardNetwork network, int capacity)
        {
            Capacity = capacity;
            H = network.Archi.Select(n => new Matrix(capacity, n)).ToArray();
            A = network.Archi.Select((n, l) => new Matrix(l == 0 ? 0 : capacity, n)).ToArray();
        }

        public int Capacity { get; }
        public Matrix[] H { get; }
        public Matrix[] A { get; }
        public Matrix Input => H[0];
        public Matrix Output => H[^1];
    }

    /// <summary>Forward pass for rows [0, count) of <paramref name="act"/> (its input rows set).</summary>
    public void Forward(Activations act, int count, WorkerPool pool)
    {
        for (int l = 0; l < Depth; l++)
        {
            int nIn = Archi[l], nOut = Archi[l + 1];
            var a = act.A[l + 1];
            var bias = _biases[l].Read(count).Data.AsSpan();
            for (int r = 0; r < count; r++) bias.CopyTo(a.Row(r));
            Gemm.Multiply(pool, false, true, count, nOut, nIn, 1f, act.H[l].Data, 0, nIn, _weights[l].Read(count).Data, 0, nIn, 1f, a.Data, 0, nOut);
            var h = act.H[l + 1];
            if (l == Depth - 1 && SoftmaxOutput)
                for (int r = 0; r < count; r++) TensorPrimitives.SoftMax(a.Row(r), h.Row(r));
            else
                Activation.Apply(a.RowSpan(0, count), h.RowSpan(0, count));
        }
    }

    /// <summary>Σ over rows of the loss: ½‖y − h‖² (MSE) or −log p_y (CE).</summary>
    public double Loss(Activations act, Matrix targets, int count)
    {
        double total = 0;
        for (int r = 0; r < count; r++)
        {
            var h = act.Output.Row(r);
            var y = targets.Row(r);
            for (int j = 0; j < h.Length; j++)
            {
                if (SoftmaxOutput) { if (y[j] != 0f) total -= y[j] * Math.Log(Math.Max(h[j], 1e-30f)); }
                else { double d = y[j] - h[j]; total += 0.5 * d * d; }
            }
        }
        return total;
    }

    public int CountCorrect(Activations act, Matrix targets, int count)
    {
        int correct = 0;
        for (int r = 0; r < count; r++)
            if (targets[r, TensorPrimitives.IndexOfMax(act.Output.Row(r))] == 1f) correct++;
        return correct;
    }
}
