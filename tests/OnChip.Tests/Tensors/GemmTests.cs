using OnChip.Parallelism;
using OnChip.Tensors;

namespace OnChip.Tests.Tensors;

public class GemmTests
{
    private static readonly int[] Ms = [1, 2, 7, 16, 17, 65, 127];
    private static readonly int[] Ns = [1, 7, 10, 15, 16, 17, 33, 64, 65, 513];
    private static readonly int[] Ks = [1, 15, 16, 17, 65, 513];

    // ---------- accuracy against a double-precision reference ----------

    [Theory]
    [InlineData(false, false)]
    [InlineData(false, true)]
    [InlineData(true, false)]
    [InlineData(true, true)]
    public void MatchesReferenceOnOddShapes(bool transA, bool transB)
    {
        int index = 0;
        foreach (int m in Ms)
        foreach (int n in Ns)
        foreach (int k in Ks)
        {
            if ((long)m * n * k > 1_500_000) continue;
            var (alpha, beta) = (index % 3) switch { 0 => (1f, 0f), 1 => (1f, 1f), _ => (0.5f, -2f) };
            int pad = index % 2 == 0 ? 0 : 3;
            CheckAgainstReference(new Case(transA, transB, m, n, k, alpha, beta, pad), $"case {index}");
            index++;
        }
    }

    [Theory]
    [InlineData(false, false, 7, 33, 2100)]
    [InlineData(false, true, 17, 65, 1025)]
    [InlineData(true, false, 13, 70, 1500)]
    [InlineData(true, true, 6, 17, 2049)]
    [InlineData(false, true, 9, 10, 3000)]
    public void MatchesReferenceWhenKIsSplitIntoBlocks(bool transA, bool transB, int m, int n, int k)
    {
        CheckAgainstReference(new Case(transA, transB, m, n, k, 1f, 0f, 1), "beta 0");
        CheckAgainstReference(new Case(transA, transB, m, n, k, 0.5f, 1f, 2), "beta 1");
    }

    [Theory]
    [GemmIsaData("avx512")] // skipped where the CPU lacks the instruction set: the dispatcher never picks it there
    [GemmIsaData("avx2")]
    [GemmIsaData("scalar")]
    public void ForcedInstructionSetMatchesReferenceAndDefaultBitwise(string isaName)
    {
        var isa = GemmIsaRequirement.Parse(isaName);
        var shapes = new (int M, int N, int K)[] { (1, 1, 1), (7, 10, 33), (17, 65, 17), (6, 64, 16), (65, 33, 513), (16, 17, 1100), (33, 130, 40) };
        int index = 0;
        foreach (bool transA in new[] { false, true })
        foreach (bool transB in new[] { false, true })
        foreach (var (m, n, k) in shapes)
        {
            var c = new Case(transA, transB, m, n, k, index % 2 == 0 ? 1f : 0.5f, index % 3 == 0 ? 0f : 1f, index % 2);
            index++;
            var expected = Compute(c, isa: null);
            var forced = Compute(c, isa);
            AssertClose(c, forced, $"{isaName} {c}");
            Assert.True(BitwiseEqual(expected.C, forced.C), $"{isaName} differs in bits from {GemmIsaSelector.Best} for {c}");
        }
    }

    [Fact]
    public void BetaZeroIgnoresNaNInC()
    {
        foreach (bool transA in new[] { false, true })
        foreach (bool transB in new[] { false, true })
        foreach (var (m, n, k) in new[] { (7, 10, 20), (13, 70, 30), (6, 64, 5), (1, 1, 1) })
        {
            var c = new Case(transA, transB, m, n, k, 0.5f, 0f, 1) { CFill = float.NaN };
            var result = Compute(c, isa: null);
            AssertClose(c, result, $"NaN-filled {c}");
        }
    }

    [Fact]
    public void KZeroScalesCAndAlphaZeroDoesNotReadAB()
    {
        var c = new float[] { 1, 2, float.NaN, 4, 5, 6 };
        Gemm.Multiply(false, false, 2, 3, 0, 1f, ReadOnlySpan<float>.Empty, 0, ReadOnlySpan<float>.Empty, 3, 2f, c, 3);
        Assert.Equal(new float[] { 2, 4, float.NaN, 8, 10, 12 }, c);

        Gemm.Multiply(true, true, 2, 3, 0, 1f, ReadOnlySpan<float>.Empty, 2, ReadOnlySpan<float>.Empty, 0, 0f, c, 3);
        Assert.Equal(new float[6], c);

        var a = new float[] { float.NaN, float.PositiveInfinity, 1, 2 };
        var b = new float[] { float.NaN, 1, 2, 3, 4, 5 };
        var c2 = new float[] { 1, 2, 3, 4, 5, 6 };
        Gemm.Multiply(false, false, 2, 3, 2, 0f, a, 2, b, 3, 3f, c2, 3);
        Assert.Equal(new float[] { 3, 6, 9, 12, 15, 18 }, c2);
    }

    [Fact]
    public void EmptyOutputIsANoOp()
    {
        var c = new float[] { 1, 2, 3 };
        Gemm.Multiply(false, false, 0, 3, 4, 1f, ReadOnlySpan<float>.Empty, 4, new float[12], 3, 0f, c, 3);
        Gemm.Multiply(false, false, 1, 0, 4, 1f, new float[4], 4, ReadOnlySpan<float>.Empty, 0, 0f, c, 0);
        Assert.Equal(new float[] { 1, 2, 3 }, c);
    }

    // ---------- determinism: row independence, worker splits, ISAs ----------

    [Theory]
    [InlineData(false, true, 128, 512, 784)] // x·W0ᵀ
    [InlineData(false, false, 128, 512, 10)] // δ·W
    [InlineData(false, true, 128, 10, 512)] // s·W1ᵀ (dot path)
    [InlineData(true, false, 64, 100, 50)] // δᵀ·x
    [InlineData(true, true, 37, 70, 1100)] // two k blocks
    [InlineData(false, false, 50, 33, 65)]
    public void RowsAreBitwiseIndependentOfTheCallThatComputesThem(bool transA, bool transB, int m, int n, int k)
    {
        foreach (float beta in new[] { 0f, 0.5f })
        {
            var c = new Case(transA, transB, m, n, k, 0.75f, beta, 2);
            var full = Compute(c, isa: null);
            int lda = c.Lda, ldc = c.Ldc;

            // Every row alone (m = 1) and a few ragged row ranges at odd offsets, through the offset overload.
            var ranges = new List<(int Start, int Count)>();
            for (int r = 0; r < m; r++) ranges.Add((r, 1));
            for (int start = 0; start < m; start += 7) ranges.Add((start, Math.Min(7, m - start)));
            ranges.Add((3, m - 3));
            ranges.Add((m / 2, m - m / 2));
            foreach (var (start, count) in ranges)
            {
                var part = (float[])full.InitialC.Clone();
                int aOffset = transA ? start : start * lda;
                Gemm.Multiply(transA, transB, count, n, k, c.Alpha, full.A, aOffset, lda, full.B, 0, c.Ldb, c.Beta, part, start * ldc, ldc);
                for (int r = start; r < start + count; r++)
                {
                    var got = part.AsSpan(r * ldc, n);
                    var want = full.C.AsSpan(r * ldc, n);
                    Assert.True(BitwiseEqual(got, want), $"row {r} computed in rows [{start}, {start + count}) differs from the full call, {c}");
                }
            }
        }
    }

    [Theory]
    [InlineData(2)]
    [InlineData(3)]
    public void PoolResultIsBitwiseEqualToSerial(int workers)
    {
        using var pool = new WorkerPool(workers);
        var shapes = new (int M, int N, int K)[] { (128, 512, 784), (50, 784, 128), (128, 10, 512), (127, 513, 65), (1, 512, 784), (300, 17, 40), (5, 2000, 3) };
        foreach (bool transA in new[] { false, true })
        foreach (bool transB in new[] { false, true })
        foreach (var (m, n, k) in shapes)
        {
            var c = new Case(transA, transB, m, n, k, 1.5f, 0.5f, 1);
            var serial = Compute(c, isa: null);
            var parallel = (float[])serial.InitialC.Clone();
            Gemm.Multiply(pool, transA, transB, m, n, k, c.Alpha, serial.A, c.Lda, serial.B, c.Ldb, c.Beta, parallel, c.Ldc);
            Assert.True(BitwiseEqual(serial.C, parallel), $"{workers} workers differ from serial for {c}");

            var viaArrays = (float[])serial.InitialC.Clone();
            Gemm.Multiply(pool, transA, transB, m, n, k, c.Alpha, serial.A, 0, c.Lda, serial.B, 0, c.Ldb, c.Beta, viaArrays, 0, c.Ldc);
            Assert.True(BitwiseEqual(serial.C, viaArrays), $"array overload with {workers} workers differs for {c}");
        }
    }

    [GemmIsaFact("avx2")]
    public void PoolOverloadHonoursForcedInstructionSetOnWorkers()
    {
        using var pool = new WorkerPool(2);
        var c = new Case(false, true, 64, 700, 300, 1f, 0f, 0);
        var expected = Compute(c, isa: null);
        var result = (float[])expected.InitialC.Clone();
        GemmIsaSelector.Forced = GemmIsa.Vector256;
        try
        {
            Gemm.Multiply(pool, false, true, c.M, c.N, c.K, c.Alpha, expected.A, c.Lda, expected.B, c.Ldb, c.Beta, result, c.Ldc);
        }
        finally
        {
            GemmIsaSelector.Forced = null;
        }
        Assert.True(BitwiseEqual(expected.C, result));
    }

    // ---------- argument validation ----------

    [Fact]
    public void RejectsNegativeDimensions()
    {
        var x = new float[16];
        Assert.Equal("m", Assert.Throws<ArgumentOutOfRangeException>(() => Gemm.Multiply(false, false, -1, 2, 2, 1f, x, 2, x, 2, 0f, x, 2)).ParamName);
        Assert.Equal("n", Assert.Throws<ArgumentOutOfRangeException>(() => Gemm.Multiply(false, false, 2, -1, 2, 1f, x, 2, x, 2, 0f, x, 2)).ParamName);
        Assert.Equal("k", Assert.Throws<ArgumentOutOfRangeException>(() => Gemm.Multiply(false, false, 2, 2, -1, 1f, x, 2, x, 2, 0f, x, 2)).ParamName);
    }

    [Fact]
    public void RejectsShortLeadingDimensions()
    {
        var (x, y, z) = (new float[64], new float[64], new float[64]);
        // A stored m×k = 3×4 needs lda ≥ 4; stored k×m (transA) needs lda ≥ 3.
        Assert.Equal("lda", Assert.Throws<ArgumentException>(() => Gemm.Multiply(false, false, 3, 2, 4, 1f, x, 3, y, 2, 0f, z, 2)).ParamName);
        Gemm.Multiply(true, false, 3, 2, 4, 1f, x, 3, y, 2, 0f, z, 2);
        Assert.Equal("lda", Assert.Throws<ArgumentException>(() => Gemm.Multiply(true, false, 3, 2, 4, 1f, x, 2, y, 2, 0f, z, 2)).ParamName);
        // B stored k×n = 4×2 needs ldb ≥ 2; stored n×k (transB) needs ldb ≥ 4.
        Assert.Equal("ldb", Assert.Throws<ArgumentException>(() => Gemm.Multiply(false, false, 3, 2, 4, 1f, x, 4, y, 1, 0f, z, 2)).ParamName);
        Assert.Equal("ldb", Assert.Throws<ArgumentException>(() => Gemm.Multiply(false, true, 3, 2, 4, 1f, x, 4, y, 3, 0f, z, 2)).ParamName);
        Assert.Equal("ldc", Assert.Throws<ArgumentException>(() => Gemm.Multiply(false, false, 3, 2, 4, 1f, x, 4, y, 2, 0f, z, 1)).ParamName);
    }

    [Fact]
    public void RejectsShortSpansAndBadOffsets()
    {
        // 3×4 with lda 5 needs 2·5 + 4 = 14 floats.
        var a = new float[14];
        var b = new float[8];
        var c = new float[6];
        Gemm.Multiply(false, false, 3, 2, 4, 1f, a, 5, b, 2, 0f, c, 2);
        Assert.Equal("a", Assert.Throws<ArgumentException>(() => Gemm.Multiply(false, false, 3, 2, 4, 1f, a.AsSpan(1), 5, b, 2, 0f, c, 2)).ParamName);
        Assert.Equal("b", Assert.Throws<ArgumentException>(() => Gemm.Multiply(false, false, 3, 2, 4, 1f, a, 5, b.AsSpan(1), 2, 0f, c, 2)).ParamName);
        Assert.Equal("c", Assert.Throws<ArgumentException>(() => Gemm.Multiply(false, false, 3, 2, 4, 1f, a, 5, b, 2, 0f, c.AsSpan(1), 2)).ParamName);
        Assert.Equal("c", Assert.Throws<ArgumentException>(() => Gemm.Multiply(WorkerPool.Serial, false, false, 3, 2, 4, 1f, a, 0, 5, b, 0, 2, 0f, c, 1, 2)).ParamName);
        Assert.Equal("a", Assert.Throws<ArgumentOutOfRangeException>(() => Gemm.Multiply(false, false, 3, 2, 4, 1f, a, 15, 5, b, 0, 2, 0f, c, 0, 2)).ParamName);
        Assert.Equal("b", Assert.Throws<ArgumentOutOfRangeException>(() => Gemm.Multiply(false, false, 3, 2, 4, 1f, a, 0, 5, b, -1, 2, 0f, c, 0, 2)).ParamName);
        Assert.Throws<ArgumentNullException>(() => Gemm.Multiply(null!, false, false, 3, 2, 4, 1f, a, 5, b, 2, 0f, c, 2));
    }

    // ---------- helpers ----------

    private sealed record Case(bool TransA, bool TransB, int M, int N, int K, float Alpha, float Beta, int Pad)
    {
        /// <summary>Value for every logical element of C before the call; null means random values.</summary>
        public float? CFill { get; init; }
        public int Lda => (TransA ? M : K) + Pad;
        public int Ldb => (TransB ? K : N) + Pad;
        public int Ldc => N + Pad;
        public int ALength => Math.Max(0, (TransA ? K : M) * Lda);
        public int BLength => Math.Max(0, (TransB ? N : K) * Ldb);
        public override string ToString() => $"{(TransA ? 'T' : 'N')}{(TransB ? 'T' : 'N')} m={M} n={N} k={K} alpha={Alpha} beta={Beta} pad={Pad}";
    }

    private sealed record Result(float[] A, float[] B, float[] InitialC, float[] C);

    private const float Sentinel = -12345.5f;

    private static Result Compute(Case c, GemmIsa? isa)
    {
        var rng = new Random((((c.M * 7919 + c.N) * 7919 + c.K) * 4 + (c.TransA ? 2 : 0) + (c.TransB ? 1 : 0)) * 8 + c.Pad);
        var a = RandomArray(rng, c.ALength);
        var b = RandomArray(rng, c.BLength);
        var initial = new float[c.M * c.Ldc];
        for (int i = 0; i < c.M; i++)
        {
            for (int j = 0; j < c.Ldc; j++)
            {
                // Padding columns hold a sentinel that must survive; real columns hold random values (or the fill).
                initial[i * c.Ldc + j] = j >= c.N ? Sentinel : c.CFill ?? (float)(rng.NextDouble() * 2 - 1);
            }
        }
        var result = (float[])initial.Clone();
        GemmIsaSelector.Forced = isa;
        try
        {
            Gemm.Multiply(c.TransA, c.TransB, c.M, c.N, c.K, c.Alpha, a, c.Lda, b, c.Ldb, c.Beta, result, c.Ldc);
        }
        finally
        {
            GemmIsaSelector.Forced = null;
        }
        return new Result(a, b, initial, result);
    }

    private static void CheckAgainstReference(Case c, string label) => AssertClose(c, Compute(c, isa: null), label);

    private static void AssertClose(Case c, Result r, string label)
    {
        // op(A) by rows and op(B) by columns, both contiguous along k, so the reference loop stays cheap.
        var opA = new double[c.M * c.K];
        var opBt = new double[c.N * c.K];
        for (int i = 0; i < c.M; i++)
            for (int p = 0; p < c.K; p++) opA[i * c.K + p] = c.TransA ? r.A[p * c.Lda + i] : r.A[i * c.Lda + p];
        for (int j = 0; j < c.N; j++)
            for (int p = 0; p < c.K; p++) opBt[j * c.K + p] = c.TransB ? r.B[j * c.Ldb + p] : r.B[p * c.Ldb + j];

        for (int i = 0; i < c.M; i++)
        {
            for (int j = 0; j < c.Ldc; j++)
            {
                float got = r.C[i * c.Ldc + j];
                if (j >= c.N)
                {
                    Assert.True(got == Sentinel, $"{label}: {c} wrote padding C[{i},{j}]");
                    continue;
                }
                var x = opA.AsSpan(i * c.K, c.K);
                var y = opBt.AsSpan(j * c.K, c.K);
                double sum = 0, magnitude = 0;
                for (int p = 0; p < x.Length; p++)
                {
                    double product = x[p] * y[p];
                    sum += product;
                    magnitude += Math.Abs(product);
                }
                double old = c.Beta == 0 ? 0 : c.Beta * (double)r.InitialC[i * c.Ldc + j];
                double want = c.Alpha * sum + old;
                double tolerance = 1e-5 * (Math.Abs(c.Alpha) * magnitude + Math.Abs(old)) + 1e-30;
                if (!(Math.Abs(got - want) <= tolerance))
                    Assert.Fail($"{label}: {c} C[{i},{j}] = {got}, expected {want} ± {tolerance}");
            }
        }
    }

    private static float[] RandomArray(Random rng, int length)
    {
        var x = new float[length];
        for (int i = 0; i < length; i++) x[i] = (float)(rng.NextDouble() * 2 - 1);
        return x;
    }

    private static bool BitwiseEqual(ReadOnlySpan<float> x, ReadOnlySpan<float> y)
    {
        if (x.Length != y.Length) return false;
        for (int i = 0; i < x.Length; i++)
        {
            if (BitConverter.SingleToInt32Bits(x[i]) != BitConverter.SingleToInt32Bits(y[i])) return false;
        }
        return true;
    }
}
