namespace OnChip.Data;

/// <summary>A training set and the test set it is evaluated on; both have the same example shape and class count.</summary>
public sealed record DataSplit(Dataset Train, Dataset Test)
{
    /// <summary>Where the split was loaded from: a directory, or "embedded resources of OnChip".</summary>
    public string Source => Train.Source;

    public override string ToString() => $"{Train}; {Test}";
}
