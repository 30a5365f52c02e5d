using System.ComponentModel;
using System.Diagnostics;

namespace OnChip.Tests.Reports;

/// <summary>
/// Runs Debian's Chromium headless on a local HTML file: dump the DOM after the page's scripts ran, or take a
/// screenshot. A fresh profile directory per run; the browser's process tree is killed if it outlives the call.
/// </summary>
internal static class HeadlessChromium
{
    public static readonly TimeSpan Timeout = TimeSpan.FromSeconds(180);

    /// <summary>The browser to use: $ONCHIP_CHROMIUM, else the first of chromium / chromium-browser found on PATH.</summary>
    public static string? Find()
    {
        if (Environment.GetEnvironmentVariable("ONCHIP_CHROMIUM") is { Length: > 0 } configured) return File.Exists(configured) ? configured : null;
        var path = (Environment.GetEnvironmentVariable("PATH") ?? "").Split(':', StringSplitOptions.RemoveEmptyEntries);
        return new[] { "/usr/bin/chromium" }
            .Concat(path.SelectMany(dir => new[] { Path.Combine(dir, "chromium"), Path.Combine(dir, "chromium-browser") }))
            .FirstOrDefault(File.Exists);
    }

    public static string Require() => Find() ?? throw new Xunit.Sdk.XunitException(
        "Chromium is needed to test the HTML reports and was not found (/usr/bin/chromium): install it with " +
        "`sudo apt-get install -y chromium` (scripts/test.sh does so when it is missing), or set ONCHIP_CHROMIUM.");

    /// <summary>The DOM after the page's scripts ran (up to 10 s of virtual time).</summary>
    public static string DumpDom(string htmlPath) => Run(htmlPath, ["--dump-dom"]).Stdout;

    /// <summary>Renders the page into <paramref name="pngPath"/>.</summary>
    public static void Screenshot(string htmlPath, string pngPath, int width = 1400, int height = 3000) =>
        Run(htmlPath, [$"--screenshot={pngPath}", $"--window-size={width},{height}", "--hide-scrollbars"]);

    private static (string Stdout, string Stderr) Run(string htmlPath, string[] extra)
    {
        string browser = Require();
        string profile = Directory.CreateTempSubdirectory("onchip-chromium-").FullName;
        var info = new ProcessStartInfo(browser)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        foreach (var arg in new[]
                 {
                     "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-dev-shm-usage",
                     "--disable-background-networking", "--disable-component-update", "--disable-sync", "--mute-audio",
                     $"--user-data-dir={profile}", "--virtual-time-budget=10000",
                 }.Concat(extra))
            info.ArgumentList.Add(arg);
        info.ArgumentList.Add(new Uri(Path.GetFullPath(htmlPath)).AbsoluteUri);

        Process process;
        try { process = Process.Start(info) ?? throw new InvalidOperationException($"{browser} did not start"); }
        catch (Win32Exception e) { throw new Xunit.Sdk.XunitException($"cannot start {browser}: {e.Message}"); }
        try
        {
            var stdout = process.StandardOutput.ReadToEndAsync();
            var stderr = process.StandardError.ReadToEndAsync();
            if (!process.WaitForExit(Timeout))
                throw new Xunit.Sdk.XunitException($"{browser} did not finish within {Timeout.TotalSeconds} s");
            process.WaitForExit(); // drain the redirected streams
            if (process.ExitCode != 0)
                throw new Xunit.Sdk.XunitException($"{browser} exited with code {process.ExitCode}: {Tail(stderr.Result)}");
            return (stdout.Result, stderr.Result);
        }
        finally
        {
            try { if (!process.HasExited) process.Kill(entireProcessTree: true); }
            catch (InvalidOperationException) { }
            process.Dispose();
            try { Directory.Delete(profile, recursive: true); } catch (IOException) { } catch (UnauthorizedAccessException) { }
        }
    }

    private static string Tail(string text) => text.Length > 2000 ? text[^2000..] : text;
}
