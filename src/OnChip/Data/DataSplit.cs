namespace OnChip.Data;

/// <summary>A training set and the test set it is evaluated on; both have the same example shape and class count.</summary>
public sealed record DataSplit(Dataset Train, Dataset Test)
{
    /// <summary>Where the split was loaded from: a directory, or "embedded resources of OnChip".</summary>
    public string Source => Train.Source;

    /// <summary>
    /// The first <paramref name="train"/> training and <paramref name="test"/> test examples (null: all of that set).
    /// Asking for more than a set holds is a <see cref="DataException"/> that says how many there are.
    /// </summary>
    public DataSplit Limit(int? train, int? test)
    {
        var limitedTrain = train is int n ? Train.Take(n) : Train;
        var limitedTest = test is int m ? Test.Take(m) : Test;
        return ReferenceEquals(limitedTrain, Train) && ReferenceEquals(limitedTest, Test) ? this : new DataSplit(limitedTrain, limitedTest);
    }

    /// <summary>The two sets in a few words.</summary>
    public override string ToString() => $"{Train}; {Test}";
}
