using System.Numerics.Tensors;
using System.Runtime.CompilerServices;
using OnChip.Devices;

namespace OnChip.Synapses;

/// <summary>
/// The weights as the network reads them, recomputed from the conductances after an update: with the model's read
/// noise and quantisation, or, when the devices read the same until they are pulsed, only the blocks an update pulsed.
/// </summary>
internal sealed class DeviceReader
{
    private readonly DeviceModel _model;
    private readonly WeightMapping _mapping;
    private readonly DeviceState _state;

    public DeviceReader(DeviceModel model, WeightMapping mapping, DeviceState state)
    {
        (_model, _mapping, _state) = (model, mapping, state);
        // Without read noise or quantisation a device reads the same until it is pulsed, and only pulses change
        // devices (no refresh): an update then reads back only the blocks it pulsed.
        ReadsPulsedOnly = state.Exact is null && model.Spec.ReadNoise == 0 && model.Spec.ReadLevels <= 1 && mapping.Pair != PairMode.OneSided;
    }

    /// <summary>True when an update may read back only the blocks it pulsed (<see cref="ReadPulsedBlocks"/>).</summary>
    public bool ReadsPulsedOnly { get; }

    /// <summary>The weights [start, start + weights.Length) as read: from the conductances, with read noise and quantisation.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public void Read(Span<float> weights, int start, DeviceScratch s)
    {
        var spec = _model.Spec;
        int n = weights.Length;
        if (_state.Exact is { } exact && spec.ReadNoise == 0 && spec.ReadLevels == 0)
        {
            exact.AsSpan(start, n).CopyTo(weights);
            return;
        }
        if (spec.ReadNoise == 0 && spec.ReadLevels <= 1)
        {
            // Noiseless, unquantised reads straight from the conductances (the same arithmetic as below, fewer passes).
            _mapping.ToWeights(_state, start, weights);
            return;
        }
        var plus = s.A.AsSpan(0, n);
        ReadDevices(_state.Plus.AsSpan(start, n), plus, s);
        if (_mapping.Pair == PairMode.Single)
        {
            TensorPrimitives.Add(plus, -_mapping.Reference, plus);
        }
        else
        {
            var minus = s.B.AsSpan(0, n);
            ReadDevices(_state.Minus.AsSpan(start, n), minus, s);
            TensorPrimitives.Subtract(plus, minus, plus);
        }
        TensorPrimitives.Multiply(plus, _mapping.Scale, weights);
        if (_mapping.IsConductance) TensorPrimitives.Max(weights, 0f, weights);  // a noisy read of a conductance stays ≥ 0
    }

    /// <summary>
    /// The weights of the listed blocks of 16 (and of a last, partial block, which is never listed) as the devices now
    /// read them; the others read as before.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public void ReadPulsedBlocks(Span<float> weights, int start, ReadOnlySpan<int> blocks)
    {
        _mapping.ToWeights(_state, start, weights, blocks);
        int whole = weights.Length / 16 * 16;
        if (whole < weights.Length) _mapping.ToWeights(_state, start + whole, weights[whole..]);
    }

    private void ReadDevices(ReadOnlySpan<float> conductance, Span<float> read, DeviceScratch s)
    {
        var spec = _model.Spec;
        conductance.CopyTo(read);
        if (spec.ReadNoise > 0)
        {
            var noise = s.Noise.AsSpan(0, read.Length);
            s.Random.FillGaussian(noise);
            TensorPrimitives.MultiplyAdd(noise, spec.ReadNoise * _model.Range, read, read);
        }
        if (spec.ReadLevels > 1)
        {
            float step = _model.Range / (spec.ReadLevels - 1);
            for (int i = 0; i < read.Length; i++)
                read[i] = _model.Lower + step * MathF.Round(Math.Clamp((read[i] - _model.Lower) / step, 0, spec.ReadLevels - 1));
        }
    }
}
