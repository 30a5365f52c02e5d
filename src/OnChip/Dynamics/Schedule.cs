namespace OnChip.Dynamics;

/// <summary>
/// The order in which a relaxation step updates the state layers. A step updates every layer once; a phase updates
/// a set of layers that do not drive each other, all from the states as they were when the phase began.
/// <list type="bullet">
/// <item>Synchronous: one phase, every layer from the previous step's states (Ernoult 2019, Laborieux 2021).</item>
/// <item>Alternating ("async"): odd layers, then even layers from the new odd ones (Scellier et al. 2023): each half
/// moves a whole block of layers to its best response given the other block, which converges in far fewer steps.</item>
/// <item>Forward: layers 1, 2, …, N one after the other (a Gauss–Seidel sweep from the input).</item>
/// <item>Backward: layers N, …, 2, 1 (a sweep from the output).</item>
/// </list>
/// The schedule is a property of the dynamics, not of the energy: the equilibria are the same.
/// </summary>
internal enum Schedule
{
    Synchronous,
    Alternating,
    Forward,
    Backward,
}

internal static class Schedules
{
    public static IReadOnlyList<string> Names { get; } = ["sync", "async", "forward", "backward"];

    public static Schedule Parse(string name) => name switch
    {
        "sync" => Schedule.Synchronous,
        "async" => Schedule.Alternating,
        "forward" => Schedule.Forward,
        "backward" => Schedule.Backward,
        _ => throw new ArgumentException($"unknown schedule '{name}' (expected one of: {string.Join(", ", Names)})"),
    };

    public static string Name(Schedule schedule) => Names[(int)schedule];

    /// <summary>The phases of one step over state layers 1 … <paramref name="top"/>, in the order they run.</summary>
    public static int[][] Phases(Schedule schedule, int top)
    {
        int[] all = Enumerable.Range(1, top).ToArray();
        return schedule switch
        {
            Schedule.Synchronous => [all],
            Schedule.Alternating => new[] { all.Where(l => l % 2 == 1).ToArray(), all.Where(l => l % 2 == 0).ToArray() }.Where(p => p.Length > 0).ToArray(),
            Schedule.Forward => all.Select(l => new[] { l }).ToArray(),
            Schedule.Backward => all.Reverse().Select(l => new[] { l }).ToArray(),
            _ => throw new ArgumentOutOfRangeException(nameof(schedule)),
        };
    }
}
