using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;
using OnChip.Tensors;

namespace OnChip.Devices;

/// <summary>
/// A run of devices as a model sees them in <see cref="DeviceModel.FireBlocks"/>: references to the first device's
/// state, signed pulse count and pulse width, its per-device parameters (as floats and as 16-bit codes, see
/// <see cref="DevicePopulation.Quantize"/>), and how many blocks of 16 devices follow.
/// </summary>
internal ref struct DeviceBlocks
{
    public int Blocks;
    public ref float State;
    public ref readonly float Counts;
    public ref readonly float Width;
    public DeviceParameter ScaleUp;
    public DeviceParameter ScaleDown;
    public DeviceParameter Min;
    public DeviceParameter Max;
    public DeviceParameter SlopeUp;
    public DeviceParameter SlopeDown;
    /// <summary>The blocks the next call will fire, for the cache (see <see cref="FollowingBlocks"/>).</summary>
    public FollowingBlocks Following;

    /// <summary>The 16 values of block <paramref name="k"/> (k in units of devices, a multiple of 16).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector512<float> Load(ref readonly float first, nuint k) => Vector512.LoadUnsafe(in first, k);

    /// <summary>Asks the cache for block <paramref name="k"/>'s values ahead of their use.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static void Prefetch(ref readonly float first, nuint k) => CacheHints.ToL1(in first, k);
}

/// <summary>
/// The pulsed blocks of the run of devices that the next pulse-train call fires, as a hint for the cache: their
/// indices (blocks of 16) and the first device of that run relative to this call's first device (it lies in the same
/// arrays). A call that fires scattered blocks asks for these after its own last ones, so the next call does not start
/// by waiting for memory.
/// </summary>
internal readonly ref struct FollowingBlocks(ReadOnlySpan<int> blocks, int offset)
{
    public ReadOnlySpan<int> Blocks { get; } = blocks;
    public int Offset { get; } = offset;
}

/// <summary>
/// One per-device parameter of a run of devices, as floats and as 16-bit codes times the buffer's unit (the same
/// values): kernels bound by streaming the parameters from memory read the codes, half the bytes; kernels bound by
/// arithmetic read the floats and save the decoding.
/// </summary>
internal readonly ref struct DeviceParameter(ref readonly float values, ref readonly short codes, float unit)
{
    private readonly ref readonly float _values = ref values;
    private readonly ref readonly short _codes = ref codes;
    private readonly float _unit = unit;

    /// <summary>The 16 values of block <paramref name="k"/> (k in units of devices, a multiple of 16), from the floats.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public Vector512<float> Load(nuint k) => Vector512.LoadUnsafe(in _values, k);

    /// <summary>Asks the cache for the codes of block <paramref name="k"/> ahead of their use.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public void Prefetch(nuint k) => CacheHints.ToL1(in _codes, k);

    /// <summary>The same values, decoded from the codes.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public Vector512<float> LoadCoded(nuint k)
    {
        var codes = Vector256.LoadUnsafe(in _codes, k);
        var wide = Avx512F.IsSupported
            ? Avx512F.ConvertToVector512Int32(codes)
            : Vector512.Create(Vector256.WidenLower(codes), Vector256.WidenUpper(codes));
        return Vector512.ConvertToSingle(wide) * _unit;
    }
}
