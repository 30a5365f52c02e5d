namespace OnChip.Configuration;

/// <summary>
/// Settings of <c>onchip gdu</c>: the network, data and phase settings it shares with training (defaults: an
/// untrained 784-512-10 tanh network, MSE, β = 0.01, batch 20, as in Ernoult et al. 2019, for conv nets too), plus its own.
/// </summary>
internal sealed class GduConfig
{
    public TrainingConfig Shared { get; } = new() { Act = "tanh", Loss = "mse", Beta = 0.01f, Batch = 20 };
    public bool Symmetric { get; set; }
    public string? Model { get; set; }

    private static readonly string[] SharedKeys = ["data", "archi", "act", "loss", "beta", "t1", "t2", "batch", "init-scale", "input-gain", "seed", "threads", "out",
        "channels", "kernels", "pools", "paddings", "strides", "fc"];

    public static IReadOnlyList<ConfigKey<GduConfig>> Keys { get; } =
    [
        .. TrainingConfig.Keys.Where(k => SharedKeys.Contains(k.Name)).Select(k => k.For<GduConfig>(g => g.Shared)),
        new("symmetric", "also check symmetric nudging (±β)",
            (c, v) => c.Symmetric = ConfigParse.Bool("symmetric", v), c => c.Symmetric ? "true" : "false", isFlag: true),
        new("model", "a trained model file (model.onchip) to check, or the family of an untrained network (layered, conv, resistive) [default: layered]",
            (c, v) => c.Model = v, c => c.Model),
    ];
}
