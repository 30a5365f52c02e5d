namespace OnChip.Cli.Output;

/// <summary>Runs a command body and turns every failure into one line on stderr and a non-zero exit code.</summary>
internal static class CliErrors
{
    public const int UserError = 1;
    public const int Interrupted = 130;
    public const int InternalError = 70;

    public static int Guard(TextWriter error, Func<int> body)
    {
        try
        {
            return body();
        }
        catch (UserFacingException e)
        {
            error.WriteLine($"error: {e.Message}");
            return UserError;
        }
        catch (OutOfMemoryException)
        {
            error.WriteLine("error: out of memory (try a smaller --batch or --archi)");
            return UserError;
        }
        catch (Exception e)
        {
            error.WriteLine($"internal error: {e.GetType().Name}: {e.Message}");
            if (Environment.GetEnvironmentVariable("ONCHIP_DEBUG") == "1") error.WriteLine(e);
            else error.WriteLine("(set ONCHIP_DEBUG=1 to see the stack trace, and please report it)");
            return InternalError;
        }
    }
}
