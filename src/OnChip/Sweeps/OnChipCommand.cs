using System.Diagnostics;

namespace OnChip.Sweeps;

/// <summary>
/// How a sweep starts the <c>onchip</c> command line for each run: an absolute argument vector (by default the
/// running .NET host and the CLI assembly, <c>/usr/lib/dotnet/dotnet /…/OnChip.Cli.dll</c>, so it works from
/// <c>./onchip</c>, from tests and on cluster nodes that share the filesystem), or a shell command given by the user
/// (<c>--onchip-command</c>), to which the arguments are appended.
/// </summary>
internal sealed class OnChipCommand
{
    private OnChipCommand(IReadOnlyList<string>? argv, string? shell) => (Argv, Shell) = (argv ?? [], shell);

    public IReadOnlyList<string> Argv { get; }
    public string? Shell { get; }

    public static OnChipCommand FromArgv(params string[] argv) =>
        argv.Length > 0 ? new(argv, null) : throw new ArgumentException("empty command");

    public static OnChipCommand FromShell(string command) =>
        string.IsNullOrWhiteSpace(command) ? throw new UserFacingException("--onchip-command: must not be empty")
        : command.Contains('\n') || command.Contains('\r') ? throw new UserFacingException("--onchip-command: must be one line")
        : new(null, command.Trim());

    /// <summary>
    /// The CLI whose assembly is <paramref name="cliAssembly"/>, started the way this process was: with the same .NET
    /// host when this process runs under <c>dotnet</c>, as the apphost when it is the apphost, otherwise through
    /// <c>dotnet</c> ($DOTNET_HOST_PATH, or found on PATH).
    /// </summary>
    public static OnChipCommand ForCli(string cliAssembly)
    {
        string dll = Path.GetFullPath(cliAssembly);
        string? host = Environment.ProcessPath;
        if (host is not null && Path.GetFileNameWithoutExtension(host).Equals("dotnet", StringComparison.OrdinalIgnoreCase))
            return new([Path.GetFullPath(host), dll], null);
        string apphost = Path.ChangeExtension(dll, null);
        if (host is not null && Path.GetFullPath(host) == apphost) return new([apphost], null);
        return new([FindDotnet(), dll], null);
    }

    private static string FindDotnet()
    {
        if (Environment.GetEnvironmentVariable("DOTNET_HOST_PATH") is { Length: > 0 } configured && File.Exists(configured)) return configured;
        return ExecutableSearch.OnPath("dotnet") ?? "dotnet";
    }

    /// <summary>A process running <c>onchip ARGS</c> (through /bin/sh for a shell command).</summary>
    public ProcessStartInfo StartInfo(IEnumerable<string> args)
    {
        ProcessStartInfo info;
        if (Shell is not null)
        {
            info = new ProcessStartInfo("/bin/sh");
            info.ArgumentList.Add("-c");
            info.ArgumentList.Add(Shell + " \"$@\"");
            info.ArgumentList.Add("onchip");
        }
        else
        {
            info = new ProcessStartInfo(Argv[0]);
            foreach (var a in Argv.Skip(1)) info.ArgumentList.Add(a);
        }
        foreach (var a in args) info.ArgumentList.Add(a);
        info.UseShellExecute = false;
        return info;
    }

    /// <summary>The command as shell words, for a script.</summary>
    public string ShellText => Shell ?? string.Join(" ", Argv.Select(Quote));

    /// <summary>What a user reads: the command with plain words unquoted.</summary>
    public override string ToString() => ShellText;

    /// <summary>A word for bash: unchanged when it holds only safe characters, single-quoted otherwise.</summary>
    public static string Quote(string word) =>
        word.Length > 0 && word.All(c => char.IsAsciiLetterOrDigit(c) || "-_./+=:,@%".Contains(c))
            ? word
            : "'" + word.Replace("'", "'\\''") + "'";
}
