namespace OnChip;

/// <summary>
/// Which network to train: a model family and its shape. Settings left out take the family's defaults (those of
/// <c>onchip train --model NAME</c>); <see cref="With"/> sets any other model option (e.g. <c>"schedule"</c>).
/// </summary>
public sealed class Model : Settings
{
    private Model(string family) => Add("model", family);

    /// <summary>A layered Hopfield network (Scellier &amp; Bengio 2017), e.g. <c>"784-512-10"</c>.</summary>
    /// <param name="archi">Layer sizes from input to output.</param>
    /// <param name="activation">Neuron activation (<c>mysig</c>, <c>hard-sig</c>, …); null: the family's default.</param>
    /// <param name="loss"><c>mse</c> (output in the dynamics) or <c>ce</c> (softmax readout); null: the family's default.</param>
    public static Model Layered(string archi = "784-512-10", string? activation = null, string? loss = null) =>
        new Model("layered").Shape(archi, activation, loss);

    /// <summary>
    /// A convolutional Hopfield network (Laborieux et al. 2021). Every argument left null takes the defaults of
    /// <c>--model conv</c>, the recipe that reaches 91% on Fashion-MNIST.
    /// </summary>
    /// <param name="channels">Channels per conv layer, e.g. <c>"32-64"</c>.</param>
    /// <param name="kernels">Kernel sizes, e.g. <c>"5-5"</c>.</param>
    /// <param name="pools">One pool per conv layer: <c>m</c> max, <c>a</c> average, <c>i</c> identity.</param>
    /// <param name="fc">Fully connected sizes after the conv layers, ending with the classes, e.g. <c>"10"</c>.</param>
    public static Model Convolutional(string? channels = null, string? kernels = null, string? pools = null, string? fc = null)
    {
        var model = new Model("conv");
        model.Add("channels", channels);
        model.Add("kernels", kernels);
        model.Add("pools", pools);
        model.Add("fc", fc);
        return model;
    }

    /// <summary>
    /// A deep resistive network (Kendall et al. 2020; Scellier 2024): conductances are the weights, diodes the
    /// nonlinearity; the input is applied twice, as ±<paramref name="inputGain"/>·x voltage sources.
    /// </summary>
    public static Model Resistive(string archi = "784-1024-10", float inputGain = 300f)
    {
        var model = new Model("resistive").Shape(archi, null, null);
        model.Add("input-gain", inputGain);
        return model;
    }

    /// <summary>A feed-forward network trained by backprop (or progressive backprop, for in-situ EC-RAM studies).</summary>
    public static Model FeedForward(string archi = "784-512-10", string? activation = null, string? loss = null) =>
        new Model("feedforward").Shape(archi, activation, loss);

    /// <summary>A copy with one more option, by its <c>onchip train</c> name (e.g. <c>With("schedule", "async")</c>).</summary>
    public Model With(string option, object value) => (Model)CopyWith(option, value);

    private Model Shape(string archi, string? activation, string? loss)
    {
        Add("archi", archi);
        Add("act", activation);
        Add("loss", loss);
        return this;
    }
}
