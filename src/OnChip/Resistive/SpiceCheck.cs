using System.Diagnostics;
using System.Globalization;

namespace OnChip.Resistive;

/// <summary>How SPICE's DC operating point compares with OnChip's free equilibrium for one example.</summary>
internal sealed record SpiceComparison(double MaxDifference, string WorstNode, double InputScale, int OnChipClass, int SpiceClass, int Nodes)
{
    /// <summary>The largest node difference as a fraction of the input voltage scale (at least 1 mV, for an all-zero input).</summary>
    public double RelativeDifference => MaxDifference / Math.Max(InputScale, 1e-3);
}

/// <summary>Runs <c>ngspice -b</c> on a netlist and compares the operating point with OnChip's (the referee for the simulator).</summary>
internal static class SpiceCheck
{
    /// <summary>ngspice on PATH, or null.</summary>
    public static string? FindNgspice() => ExecutableSearch.OnPath("ngspice");

    /// <summary>Node voltages of the DC operating point of <paramref name="netlist"/>, by lower-case node name.</summary>
    public static Dictionary<string, double> OperatingPoint(string netlist, TimeSpan? timeout = null)
    {
        string ngspice = FindNgspice() ?? throw new UserFacingException("the SPICE check needs ngspice on PATH (Debian: apt-get install ngspice)");
        var info = new ProcessStartInfo(ngspice) { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        info.ArgumentList.Add("-b");
        info.ArgumentList.Add(Path.GetFullPath(netlist));
        using var process = Process.Start(info) ?? throw new UserFacingException("could not start ngspice");
        var error = process.StandardError.ReadToEndAsync();
        var output = process.StandardOutput.ReadToEndAsync();
        var limit = timeout ?? TimeSpan.FromMinutes(30);
        if (!process.WaitForExit(limit))
        {
            process.Kill(entireProcessTree: true);
            throw new UserFacingException($"{netlist}: ngspice did not finish within {limit.TotalMinutes:G3} minutes");
        }
        var voltages = Parse(output.Result);
        if (voltages.Count == 0)
            throw new UserFacingException($"{netlist}: ngspice printed no operating point (exit code {process.ExitCode}): {Last(error.Result + output.Result)}");
        return voltages;
    }

    /// <summary>The "Node  Voltage" table ngspice prints for <c>.op</c> in batch mode.</summary>
    public static Dictionary<string, double> Parse(string output)
    {
        var result = new Dictionary<string, double>();
        bool inTable = false;
        foreach (var raw in output.Split('\n'))
        {
            var line = raw.Trim();
            if (line.StartsWith("Node", StringComparison.Ordinal) && line.Contains("Voltage", StringComparison.Ordinal)) { inTable = true; continue; }
            if (!inTable) continue;
            if (line.Length == 0) { if (result.Count > 0) break; continue; }
            if (line.StartsWith("--", StringComparison.Ordinal)) continue;
            var parts = line.Split((char[]?)null, StringSplitOptions.RemoveEmptyEntries);
            if (parts.Length == 2 && double.TryParse(parts[1], NumberStyles.Float, CultureInfo.InvariantCulture, out double v)) result[parts[0].ToLowerInvariant()] = v;
        }
        return result;
    }

    /// <summary>Compares SPICE's node voltages with OnChip's state; the class is the output node with the highest voltage.</summary>
    public static SpiceComparison Compare(CircuitState state, IReadOnlyDictionary<string, double> spice)
    {
        double worst = 0;
        string worstNode = "";
        int layers = state.Voltages.Length, count = 0;
        foreach (var (node, voltage) in SpiceNetlist.Nodes(state))
        {
            if (!spice.TryGetValue(node.ToLowerInvariant(), out double v))
                throw new UserFacingException($"ngspice's operating point has no node {node}");
            double d = Math.Abs(v - voltage);
            count++;
            if (d > worst) (worst, worstNode) = (d, node);
        }
        var outputs = Enumerable.Range(0, state.Voltages[^1].Length).Select(j => spice[SpiceNetlist.NodeName(layers - 1, j, layers).ToLowerInvariant()]).ToArray();
        int spiceClass = Array.IndexOf(outputs, outputs.Max());
        return new SpiceComparison(worst, worstNode, state.InputScale, state.Predicted, spiceClass, count);
    }

    private static string Last(string text)
    {
        var lines = text.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
        return lines.Length == 0 ? "(no output)" : string.Join(" / ", lines.TakeLast(3));
    }
}
