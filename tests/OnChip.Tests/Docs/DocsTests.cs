using System.CommandLine;
using System.CommandLine.Help;
using System.Globalization;
using System.Reflection;
using System.Text.RegularExpressions;

namespace OnChip.Tests.Docs;

/// <summary>
/// The manual (README.md and docs/*.md) against the repository and the command line: every relative link resolves
/// (file and heading anchor), every option of every <c>onchip</c> command is documented, and the README's library
/// example is code that compiles and runs.
/// </summary>
public partial class DocsTests
{
    private static readonly string Root = FindRoot();

    /// <summary>The repository root: the first directory above the test's base directory that holds OnChip.slnx.</summary>
    private static string FindRoot()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
            if (File.Exists(Path.Combine(dir.FullName, "OnChip.slnx"))) return dir.FullName;
        throw new InvalidOperationException($"no OnChip.slnx above {AppContext.BaseDirectory}");
    }

    /// <summary>README.md and every Markdown page of docs/ (not its subfolders).</summary>
    private static IReadOnlyList<string> Pages() =>
        [Path.Combine(Root, "README.md"), .. Directory.GetFiles(Path.Combine(Root, "docs"), "*.md").Order(StringComparer.Ordinal)];

    private static string Relative(string path) => Path.GetRelativePath(Root, path).Replace('\\', '/');

    // ---------------------------------------------------------------- Markdown: text outside code, headings, links

    /// <summary>The page's lines outside fenced code blocks (``` or ~~~), with their 1-based line numbers.</summary>
    private static IEnumerable<(int Number, string Text)> ProseLines(string markdown)
    {
        string? fence = null;
        var lines = markdown.Split('\n');
        for (int i = 0; i < lines.Length; i++)
        {
            string line = lines[i].TrimEnd('\r');
            string trimmed = line.TrimStart();
            if (fence is null && (trimmed.StartsWith("```", StringComparison.Ordinal) || trimmed.StartsWith("~~~", StringComparison.Ordinal)))
            {
                fence = trimmed[..3];
                continue;
            }
            if (fence is not null)
            {
                if (trimmed.StartsWith(fence, StringComparison.Ordinal)) fence = null;
                continue;
            }
            yield return (i + 1, line);
        }
    }

    [GeneratedRegex(@"^ {0,3}(#{1,6})\s+(.*?)\s*#*\s*$")]
    private static partial Regex AtxHeading();

    [GeneratedRegex(@"`+[^`]*`+")]
    private static partial Regex CodeSpan();

    [GeneratedRegex(@"!?\[(?<text>(?:[^\[\]]|\[[^\[\]]*\])*)\]\((?<target><[^>]*>|[^)\s]+)(?:\s+""[^""]*"")?\)")]
    private static partial Regex InlineLink();

    [GeneratedRegex(@"[^\p{L}\p{Mn}\p{Nd}\p{Pc} -]")]
    private static partial Regex SlugDropped();

    /// <summary>
    /// GitHub's anchor for a heading: the heading's text as rendered (code spans keep their content, links their
    /// text, emphasis markers go), lowercased, every character other than a letter, digit, '-', '_' or space
    /// dropped, spaces turned into '-'.
    /// </summary>
    public static string Slug(string heading)
    {
        string text = InlineLink().Replace(heading, m => m.Groups["text"].Value);
        text = text.Replace("`", "").Replace("*", "");
        text = SlugDropped().Replace(text.ToLowerInvariant(), "");
        return text.Replace(' ', '-');
    }

    /// <summary>Every anchor a page's headings generate; repeated slugs get -1, -2, … as on GitHub.</summary>
    public static IReadOnlySet<string> Anchors(string markdown)
    {
        var anchors = new HashSet<string>(StringComparer.Ordinal);
        var seen = new Dictionary<string, int>(StringComparer.Ordinal);
        foreach (var (_, line) in ProseLines(markdown))
        {
            var m = AtxHeading().Match(line);
            if (!m.Success) continue;
            string slug = Slug(m.Groups[2].Value);
            if (seen.TryGetValue(slug, out int n))
            {
                seen[slug] = n + 1;
                slug = $"{slug}-{n + 1}";
            }
            else seen[slug] = 0;
            anchors.Add(slug);
        }
        return anchors;
    }

    /// <summary>The targets of inline links and images outside code (fenced blocks and code spans).</summary>
    private static IEnumerable<(int Line, string Target)> Links(string markdown)
    {
        foreach (var (number, line) in ProseLines(markdown))
        {
            // Code spans may hold brackets; keep the link around them (its text is not checked).
            string prose = CodeSpan().Replace(line, "code");
            foreach (Match m in InlineLink().Matches(prose))
                yield return (number, m.Groups["target"].Value.Trim('<', '>'));
        }
    }

    [Fact]
    public void Slugs_follow_GitHubs_rules()
    {
        Assert.Equal("onchip-sweep-spec---out-dir", Slug("`onchip sweep SPEC --out DIR`"));
        Assert.Equal("in-situ-backprop-on-ec-ram-progressive-gradient-descent", Slug("In-situ backprop on EC-RAM (progressive gradient descent)"));
        Assert.Equal("conv-nets-how-the-91-recipe-was-found-2026-11-23", Slug("Conv nets: how the 91% recipe was found (2026-11-23)"));
        Assert.Equal("configyaml", Slug("config.yaml"));
        Assert.Equal("snake_case-stays", Slug("snake_case stays"));
        Assert.Equal(new HashSet<string> { "a", "a-1", "a-2", "b" }, Anchors("# A\n## A\n```\n# not a heading\n```\n### A\n# B\n"));
    }

    [Fact]
    public void Every_relative_link_resolves_to_a_file_and_a_heading()
    {
        var problems = new List<string>();
        var anchorCache = new Dictionary<string, IReadOnlySet<string>>();
        IReadOnlySet<string> AnchorsOf(string file) =>
            anchorCache.TryGetValue(file, out var a) ? a : anchorCache[file] = Anchors(File.ReadAllText(file));

        int checkedLinks = 0;
        foreach (string page in Pages())
        {
            foreach (var (line, raw) in Links(File.ReadAllText(page)))
            {
                if (Regex.IsMatch(raw, "^[a-zA-Z][a-zA-Z0-9+.-]*:") || raw.StartsWith("//", StringComparison.Ordinal)) continue;  // http:, https:, mailto:
                checkedLinks++;
                string where = $"{Relative(page)}:{line}: ({raw})";
                int hash = raw.IndexOf('#');
                string pathPart = Uri.UnescapeDataString(hash < 0 ? raw : raw[..hash]);
                string? fragment = hash < 0 ? null : Uri.UnescapeDataString(raw[(hash + 1)..]);
                string target = pathPart.Length == 0 ? page : Path.GetFullPath(Path.Combine(Path.GetDirectoryName(page)!, pathPart));
                if (!(target + Path.DirectorySeparatorChar).StartsWith(Root + Path.DirectorySeparatorChar, StringComparison.Ordinal))
                {
                    problems.Add($"{where} points outside the repository");
                    continue;
                }
                if (!File.Exists(target) && !Directory.Exists(target))
                {
                    problems.Add($"{where} {Relative(target)} does not exist");
                    continue;
                }
                if (fragment is null) continue;
                if (!target.EndsWith(".md", StringComparison.OrdinalIgnoreCase) || !File.Exists(target))
                {
                    problems.Add($"{where} has a #fragment but {Relative(target)} is not a Markdown file");
                    continue;
                }
                if (!AnchorsOf(target).Contains(fragment))
                    problems.Add($"{where} no heading of {Relative(target)} generates #{fragment}");
            }
        }
        Assert.True(checkedLinks > 100, $"only {checkedLinks} relative links found: is the link parser broken?");
        Assert.True(problems.Count == 0, $"{problems.Count} broken link(s):\n" + string.Join("\n", problems));
    }

    // ---------------------------------------------------------------- every CLI option is documented

    /// <summary>
    /// The command tree the CLI builds. Program.Run builds the root command "onchip" as a local and adds one
    /// subcommand per class of OnChip.Cli.Commands (each a public static Create(TextWriter, TextWriter)); the root is
    /// not reachable from outside, so the test finds those factories by reflection and checks them against the
    /// command list of the real <c>onchip --help</c>: a command added to Program.Run some other way fails here.
    /// </summary>
    private static IReadOnlyList<Command> TopLevelCommands()
    {
        var factories = typeof(OnChip.Cli.Program).Assembly.GetTypes()
            .Where(t => t.Namespace == "OnChip.Cli.Commands")
            .Select(t => t.GetMethod("Create", BindingFlags.Public | BindingFlags.Static, [typeof(TextWriter), typeof(TextWriter)]))
            .Where(m => m is not null && typeof(Command).IsAssignableFrom(m.ReturnType))
            .Select(m => (Command)m!.Invoke(null, [TextWriter.Null, TextWriter.Null])!)
            .ToList();

        var help = new StringWriter();
        Assert.Equal(0, OnChip.Cli.Program.Run(["--help"], help, new StringWriter()));
        string text = help.ToString();
        int start = text.IndexOf("Commands:", StringComparison.Ordinal);
        Assert.True(start >= 0, "onchip --help lists no commands:\n" + text);
        var listed = text[start..].Split('\n').Skip(1)
            .TakeWhile(l => l.StartsWith("  ", StringComparison.Ordinal))
            .Select(l => l.Trim().Split(' ', 2)[0])
            .Where(n => n.Length > 0)
            .ToHashSet(StringComparer.Ordinal);

        var top = factories.Where(c => listed.Contains(c.Name)).GroupBy(c => c.Name).Select(g => g.First()).ToList();
        var missing = listed.Except(top.Select(c => c.Name)).ToList();
        Assert.True(missing.Count == 0, $"onchip --help lists {string.Join(", ", missing)}, which no OnChip.Cli.Commands.*.Create builds; teach DocsTests where it comes from");
        return top;
    }

    /// <summary>Every command with its full name ("onchip rbm train"), depth first.</summary>
    private static IEnumerable<(string Path, Command Command)> Walk(string prefix, Command command)
    {
        string path = prefix + " " + command.Name;
        yield return (path, command);
        foreach (var sub in command.Subcommands)
            foreach (var item in Walk(path, sub)) yield return item;
    }

    /// <summary>
    /// Every option of every command and subcommand, each name and alias (<c>--out</c> and <c>-o</c>), must appear
    /// on a page of the manual that also names the command (e.g. <c>--chains</c> on a page that says
    /// "onchip rbm figure"). Left out: hidden options (today <c>--update-order</c>, the former name of
    /// <c>--schedule</c>, which the manual mentions anyway) and the built-in help and version options.
    /// </summary>
    [Fact]
    public void Every_option_of_every_command_is_documented()
    {
        var pages = Pages().Select(p => (Name: Relative(p), Text: File.ReadAllText(p))).ToList();
        var problems = new List<string>();
        int options = 0;
        foreach (var top in TopLevelCommands())
        {
            foreach (var (path, command) in Walk("onchip", top))
            {
                var namingPages = pages.Where(p => p.Text.Contains(path, StringComparison.Ordinal)).ToList();
                if (namingPages.Count == 0) problems.Add($"`{path}`: no page of the manual names the command");
                foreach (var option in command.Options)
                {
                    if (option.Hidden || option is HelpOption or VersionOption) continue;
                    foreach (string name in new[] { option.Name }.Concat(option.Aliases))
                    {
                        options++;
                        var token = new Regex($@"(?<![\w-]){Regex.Escape(name)}(?![\w-])");
                        if (!namingPages.Any(p => token.IsMatch(p.Text)))
                            problems.Add($"`{path} {name}`: not on any page that names `{path}`" +
                                         (pages.Any(p => token.IsMatch(p.Text)) ? " (it appears elsewhere)" : ""));
                    }
                }
            }
        }
        Assert.True(options > 150, $"only {options} option names found: is the command tree walked?");
        Assert.True(problems.Count == 0, $"{problems.Count} undocumented option(s):\n" + string.Join("\n", problems));
    }

    // ---------------------------------------------------------------- the README

    [Fact]
    public void Readme_stays_short()
    {
        long bytes = new FileInfo(Path.Combine(Root, "README.md")).Length;
        Assert.True(bytes <= 15_000, $"README.md is {bytes} bytes; the manual's detail belongs in docs/ (limit 15,000)");
    }

    [Fact]
    public void Readme_keeps_its_two_commands_at_the_top()
    {
        string readme = File.ReadAllText(Path.Combine(Root, "README.md"));
        int train = readme.IndexOf("./onchip train        # 1. the main job", StringComparison.Ordinal);
        int test = readme.IndexOf("./scripts/test.sh     # 2. the whole test suite", StringComparison.Ordinal);
        Assert.True(train >= 0 && test > train, "the README's Start here block lost its two commands");
        Assert.True(train < 1500, "the two commands are no longer at the top of the README");
        Assert.True(File.Exists(Path.Combine(Root, "onchip")) && File.Exists(Path.Combine(Root, "scripts", "test.sh")));
    }

    private static IEnumerable<string> CodeLines(IEnumerable<string> lines) =>
        lines.Select(l => l.Trim()).Where(l => l.Length > 0);

    [Fact]
    public void Readme_library_example_is_the_quick_start_sample()
    {
        // The sample is built without access to OnChip's internals and run by SamplesTests: the README shows it verbatim.
        string readme = File.ReadAllText(Path.Combine(Root, "README.md"));
        var block = Regex.Match(readme, "```csharp\n(.*?)```", RegexOptions.Singleline);
        Assert.True(block.Success, "README.md has no ```csharp block");
        string sample = File.ReadAllText(Path.Combine(Root, "samples", "QuickStart", "Program.cs"));
        Assert.Equal(CodeLines(sample.Split('\n')).ToList(), CodeLines(block.Groups[1].Value.Split('\n')).ToList());
    }
}
