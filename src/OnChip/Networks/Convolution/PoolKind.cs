namespace OnChip.Networks.Convolution;

/// <summary>
/// Pooling after a convolution, as in Laborieux et al. 2021: 2×2 windows with stride 2 ('m' max, 'a' average,
/// 's' softmax: the softmax-weighted average Σ z·e^{z/T} / Σ e^{z/T} of Laborieux &amp; Zenke 2022, holomorphic),
/// or none ('i', identity). Written as one letter per conv layer on the command line (--pools mm).
/// </summary>
internal enum PoolKind
{
    Max,
    Average,
    None,
    Softmax,
}

internal static class PoolKinds
{
    public const string Letters = "mais";

    public static PoolKind Parse(char letter) => letter switch
    {
        'm' => PoolKind.Max,
        'a' => PoolKind.Average,
        'i' => PoolKind.None,
        's' => PoolKind.Softmax,
        _ => throw new ArgumentException($"unknown pool '{letter}' (expected m = 2x2 max, a = 2x2 average, s = 2x2 softmax, i = none)"),
    };

    public static char Letter(PoolKind kind) => kind switch
    {
        PoolKind.Max => 'm',
        PoolKind.Average => 'a',
        PoolKind.Softmax => 's',
        _ => 'i',
    };
}
