using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;

namespace OnChip.Tensors;

/// <summary>
/// Per-thread packing memory: one pinned array that only grows, so steady-state calls allocate nothing.
/// It is pinned (POH) rather than native so it is reclaimed with its thread.
/// </summary>
internal static unsafe class GemmScratch
{
    [ThreadStatic] private static float[]? t_buffer;

    /// <summary>A 64-byte aligned block of at least <paramref name="floats"/> floats, valid until this thread's next call.</summary>
    public static float* Get(int floats)
    {
        var buffer = t_buffer;
        if (buffer is null || buffer.Length < floats + 16)
        {
            buffer = GC.AllocateUninitializedArray<float>(floats + 16, pinned: true);
            t_buffer = buffer;
        }
        nint address = (nint)Unsafe.AsPointer(ref MemoryMarshal.GetArrayDataReference(buffer));
        return (float*)((address + 63) & ~(nint)63);
    }
}
