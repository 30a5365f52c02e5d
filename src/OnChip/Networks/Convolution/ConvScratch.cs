namespace OnChip.Networks.Convolution;

/// <summary>
/// Per-thread work buffers of the convolution kernels (patch matrix, pre-pooling output, its pooling transpose,
/// max-pooling winners). The relaxation splits a batch by rows between persistent workers, each of which gets its
/// own buffers once and reuses them: nothing is allocated per step, and no row's result depends on the thread.
/// </summary>
internal sealed class ConvScratch
{
    [ThreadStatic] private static ConvScratch? t_current;

    public float[] Col = [];
    public float[] Z = [];
    public float[] Dz = [];
    public int[] Winners = [];
    /// <summary>A second pre-pooling output and patch matrix (softmax pooling: the imaginary part, or a direction).</summary>
    public float[] ZIm = [];
    public float[] DzIm = [];
    public float[] ColIm = [];

    public static ConvScratch For(ConvGeometry g, int rows)
    {
        var s = t_current ??= new ConvScratch();
        Grow(ref s.Col, rows * g.Positions * g.PatchSize);
        Grow(ref s.Z, rows * g.ConvSize);
        Grow(ref s.Dz, rows * g.ConvSize);
        if (s.Winners.Length < rows * g.OutSize) s.Winners = new int[rows * g.OutSize];
        return s;
    }

    /// <summary>The buffers of <see cref="For"/> and the second set (<see cref="ZIm"/>, <see cref="DzIm"/>, <see cref="ColIm"/>).</summary>
    public static ConvScratch ForTwo(ConvGeometry g, int rows)
    {
        var s = For(g, rows);
        Grow(ref s.ColIm, rows * g.Positions * g.PatchSize);
        Grow(ref s.ZIm, rows * g.ConvSize);
        Grow(ref s.DzIm, rows * g.ConvSize);
        return s;
    }

    private static void Grow(ref float[] buffer, int length)
    {
        if (buffer.Length < length) buffer = new float[length];
    }
}
