namespace OnChip.Data;

/// <summary>
/// A dataset could not be found, read or validated. The message is always a single line that names the file
/// (or directory, or dataset) and the problem, so a command-line front end can print it as is.
/// </summary>
/// <remarks>Not to be confused with <c>System.Data.DataException</c>; OnChip never imports <c>System.Data</c>.</remarks>
public sealed class DataException : UserFacingException
{
    /// <summary>A data error with its message.</summary>
    public DataException(string message) : base(OneLine(message)) { }

    /// <summary>A data error with its message and cause.</summary>
    public DataException(string message, Exception innerException) : base(OneLine(message), innerException) { }

    /// <summary>Collapses line breaks (including any inside quoted inner messages) into single spaces.</summary>
    internal static string OneLine(string text)
    {
        if (text.AsSpan().IndexOfAny('\r', '\n') < 0) return text;
        return string.Join(' ', text.Split(['\r', '\n'], StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries));
    }
}
