using System.Numerics.Tensors;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;
using OnChip.Devices;

namespace OnChip.Synapses;

/// <summary>
/// How a weight is held by devices, both ways. One device: w = scale·(g − reference); a differential pair:
/// w = scale·(g⁺ − g⁻), both pulsed, in opposite directions; a one-sided pair: the same difference, each device only
/// potentiated (refreshed near saturation). A conductance (a parameter that is ≥ 0 by nature) is always one device
/// whose range maps linearly onto [0, weight range]: w = scale·(g − g_low). Also what that means for pulses: the
/// change of one, and which device of a pair takes a weight's pulses.
/// </summary>
internal sealed class WeightMapping
{
    private readonly DeviceModel _model;

    public WeightMapping(DeviceModel model, float weightRange, float pulseWidth, bool conductance)
    {
        _model = model;
        Pair = conductance ? PairMode.Single : model.Spec.Pair;
        IsConductance = conductance;
        float reference = Reference = conductance ? model.Lower : model.Reference;
        float halfSpan = conductance ? model.Range : Pair == PairMode.Single ? Math.Min(model.Upper - reference, reference - model.Lower) : model.Range;
        Scale = weightRange / halfSpan;
        (LowestWeight, HighestWeight) = Pair == PairMode.Single
            ? (Scale * (model.Lower - reference), Scale * (model.Upper - reference))
            : (-Scale * model.Range, Scale * model.Range);
        NominalChange = Scale * model.NominalStep(pulseWidth) * (Pair == PairMode.Pair ? 2f : 1f);
        if (!(NominalChange > 0)) throw new ArgumentException($"device {model.Spec.Name}: a pulse of width {pulseWidth} does not change the state");
    }

    public PairMode Pair { get; }
    /// <summary>True when each value is a conductance on one device, mapped onto [0, weight range].</summary>
    public bool IsConductance { get; }
    /// <summary>Weight per unit of device state.</summary>
    public float Scale { get; }
    /// <summary>The device state that reads as weight 0 (single devices): the model's reference, or its lower bound for a conductance.</summary>
    public float Reference { get; }
    /// <summary>The weights the devices can represent: [LowestWeight, HighestWeight].</summary>
    public float LowestWeight { get; }
    public float HighestWeight { get; }
    /// <summary>The nominal weight change of one pulse at the reference state (what strategies divide by).</summary>
    public float NominalChange { get; }

    /// <summary>Writes <paramref name="weight"/>, clipped to the range, exactly onto the devices of weight <paramref name="i"/>.</summary>
    public void Program(DeviceState state, int i, float weight)
    {
        float w = Math.Clamp(weight, LowestWeight, HighestWeight);
        if (state.Exact is { } exact) exact[i] = w;
        float g = w / Scale, reference = Reference;
        var plus = state.Plus;
        var plusDevices = state.PlusDevices;
        switch (Pair)
        {
            case PairMode.Single:
                plus[i] = _model.TwoState ? (g < 0f ? plusDevices.Min[i] : plusDevices.Max[i])   // a binary synapse holds one of its two states
                    : Math.Clamp(reference + g, plusDevices.Min[i], plusDevices.Max[i]);
                break;
            case PairMode.Pair:
                plus[i] = Math.Clamp(reference + g / 2, plusDevices.Min[i], plusDevices.Max[i]);
                state.Minus![i] = Math.Clamp(reference - g / 2, state.MinusDevices!.Min[i], state.MinusDevices.Max[i]);
                break;
            default:
                plus[i] = Math.Clamp(_model.Lower + Math.Max(g, 0f), plusDevices.Min[i], plusDevices.Max[i]);
                state.Minus![i] = Math.Clamp(_model.Lower + Math.Max(-g, 0f), state.MinusDevices!.Min[i], state.MinusDevices.Max[i]);
                break;
        }
    }

    /// <summary>One-sided pairs: when either device passes the threshold, read the weight, reset both, reprogram it. Returns how many.</summary>
    public long Refresh(DeviceState state, int start, int n)
    {
        float limit = _model.Lower + _model.Spec.RefreshThreshold * _model.Range;
        var (plus, minus) = (state.Plus, state.Minus!);
        long refreshed = 0;
        for (int i = start; i < start + n; i++)
        {
            if (plus[i] < limit && minus[i] < limit) continue;
            Program(state, i, Scale * (plus[i] - minus[i]));
            refreshed++;
        }
        return refreshed;
    }

    /// <summary>The weights that the devices of weights [start, start + weights.Length) read as, without noise.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public void ToWeights(DeviceState state, int start, Span<float> weights)
    {
        int n = weights.Length;
        if (Pair == PairMode.Single) ShiftScale(state.Plus.AsSpan(start, n), -Reference, Scale, weights, IsConductance);
        else DifferenceScale(state.Plus.AsSpan(start, n), state.Minus.AsSpan(start, n), Scale, weights);
    }

    /// <summary>
    /// <see cref="ToWeights(DeviceState, int, Span{float})"/> for the listed blocks of 16 weights of
    /// [start, start + weights.Length) only, in one loop (the same arithmetic): an update's read-back of the scattered
    /// blocks it pulsed, without a call per block.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public void ToWeights(DeviceState state, int start, Span<float> weights, ReadOnlySpan<int> blocks)
    {
        int n = weights.Length;
        ref float target = ref MemoryMarshal.GetReference(weights);
        ref float plus = ref MemoryMarshal.GetReference(state.Plus.AsSpan(start, n));
        var scale = Vector512.Create(Scale);
        if (Pair == PairMode.Single)
        {
            var shift = Vector512.Create(-Reference);
            foreach (int block in blocks)
            {
                nuint k = (nuint)block * 16;
                if ((int)k + 16 > n) throw new ArgumentOutOfRangeException(nameof(blocks), "a listed block is past the weights");
                var w = (Vector512.LoadUnsafe(ref plus, k) + shift) * scale;
                (IsConductance ? Vector512.MaxNative(w, Vector512<float>.Zero) : w).StoreUnsafe(ref target, k);
            }
            return;
        }
        ref float minus = ref MemoryMarshal.GetReference(state.Minus.AsSpan(start, n));
        foreach (int block in blocks)
        {
            nuint k = (nuint)block * 16;
            if ((int)k + 16 > n) throw new ArgumentOutOfRangeException(nameof(blocks), "a listed block is past the weights");
            ((Vector512.LoadUnsafe(ref plus, k) - Vector512.LoadUnsafe(ref minus, k)) * scale).StoreUnsafe(ref target, k);
        }
    }

    /// <summary>
    /// The signed pulses one device of the weight takes for the weight's signed pulses: a single device or g⁺ of a
    /// pair takes them as they are, g⁻ of a pair the opposite; of a one-sided pair (potentiation only), g⁺ takes the
    /// positive ones and g⁻ the magnitude of the negative ones. Written to <paramref name="buffer"/> when they differ.
    /// </summary>
    public ReadOnlySpan<float> Side(ReadOnlySpan<float> signed, bool minusSide, Span<float> buffer)
    {
        if (Pair == PairMode.OneSided)
        {
            if (minusSide)
            {
                TensorPrimitives.Min(signed, 0f, buffer);
                TensorPrimitives.Negate(buffer, buffer);
            }
            else
            {
                TensorPrimitives.Max(signed, 0f, buffer);
            }
            return buffer;
        }
        if (!minusSide) return signed;
        TensorPrimitives.Negate(signed, buffer);
        return buffer;
    }

    /// <summary>Counts <paramref name="pulses"/> weight pulses, <paramref name="rising"/> of them potentiating, as device pulses.</summary>
    public void Tally(long pulses, long rising, ref long up, ref long down)
    {
        switch (Pair)
        {
            case PairMode.Single:
                up += rising;
                down += pulses - rising;
                break;
            case PairMode.Pair:
                up += pulses;
                down += pulses;
                break;
            default:
                up += pulses;
                break;
        }
    }

    /// <summary>destination = (x + shift)·scale, floored at 0 for a conductance (a device whose spread bounds reach below the range's zero).</summary>
    private static void ShiftScale(ReadOnlySpan<float> x, float shift, float scale, Span<float> destination, bool nonNegative)
    {
        int n = x.Length, i = 0;
        ref float source = ref MemoryMarshal.GetReference(x);
        ref float target = ref MemoryMarshal.GetReference(destination[..n]);
        var a = Vector512.Create(shift);
        var b = Vector512.Create(scale);
        if (nonNegative)
        {
            for (; i <= n - 16; i += 16) Vector512.MaxNative((Vector512.LoadUnsafe(ref source, (nuint)i) + a) * b, Vector512<float>.Zero).StoreUnsafe(ref target, (nuint)i);
            for (; i < n; i++) Unsafe.Add(ref target, i) = Math.Max((Unsafe.Add(ref source, i) + shift) * scale, 0f);
            return;
        }
        for (; i <= n - 16; i += 16) ((Vector512.LoadUnsafe(ref source, (nuint)i) + a) * b).StoreUnsafe(ref target, (nuint)i);
        for (; i < n; i++) Unsafe.Add(ref target, i) = (Unsafe.Add(ref source, i) + shift) * scale;
    }

    /// <summary>destination = (a − b)·scale, in one pass.</summary>
    private static void DifferenceScale(ReadOnlySpan<float> a, ReadOnlySpan<float> b, float scale, Span<float> destination)
    {
        int n = a.Length, i = 0;
        ref float x = ref MemoryMarshal.GetReference(a);
        ref float y = ref MemoryMarshal.GetReference(b[..n]);
        ref float target = ref MemoryMarshal.GetReference(destination[..n]);
        var factor = Vector512.Create(scale);
        for (; i <= n - 16; i += 16)
            ((Vector512.LoadUnsafe(ref x, (nuint)i) - Vector512.LoadUnsafe(ref y, (nuint)i)) * factor).StoreUnsafe(ref target, (nuint)i);
        for (; i < n; i++) Unsafe.Add(ref target, i) = (Unsafe.Add(ref x, i) - Unsafe.Add(ref y, i)) * scale;
    }
}
