using OnChip.Learning;

namespace OnChip;

/// <summary>
/// How the gradient is estimated: a learning rule and its phases. Settings left null take the model family's
/// defaults. <see cref="Names"/> lists every rule; docs/models-and-rules.md and docs/estimators.md say what each computes.
/// </summary>
public sealed class Rule : Settings
{
    private Rule() { }

    /// <summary>Every rule name <see cref="Named"/> accepts (the values of <c>--rule</c>).</summary>
    public static IReadOnlyList<string> Names => LearningRules.Names;

    /// <summary>Any rule by its <c>--rule</c> name, e.g. <c>"ep-symmetric"</c>, <c>"cpl-centered"</c>, <c>"hep"</c>, <c>"bptt"</c>.</summary>
    /// <param name="name">The rule.</param>
    /// <param name="beta">Nudging strength β (for hEP its modulus |β|).</param>
    /// <param name="freeSteps">Relaxation steps of the free phase (T1).</param>
    /// <param name="nudgedSteps">Relaxation steps of each nudged phase (T2).</param>
    public static Rule Named(string name, float? beta = null, int? freeSteps = null, int? nudgedSteps = null)
    {
        var rule = new Rule();
        rule.Add("rule", name);
        rule.Add("beta", beta);
        rule.Add("t1", freeSteps);
        rule.Add("t2", nudgedSteps);
        return rule;
    }

    /// <summary>Equilibrium propagation, one-sided (<c>ep</c>) or with the centred estimate of Laborieux et al. 2021 (<c>ep-symmetric</c>).</summary>
    public static Rule EquilibriumPropagation(float? beta = null, bool centered = false, int? freeSteps = null, int? nudgedSteps = null) =>
        Named(centered ? "ep-symmetric" : "ep", beta, freeSteps, nudgedSteps);

    /// <summary>Holomorphic EP (Laborieux &amp; Zenke 2022): <paramref name="points"/> complex nudges of modulus |β| on a circle.</summary>
    public static Rule Holomorphic(float beta, int points = 4, int? freeSteps = null, int? nudgedSteps = null)
    {
        var rule = Named("hep", beta, freeSteps, nudgedSteps);
        rule.Add("points", points);
        return rule;
    }

    /// <summary>Backpropagation through time over the last steps of the free phase: the baseline EP is compared with.</summary>
    public static Rule BackpropagationThroughTime(int? freeSteps = null, int? truncation = null)
    {
        var rule = Named("bptt", freeSteps: freeSteps);
        rule.Add("bptt-steps", truncation);
        return rule;
    }

    /// <summary>A copy with one more option, by its <c>onchip train</c> name (e.g. <c>With("state-noise", 0.04f)</c>).</summary>
    public Rule With(string option, object value) => (Rule)CopyWith(option, value);
}
