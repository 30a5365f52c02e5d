using System.Diagnostics;
using System.Globalization;
using System.Text.RegularExpressions;
using OnChip.Configuration;
using OnChip.Data;
using OnChip.Training;

namespace OnChip.Tests.Library;

/// <summary>
/// The samples are separate programs built against OnChip's public API only (no InternalsVisibleTo): the test
/// project references them so that they are built first, and runs each as a user would, with `dotnet`.
/// </summary>
public class SamplesTests
{
    private static readonly string Root = FindRoot();

    private static string FindRoot()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
            if (File.Exists(Path.Combine(dir.FullName, "OnChip.slnx"))) return dir.FullName;
        throw new InvalidOperationException($"no OnChip.slnx above {AppContext.BaseDirectory}");
    }

    /// <summary>Runs samples/NAME's build of this test run's configuration; returns its output.</summary>
    private static string RunSample(string name)
    {
        // The tests run from tests/OnChip.Tests/bin/CONFIGURATION/TFM/: the sample was built to the same place under samples/NAME.
        var testOutput = new DirectoryInfo(AppContext.BaseDirectory.TrimEnd(Path.DirectorySeparatorChar));
        string dll = Path.Combine(Root, "samples", name, "bin", testOutput.Parent!.Name, testOutput.Name, name + ".dll");
        Assert.True(File.Exists(dll), $"{dll} was not built (the test project references the sample so that it is)");
        var start = new ProcessStartInfo("dotnet") { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        start.ArgumentList.Add(dll);
        using var process = Process.Start(start)!;
        var stderr = process.StandardError.ReadToEndAsync();
        string stdout = process.StandardOutput.ReadToEnd();
        Assert.True(process.WaitForExit(TimeSpan.FromMinutes(5)), $"{name} did not finish in 5 minutes");
        Assert.True(process.ExitCode == 0, $"{name} exited with {process.ExitCode}:\n{stdout}\n{stderr.Result}");
        return stdout;
    }

    private static double Percent(Match m, string group) => double.Parse(m.Groups[group].Value, CultureInfo.InvariantCulture);

    [Fact]
    public void Quick_start_trains_the_default_network_and_its_saved_model_scores_the_same()
    {
        string printed = RunSample("QuickStart");
        var epoch = Regex.Match(printed, @"^epoch 1: test accuracy (?<acc>[0-9.]+)%\r?$", RegexOptions.Multiline);
        var saved = Regex.Match(printed, @"^saved model: test accuracy (?<acc>[0-9.]+)%\r?$", RegexOptions.Multiline);
        Assert.True(epoch.Success && saved.Success, "QuickStart printed:\n" + printed);
        Assert.Equal(Percent(epoch, "acc"), Percent(saved, "acc"));

        // The same run through the CLI's path (a TrainingConfig with the defaults of ./onchip train, one epoch) gives
        // the same accuracy: the objects mean exactly the settings their names say.
        using var trainer = new Trainer(new TrainingConfig { Epochs = 1 }, DatasetLoader.Load("embedded"));
        var metrics = Assert.Single(trainer.Run());
        Assert.Equal(Math.Round(100 * metrics.TestAccuracy, 2), Percent(epoch, "acc"));
    }

    [Fact]
    public void Device_sample_trains_on_ecram_and_reports_its_programming_cost()
    {
        string printed = RunSample("DeviceTraining");
        var lines = Regex.Matches(printed, @"^epoch (?<epoch>\d): test accuracy (?<acc>[0-9.]+)%, (?<pulses>[0-9,]+) pulses, (?<energy>[0-9.E+-]+) J\r?$", RegexOptions.Multiline);
        Assert.True(lines.Count == 2, "DeviceTraining printed:\n" + printed);
        foreach (Match line in lines)
        {
            Assert.True(long.Parse(line.Groups["pulses"].Value, NumberStyles.AllowThousands, CultureInfo.InvariantCulture) > 0, line.Value);
            Assert.True(double.Parse(line.Groups["energy"].Value, CultureInfo.InvariantCulture) > 0, line.Value);
        }
        Assert.True(Percent(lines[1], "acc") > 55, lines[1].Value);   // chance is 10%; it measured 70.0% (2 epochs on 3,000 images)
    }
}
