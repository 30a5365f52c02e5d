namespace OnChip;

/// <summary>How an estimated gradient becomes a requested weight change: the optimizer and its learning rates.</summary>
public sealed class Optim : Settings
{
    private Optim() { }

    /// <summary>Adam (β1 0.9, β2 0.999); one rate, or one per synaptic layer.</summary>
    public static Optim Adam(params float[] learningRates) => Make("adam", learningRates, null);

    /// <summary>Stochastic gradient descent with optional momentum; one rate, or one per synaptic layer.</summary>
    public static Optim Sgd(float[] learningRates, float momentum = 0f) => Make("sgd", learningRates, momentum);

    /// <summary>Stochastic gradient descent with one rate for every layer.</summary>
    public static Optim Sgd(float learningRate, float momentum = 0f) => Make("sgd", [learningRate], momentum);

    /// <summary>A copy with one more option, by its <c>onchip train</c> name (e.g. <c>With("lr-decay", 0.99f)</c>, <c>With("cosine", true)</c>).</summary>
    public Optim With(string option, object value) => (Optim)CopyWith(option, value);

    private static Optim Make(string name, float[] rates, float? momentum)
    {
        var optim = new Optim();
        optim.Add("optim", name);
        if (rates.Length > 0) optim.Add("lr", rates);
        optim.Add("momentum", momentum);
        return optim;
    }
}
