using System.Numerics;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;
using OnChip.Randomness;

namespace OnChip.Devices;

/// <summary>
/// Which blocks of 16 devices a pulse-train call fires (working memory, allocation-free once grown: one per thread,
/// and one in each thread's device-array scratch): the blocks with a pulsed device, the blocks with a device that takes
/// more than one pulse, the pulses in all, and the normals the pulses draw, made in bulk.
/// </summary>
internal sealed class PulsedBlocks
{
    [ThreadStatic] private static PulsedBlocks? _instance;
    /// <summary>The most pulses a device takes in one call (device arrays clip to at most this many).</summary>
    public const int MaxCount = 100_000;
    private int[] _pulsed = [], _longer = [], _pulsedMasks = [], _longerMasks = [];
    private float[] _normals = [];
    private int _pulsedCount, _longerCount;

    /// <summary>The blocks with a pulsed device, in order.</summary>
    public ReadOnlySpan<int> Pulsed => _pulsed.AsSpan(0, _pulsedCount);
    /// <summary>The blocks with a device of more than one pulse, in order.</summary>
    public ReadOnlySpan<int> Longer => _longer.AsSpan(0, _longerCount);
    /// <summary>Pulses in all, and the potentiating ones.</summary>
    public long Pulses { get; private set; }
    public long Rising { get; private set; }

    /// <summary>This thread's instance (the one <see cref="Find"/> and <see cref="Count"/> fill).</summary>
    public static PulsedBlocks ForThread => _instance ??= new PulsedBlocks();

    /// <summary>
    /// Lists the pulsed blocks of <paramref name="blocks"/> blocks of signed whole counts, without a branch per block
    /// (training's counts are random: a third of the blocks unpulsed, a sixth with more than one round, so branches
    /// on them mispredict often), in this thread's instance.
    /// </summary>
    public static PulsedBlocks Find(ref readonly float counts, int blocks) => ForThread.Checked(in counts, blocks, list: true);

    /// <summary>Only the pulses in all and the potentiating ones (the lists stay empty), for models that do not use them.</summary>
    public static PulsedBlocks Count(ref readonly float counts, int blocks) => ForThread.Checked(in counts, blocks, list: false);

    /// <summary>
    /// Clips the whole blocks of <paramref name="counts"/> to ±<paramref name="limit"/> (at most <see cref="MaxCount"/>)
    /// in place and lists them into this instance, in one pass when no count exceeds the limit (the usual case) and
    /// two when some do: a device array's update scans its planned counts once, for the firing and the read-back.
    /// </summary>
    public PulsedBlocks ListClipped(Span<float> counts, int limit)
    {
        CheckLimit(limit);
        int blocks = counts.Length / 16;
        if (Scan(in MemoryMarshal.GetReference(counts), blocks, list: true, limit)) return this;
        Clip(counts[..(16 * blocks)], limit);   // rare: a request of more pulses than cross the device's range (or not a number)
        Scan(in MemoryMarshal.GetReference(counts), blocks, list: true, limit);
        return this;
    }

    /// <summary>A clipping limit is at most <see cref="MaxCount"/> (the lane sums are sized for it).</summary>
    internal static void CheckLimit(int limit)
    {
        if (limit > MaxCount) throw new ArgumentOutOfRangeException(nameof(limit), $"at most {MaxCount} pulses per device in one call");
    }

    private PulsedBlocks Checked(ref readonly float counts, int blocks, bool list) => Scan(in counts, blocks, list, MaxCount)
        ? this
        : throw new ArgumentOutOfRangeException(nameof(counts), $"more than {MaxCount} pulses for one device in one call");

    /// <summary>Clips the signed counts to ±<paramref name="limit"/>; a count that is not a number becomes −limit.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void Clip(Span<float> counts, int limit)
    {
        int n = counts.Length, i = 0;
        ref float c = ref MemoryMarshal.GetReference(counts);
        var max = Vector512.Create((float)limit);
        for (; i <= n - 16; i += 16)
            Vector512.MinNative(Vector512.MaxNative(Vector512.LoadUnsafe(ref c, (nuint)i), -max), max).StoreUnsafe(ref c, (nuint)i);
        for (; i < n; i++) Unsafe.Add(ref c, i) = Math.Clamp(Unsafe.Add(ref c, i), -(float)limit, limit);
    }

    /// <summary>
    /// The lists and totals of <paramref name="blocks"/> blocks of counts; false (lists and totals unusable) when a count
    /// is beyond ±<paramref name="limit"/> or not a number.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private bool Scan(ref readonly float counts, int blocks, bool list, int limit)
    {
        Reserve(blocks);
        long total = 0, net = 0;
        var bound = Vector512.Create((float)limit);
        var within = Vector512<float>.AllBitsSet;
        ref int pulsedMasks = ref PulsedMasks;
        ref int longerMasks = ref LongerMasks;
        for (int from = 0; from < blocks; from += SumSpan)
        {
            var (all, signed) = (Vector512<int>.Zero, Vector512<int>.Zero);
            for (int j = from, end = Math.Min(blocks, from + SumSpan); j < end; j++)
            {
                var count = Vector512.LoadUnsafe(in counts, (nuint)j * 16);
                within &= Vector512.LessThanOrEqual(Vector512.Abs(count), bound);   // false for a NaN too
                Tally(count, j, ref all, ref signed, ref pulsedMasks, ref longerMasks);
            }
            total += Sum(all);
            net += Sum(signed);
        }
        Found(list ? blocks : 0, total, net);
        return within.AsInt32() == Vector512<int>.AllBitsSet;
    }

    /// <summary>
    /// Room for <paramref name="blocks"/> blocks: their lane masks (<see cref="Tally"/> writes them through their first
    /// elements) and the lists, with a vector's slack for the whole-vector stores that make the lists.
    /// </summary>
    internal void Reserve(int blocks)
    {
        int room = (blocks + 15) / 16 * 16 + 16;
        if (_pulsed.Length < room) (_pulsed, _longer, _pulsedMasks, _longerMasks) = (new int[room], new int[room], new int[room], new int[room]);
    }

    /// <summary>The first elements of the blocks' lane masks (after <see cref="Reserve"/>).</summary>
    internal ref int PulsedMasks => ref MemoryMarshal.GetArrayDataReference(_pulsedMasks);
    internal ref int LongerMasks => ref MemoryMarshal.GetArrayDataReference(_longerMasks);

    /// <summary>
    /// Block <paramref name="block"/>'s 16 whole counts into the lane sums (of |count| and of count) and into its two
    /// lane masks (the pulsed lanes, the lanes of more than one pulse), from which <see cref="Found"/> makes the lists:
    /// the step of a scan, and of a strategy that lists its counts as it writes them
    /// (<see cref="Programming.ProgrammingStrategy.PlanListed"/>). A mask is stored, not branched on (training's counts
    /// are random: a third of the blocks unpulsed, a sixth with more than one round, so branches mispredict often), and
    /// the lists are made sixteen blocks at a time. Sums over at most <see cref="SumSpan"/> blocks of counts within
    /// <see cref="MaxCount"/> cannot overflow.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    internal static void Tally(Vector512<float> counts, int block, ref Vector512<int> all, ref Vector512<int> net, ref int pulsedMasks, ref int longerMasks)
    {
        var signed = Vector512.ConvertToInt32Native(counts);   // whole and within ±MaxCount: exact
        var left = Vector512.Abs(signed);
        all += left;
        net += signed;
        Unsafe.Add(ref pulsedMasks, block) = (int)(~Vector512.Equals(left, Vector512<int>.Zero)).ExtractMostSignificantBits();
        Unsafe.Add(ref longerMasks, block) = (int)Vector512.GreaterThan(left, Vector512<int>.One).ExtractMostSignificantBits();
    }

    /// <summary>The blocks that fit one set of 32-bit lane sums in <see cref="Tally"/>.</summary>
    internal const int SumSpan = 1024;

    /// <summary>A set of lane sums, widened and added.</summary>
    internal static long Sum(Vector512<int> lanes) => Vector512.Sum(Vector512.WidenLower(lanes).AsInt64() + Vector512.WidenUpper(lanes).AsInt64());

    /// <summary>
    /// The lists of the first <paramref name="blocks"/> blocks' masks (<see cref="Tally"/>; 0 for none) and the totals:
    /// Σ|count| and Σcount, so that the potentiating pulses are their mean (|c| + c = 2·max(c, 0)).
    /// </summary>
    internal void Found(int blocks, long total, long net)
    {
        (Pulses, Rising) = (total, (total + net) / 2);
        _pulsedCount = Compact(_pulsedMasks, blocks, _pulsed);
        _longerCount = Compact(_longerMasks, blocks, _longer);
    }

    /// <summary>Writes the indices of the non-zero masks among the first <paramref name="blocks"/>, in order; returns how many.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static int Compact(int[] masks, int blocks, int[] list)
    {
        int found = 0, b = 0;
        if (Avx512F.IsSupported)
        {
            ref int mask = ref MemoryMarshal.GetArrayDataReference(masks);
            ref int listed = ref MemoryMarshal.GetArrayDataReference(list);
            var index = Vector512.Create(0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15);
            for (; b <= blocks - 16; b += 16, index += Vector512.Create(16))
            {
                var set = ~Vector512.Equals(Vector512.LoadUnsafe(ref mask, (nuint)b), Vector512<int>.Zero);
                Avx512F.Compress(Vector512<int>.Zero, set, index).StoreUnsafe(ref listed, (nuint)found);   // the list has a vector's slack
                found += BitOperations.PopCount(set.ExtractMostSignificantBits());
            }
        }
        for (; b < blocks; b++)
        {
            list[found] = b;   // written always, kept only when the block counts
            found += masks[b] != 0 ? 1 : 0;
        }
        return found;
    }

    /// <summary><paramref name="count"/> standard normals (and 16 values of slack for whole-vector reads).</summary>
    public ReadOnlySpan<float> Normals(long count, ChunkRandom random)
    {
        if (count > Array.MaxLength - 16) throw new ArgumentOutOfRangeException(nameof(count), "too many pulses in one call");
        if (_normals.Length < count + 16) _normals = new float[Math.Max(count + 16, 2 * _normals.Length)];
        var normals = _normals.AsSpan(0, (int)count + 16);
        for (int i = 0; i < count; i += 2048) random.FillGaussian(normals.Slice(i, (int)Math.Min(2048, count - i)));
        return normals;
    }

    /// <summary>The next unused normals, one per lane of <paramref name="lanes"/> (a mask) in lane order, 0 elsewhere.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector512<float> Take(Vector512<float> lanes, ref float normals, ref int cursor)
    {
        ulong bits = lanes.ExtractMostSignificantBits();
        if (Avx512F.IsSupported)
        {
            var taken = Avx512F.Expand(Vector512<float>.Zero, lanes, Vector512.LoadUnsafe(ref normals, (nuint)cursor));
            cursor += BitOperations.PopCount(bits);
            return taken;
        }
        Span<float> values = stackalloc float[16];
        values.Clear();
        for (; bits != 0; bits &= bits - 1) values[BitOperations.TrailingZeroCount(bits)] = Unsafe.Add(ref normals, cursor++);
        return Vector512.Create((ReadOnlySpan<float>)values);
    }
}
