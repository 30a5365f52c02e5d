namespace OnChip.Dynamics;

/// <summary>
/// How a relaxation step updates the layers. Synchronous: every layer from the previous step's states (Ernoult
/// 2019, Laborieux 2021). Alternating: odd layers first, then even layers from the new odd ones (Scellier et al.
/// 2023): layers of one parity do not interact, so each half moves a whole block of layers to its best response given
/// the other block (exactly so for hard-sigmoid Hopfield energies), which converges in far fewer steps.
/// A step costs the same in both orders.
/// </summary>
public enum UpdateOrder
{
    Synchronous,
    Alternating,
}

public static class UpdateOrders
{
    public static IReadOnlyList<string> Names { get; } = ["sync", "async"];

    public static UpdateOrder Parse(string name) => name switch
    {
        "sync" => UpdateOrder.Synchronous,
        "async" => UpdateOrder.Alternating,
        _ => throw new ArgumentException($"unknown update order '{name}' (expected sync or async)"),
    };

    public static string Name(UpdateOrder order) => order == UpdateOrder.Alternating ? "async" : "sync";
}
