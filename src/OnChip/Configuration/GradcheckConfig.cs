namespace OnChip.Configuration;

/// <summary>
/// Settings of <c>onchip gradcheck</c>: the network, data, rule and phase settings it shares with training (defaults:
/// an untrained 784-512-10 network, rule ep for every model, long phases so the free state converges, batch 20), a list of
/// β, and its own.
/// </summary>
internal sealed class GradcheckConfig
{
    public TrainingConfig Shared { get; } = new() { Rule = "ep", T1 = 200, T2 = 100, Batch = 20 };
    public float[] Betas { get; set; } = [0.2f, 0.1f, 0.05f, 0.025f];
    public string? Model { get; set; }
    /// <summary>Adjoint steps of the recurrent backprop that gives the exact gradient.</summary>
    public int ExactSteps { get; set; } = 300;

    private static readonly string[] SharedKeys = ["data", "archi", "act", "loss", "rule", "points", "t1", "t2", "batch", "init-scale", "input-gain", "seed", "threads", "out",
        "schedule", "nudged-schedule", "channels", "kernels", "pools", "paddings", "strides", "fc"];

    public static IReadOnlyList<ConfigKey<GradcheckConfig>> Keys { get; } =
    [
        .. TrainingConfig.Keys.Where(k => SharedKeys.Contains(k.Name)).Select(k => k.For<GradcheckConfig>(g => g.Shared)),
        new("beta", "nudging strengths β > 0 to check, comma-separated (the bias-versus-β curve) [default: 0.2,0.1,0.05,0.025]",
            (c, v) => c.Betas = ConfigParse.FloatList("beta", v, 0f, exclusiveMin: true), c => string.Join(",", c.Betas.Select(b => b.ToString("R", System.Globalization.CultureInfo.InvariantCulture)))),
        new("model", "a trained model file (model.onchip) to check, or the family of an untrained network (layered, conv, resistive) [default: layered]",
            (c, v) => c.Model = v, c => c.Model),
        new("exact-steps", "adjoint steps of the recurrent backprop that gives the exact gradient at the free equilibrium",
            (c, v) => c.ExactSteps = ConfigParse.Int("exact-steps", v, 1), c => c.ExactSteps.ToString()),
    ];
}
