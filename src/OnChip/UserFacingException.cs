namespace OnChip;

/// <summary>
/// An error caused by the user's input (options, files, data) rather than by a bug. Its message is one line meant
/// to be printed as is, without a stack trace.
/// </summary>
public class UserFacingException(string message, Exception? inner = null) : Exception(message, inner);
