namespace OnChip.Data;

/// <summary>
/// A labelled set of fixed-size examples held in memory: <see cref="Count"/> rows of <see cref="FeatureCount"/>
/// = C·H·W floats in [0, 1] (channel-major within a row), and one class label per example.
/// </summary>
public sealed class Dataset
{
    private static readonly string[] DigitNames = ["0", "1", "2", "3", "4", "5", "6", "7", "8", "9"];

    /// <param name="name">Short name used in messages and logs, e.g. "fashion-mnist/train".</param>
    /// <param name="features">Count × C·H·W values, row-major; kept, not copied.</param>
    /// <param name="labels">One label per example, each below <paramref name="classCount"/>; kept, not copied.</param>
    /// <param name="classNames">Human-readable class names; defaults to "0", "1", ….</param>
    /// <param name="source">Where the data came from (a directory, or "embedded resources of OnChip").</param>
    public Dataset(string name, int channels, int height, int width, int classCount, float[] features, byte[] labels,
        IReadOnlyList<string>? classNames = null, string? source = null)
    {
        ArgumentNullException.ThrowIfNull(name);
        ArgumentNullException.ThrowIfNull(features);
        ArgumentNullException.ThrowIfNull(labels);
        if (channels < 1 || height < 1 || width < 1)
            throw new ArgumentException($"{name}: example shape {channels}x{height}x{width} must be positive");
        if (classCount is < 1 or > 256)
            throw new ArgumentOutOfRangeException(nameof(classCount), classCount, $"{name}: class count must be 1..256");
        long featureCount = (long)channels * height * width;
        if (featureCount > int.MaxValue) throw new ArgumentException($"{name}: example shape {channels}x{height}x{width} is too large");
        if (features.LongLength != labels.LongLength * featureCount)
            throw new ArgumentException($"{name}: {labels.Length} labels need {labels.LongLength * featureCount} feature values, got {features.Length}");
        if (classCount < 256)
        {
            int bad = labels.AsSpan().IndexOfAnyInRange((byte)classCount, byte.MaxValue);
            if (bad >= 0) throw new ArgumentException($"{name}: label {labels[bad]} at index {bad} is out of range (allowed 0..{classCount - 1})");
        }
        if (classNames is not null && classNames.Count != classCount)
            throw new ArgumentException($"{name}: {classNames.Count} class names for {classCount} classes");

        Name = name;
        Source = source ?? name;
        Channels = channels;
        Height = height;
        Width = width;
        FeatureCount = (int)featureCount;
        ClassCount = classCount;
        Features = features;
        Labels = labels;
        ClassNames = classNames ?? (classCount <= DigitNames.Length ? DigitNames[..classCount] : Enumerable.Range(0, classCount).Select(i => i.ToString()).ToArray());
    }

    /// <summary>Builds a dataset from 8-bit pixels, converting each to <c>pixel / 255f</c>.</summary>
    public static Dataset FromPixels(string name, int channels, int height, int width, int classCount, byte[] pixels, byte[] labels,
        IReadOnlyList<string>? classNames = null, string? source = null) =>
        new(name, channels, height, width, classCount, PixelConversion.ToUnitRange(pixels), labels, classNames, source);

    /// <summary>The dataset's name (e.g. <c>fashion-mnist/train</c>).</summary>
    public string Name { get; }
    /// <summary>Where the data came from: a directory, or "embedded resources of OnChip".</summary>
    public string Source { get; }
    /// <summary>Number of examples.</summary>
    public int Count => Labels.Length;
    /// <summary>Image channels.</summary>
    public int Channels { get; }
    /// <summary>Image height in pixels.</summary>
    public int Height { get; }
    /// <summary>Image width in pixels.</summary>
    public int Width { get; }
    /// <summary>C·H·W, the length of one example's feature row.</summary>
    public int FeatureCount { get; }
    /// <summary>Number of classes.</summary>
    public int ClassCount { get; }
    /// <summary>The classes' names, in label order.</summary>
    public IReadOnlyList<string> ClassNames { get; }
    /// <summary>All examples, <see cref="Count"/> × <see cref="FeatureCount"/>, row-major, values in [0, 1].</summary>
    public float[] Features { get; }
    /// <summary>The label of each example.</summary>
    public byte[] Labels { get; }

    /// <summary>The features of example <paramref name="index"/>.</summary>
    public ReadOnlySpan<float> Example(int index)
    {
        if ((uint)index >= (uint)Count) throw new ArgumentOutOfRangeException(nameof(index), index, $"{Name} has {Count} examples");
        return Features.AsSpan(index * FeatureCount, FeatureCount);
    }

    /// <summary>The features of examples [start, start + count) as one contiguous row-major block.</summary>
    public ReadOnlySpan<float> Examples(int start, int count)
    {
        if (start < 0 || count < 0 || start > Count - count)
            throw new ArgumentOutOfRangeException(nameof(start), $"examples [{start}, {start}+{count}) are outside the {Count} examples of {Name}");
        return Features.AsSpan(start * FeatureCount, count * FeatureCount);
    }

    /// <summary>How many examples each class has.</summary>
    public int[] ClassCounts()
    {
        var counts = new int[ClassCount];
        foreach (byte label in Labels) counts[label]++;
        return counts;
    }

    /// <summary>
    /// The first <paramref name="count"/> examples, copied into new arrays (the name and source stay the same);
    /// <c>Take(Count)</c> returns this instance. Asking for more examples than exist is a <see cref="DataException"/>
    /// that says how many there are.
    /// </summary>
    public Dataset Take(int count)
    {
        if (count < 0) throw new DataException($"cannot take {count} examples of {Name}: the count must not be negative");
        if (count > Count) throw new DataException($"cannot take {count} examples: {Name} has only {Count}");
        if (count == Count) return this;
        return new Dataset(Name, Channels, Height, Width, ClassCount, Features.AsSpan(0, count * FeatureCount).ToArray(),
            Labels.AsSpan(0, count).ToArray(), ClassNames, Source);
    }

    /// <summary>The set in a few words.</summary>
    public override string ToString() => $"{Name}: {Count} examples of {Channels}x{Height}x{Width}, {ClassCount} classes";
}
