using System.Numerics.Tensors;

namespace OnChip.Data;

/// <summary>Converts 8-bit pixels to features in [0, 1] (pixel / 255f, exactly), vectorised and split across cores.</summary>
internal static class PixelConversion
{
    private const int ChunkPixels = 1 << 20;

    /// <summary>Writes <c>pixels[i] / 255f</c> to <c>destination[i]</c>.</summary>
    public static void ToUnitRange(ReadOnlySpan<byte> pixels, Span<float> destination)
    {
        if (destination.Length < pixels.Length)
            throw new ArgumentException($"destination holds {destination.Length} values, need {pixels.Length}", nameof(destination));
        destination = destination[..pixels.Length];
        TensorPrimitives.ConvertTruncating<byte, float>(pixels, destination);
        TensorPrimitives.Divide(destination, 255f, destination);
    }

    /// <summary>Returns a new array holding <c>pixels[i] / 255f</c>; large inputs are converted in parallel chunks.</summary>
    public static float[] ToUnitRange(byte[] pixels)
    {
        var features = new float[pixels.Length];
        int chunks = (pixels.Length + ChunkPixels - 1) / ChunkPixels;
        if (chunks <= 1)
        {
            ToUnitRange(pixels, features);
            return features;
        }
        Parallel.For(0, chunks, c =>
        {
            int start = c * ChunkPixels;
            int length = Math.Min(ChunkPixels, pixels.Length - start);
            ToUnitRange(pixels.AsSpan(start, length), features.AsSpan(start, length));
        });
        return features;
    }
}
