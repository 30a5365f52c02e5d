namespace OnChip.Data;

/// <summary>The contents of an IDX image file: <see cref="Count"/> images of <see cref="Rows"/>×<see cref="Cols"/>
/// unsigned bytes, row-major, one image after another.</summary>
/// <param name="Source">The file path (or resource name) it was read from, for messages.</param>
internal sealed record IdxImages(string Source, int Count, int Rows, int Cols, byte[] Pixels)
{
    public int PixelsPerImage => Rows * Cols;
}
