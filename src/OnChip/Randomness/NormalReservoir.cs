using System.Numerics;
using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;

namespace OnChip.Randomness;

/// <summary>
/// Standard normals for the lanes of a block that need one, 16 lanes at a time: lanes take the next unused normals of
/// a vector drawn from <see cref="ChunkRandom.NextGaussians"/>, in lane order, and a fresh vector is drawn when too few
/// are left (the rest are dropped, which leaves the draws independent and standard normal). When few lanes of a block
/// need noise (sparse pulses), this draws a fraction of the normals that one vector per block would. Without AVX-512
/// every call draws a whole vector.
/// </summary>
public struct NormalReservoir(ChunkRandom random)
{
    private Vector512<float> _normals;
    private int _left;

    /// <summary>A normal in every lane of <paramref name="lanes"/> (a mask), 0 elsewhere.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public Vector512<float> Next(Vector512<float> lanes)
    {
        if (!Avx512F.IsSupported) return random.NextGaussians() & lanes;
        int need = BitOperations.PopCount(lanes.ExtractMostSignificantBits());
        if (need > _left)
        {
            _normals = random.NextGaussians();
            _left = 16;
        }
        var normals = Avx512F.Expand(Vector512<float>.Zero, lanes, _normals);
        // Shift the unused normals down to lane 0 (the used ones wrap to the top, past _left).
        _normals = Avx512F.PermuteVar16x32(_normals, Vector512<int>.Indices + Vector512.Create(need));
        _left -= need;
        return normals;
    }
}
