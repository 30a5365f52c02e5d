using System.CommandLine;
using OnChip.Cli.Commands;
using OnChip.Tests.Reports;

namespace OnChip.Tests.Cli;

/// <summary><c>onchip report</c>, invoked through its own command (as the real root command will).</summary>
public class ReportCommandTests : IDisposable
{
    private readonly ReportTestRuns _runs = new();
    public void Dispose() => _runs.Dispose();

    private static (int Code, string Out, string Err) Run(params string[] args)
    {
        var output = new StringWriter();
        var error = new StringWriter();
        var root = new RootCommand { ReportCommand.Create(output, error) };
        int code = root.Parse(["report", .. args]).Invoke(new InvocationConfiguration { Output = output, Error = error });
        return (code, output.ToString(), error.ToString());
    }

    [Fact]
    public void Report_of_two_runs_is_written_with_warnings_for_bad_lines()
    {
        string a = _runs.TrainRun("a", "ep");
        string b = _runs.SyntheticRun("b", filters: 4);
        string html = _runs.Dir("r.html");
        var (code, output, error) = Run(a, b, "-o", html, "--title", "My runs");
        Assert.True(code == 0, error);
        Assert.Contains("report of 2 run(s) (a, b)", output);
        Assert.Contains("4 filter image(s)", output);
        Assert.Contains($"written {html}", output);
        Assert.StartsWith("warning: ", error);
        Assert.Contains("line 5", error);
        Assert.Single(error.Trim().Split('\n'));
        string text = File.ReadAllText(html);
        Assert.Contains("<title>My runs</title>", text);
        Assert.Contains("<h2>Learning curves</h2>", text);
    }

    [Fact]
    public void Missing_run_directory_is_one_line_and_a_nonzero_exit()
    {
        string html = _runs.Dir("r.html");
        var (code, _, error) = Run(_runs.Dir("nope"), "-o", html);
        Assert.NotEqual(0, code);
        Assert.StartsWith("error: ", error);
        Assert.Contains("nope: run directory not found", error);
        Assert.Single(error.Trim().Split('\n'));
        Assert.False(File.Exists(html));
    }

    [Fact]
    public void At_least_one_run_directory_is_required()
    {
        var (code, _, error) = Run("-o", _runs.Dir("r.html"));
        Assert.NotEqual(0, code);
        Assert.Contains("Required argument missing", error);
    }
}
