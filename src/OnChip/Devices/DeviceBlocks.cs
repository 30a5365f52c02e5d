using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;

namespace OnChip.Devices;

/// <summary>
/// A run of devices as a model sees them in <see cref="DeviceModel.PulseTrains"/>: references to the first device's
/// state, signed pulse count, pulse width and per-device parameters, and how many blocks of 16 devices follow.
/// </summary>
public ref struct DeviceBlocks
{
    public int Blocks;
    public ref float State;
    public ref readonly float Counts;
    public ref readonly float Width;
    public ref readonly float ScaleUp;
    public ref readonly float ScaleDown;
    public ref readonly float Min;
    public ref readonly float Max;
    public ref readonly float SlopeUp;
    public ref readonly float SlopeDown;

    /// <summary>The 16 values of block <paramref name="k"/> (k in units of devices, a multiple of 16).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector512<float> Load(ref readonly float first, nuint k) => Vector512.LoadUnsafe(in first, k);
}
