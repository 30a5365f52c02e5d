namespace OnChip.Tensors;

/// <summary>
/// A dense row-major float32 matrix. Batches are matrices with one example per row, so a row range is the
/// unit of parallel work and every kernel takes explicit row counts and leading dimensions.
/// </summary>
internal sealed class Matrix
{
    public Matrix(int rows, int cols)
    {
        if (rows < 0 || cols < 0) throw new ArgumentOutOfRangeException(nameof(rows), "matrix dimensions must be non-negative");
        Rows = rows;
        Cols = cols;
        Data = new float[(long)rows * cols];
    }

    public Matrix(int rows, int cols, float[] data)
    {
        if ((long)rows * cols != data.Length) throw new ArgumentException($"expected {rows}x{cols} values, got {data.Length}");
        Rows = rows;
        Cols = cols;
        Data = data;
    }

    public int Rows { get; }
    public int Cols { get; }
    public float[] Data { get; }
    public int Length => Data.Length;

    public Span<float> Span => Data;
    public Span<float> Row(int r) => Data.AsSpan(r * Cols, Cols);
    /// <summary>Rows [start, start + count) as one contiguous span.</summary>
    public Span<float> RowSpan(int start, int count) => Data.AsSpan(start * Cols, count * Cols);

    public ref float this[int r, int c] => ref Data[r * Cols + c];

    public void Clear() => Array.Clear(Data);
    public void CopyFrom(Matrix other)
    {
        if (other.Rows != Rows || other.Cols != Cols) throw new ArgumentException($"shape {other.Rows}x{other.Cols} does not match {Rows}x{Cols}");
        other.Data.CopyTo(Data, 0);
    }
    public Matrix Clone() => new(Rows, Cols, (float[])Data.Clone());
    public override string ToString() => $"Matrix({Rows}x{Cols})";
}
