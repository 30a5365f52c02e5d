using OnChip.Randomness;
using OnChip.Tensors;

namespace OnChip.Data;

/// <summary>
/// Training-time augmentation of image batches, as for CIFAR conv nets (Laborieux 2021): a random crop of the
/// image zero-padded by <see cref="Padding"/> on each side (a shift by −p…p pixels in each direction, uncovered
/// pixels 0, i.e. the channel mean after normalisation) and a horizontal flip with probability ½. Each example
/// draws three numbers from the trainer's augmentation stream, so a seed gives the same augmented batches whatever
/// the thread count. Examples are channel-major (C×H×W).
/// </summary>
internal sealed class Augmentation(int channels, int height, int width, int padding, bool flip)
{
    private readonly float[] _image = new float[channels * height * width];

    public int Padding { get; } = padding;
    public bool Flip { get; } = flip;

    /// <summary>Augments rows [0, count) of <paramref name="input"/> in place.</summary>
    public void Apply(Matrix input, int count, Rng rng)
    {
        for (int r = 0; r < count; r++)
        {
            int dy = rng.NextInt(2 * Padding + 1) - Padding;
            int dx = rng.NextInt(2 * Padding + 1) - Padding;
            bool mirror = Flip && rng.NextInt(2) == 1;
            Transform(input.Row(r), dy, dx, mirror);
        }
    }

    /// <summary>out[c, y, x] = in[c, y + dy, x' + dx] with x' = W−1−x when mirrored; 0 outside the image.</summary>
    public void Transform(Span<float> image, int dy, int dx, bool mirror)
    {
        if (dy == 0 && dx == 0 && !mirror) return;
        image.CopyTo(_image);
        int plane = height * width;
        for (int c = 0; c < channels; c++)
            for (int y = 0; y < height; y++)
                for (int x = 0; x < width; x++)
                {
                    int sy = y + dy, sx = (mirror ? width - 1 - x : x) + dx;
                    image[c * plane + y * width + x] = (uint)sy < (uint)height && (uint)sx < (uint)width ? _image[c * plane + sy * width + sx] : 0f;
                }
    }
}
