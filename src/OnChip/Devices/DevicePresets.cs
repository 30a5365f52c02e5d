using OnChip.Configuration;

namespace OnChip.Devices;

/// <summary>
/// Named device presets: parameter sets from the literature, as data. Step-model values are the fits published in
/// IBM's analog hardware kit (aihwkit presets); NeuroSim values are the MLP+NeuroSim device table; Ernoult's are
/// from Ernoult, Grollier &amp; Querlioz 2019. Energies are order-of-magnitude assumptions unless cited.
/// </summary>
internal static class DevicePresets
{
    public const string Ideal = "ideal";

    private static readonly Dictionary<string, Func<DeviceSpec>> Table = new()
    {
        ["ecram"] = () => new DeviceSpec
        {
            Name = "ecram", Model = "linear-step", DwMin = 0.002f, WMin = -0.8276f, WMax = 1.1724f, GammaUp = 0.1153f, GammaDown = 0.5085f,
            DwDtod = 0.1f, UpDownDtod = 0.01f, BoundsDtod = 0.05f, GammaDtod = 0.05f, C2c = 0.3f, PulseEnergy = 1e-11f,
            Citation = "Li-based EC-RAM, Tang et al., IEDM 2018 (LinearStep fit of aihwkit's EcRamPresetDevice); <10 pJ per switch: van de Burgt et al., Nat. Mater. 2017",
        },
        ["ecram-mo"] = () => new DeviceSpec
        {
            Name = "ecram-mo", Model = "linear-step", DwMin = 2.8214e-4f, WMin = -0.8286f, WMax = 1.1714f, GammaUp = 0.4152f, GammaDown = 0.7342f,
            DwDtod = 0.1f, UpDownDtod = 0.01f, BoundsDtod = 0.05f, GammaDtod = 0.05f, C2c = 2.0f,
            Citation = "metal-oxide EC-RAM, Kim et al., IEDM 2019 (aihwkit EcRamMOPresetDevice)",
        },
        ["capacitor"] = () => new DeviceSpec
        {
            Name = "capacitor", Model = "linear-step", DwMin = 0.005f, WMin = -1f, WMax = 1f, GammaUp = 0.05f, GammaDown = 0.05f,
            DwDtod = 0.1f, UpDownDtod = 0.06f, BoundsDtod = 0.07f, GammaDtod = 0.01f, C2c = 0.3f,
            Citation = "capacitor-based cell, Li et al., VLSI 2018 (aihwkit CapacitorPresetDevice; leakage not modelled)",
        },
        ["reram-es"] = () => new DeviceSpec
        {
            Name = "reram-es", Model = "exp-step", DwMin = 0.00135f, UpDown = 0.259359f, WMin = -1f, WMax = 1f, EsA = -0.5f, EsB = -0.5f,
            GammaUp = 5f, GammaDown = 5f, AUp = -1.18445f, ADown = -0.081404f, DwDtod = 0.2f, UpDownDtod = 0.05f, BoundsDtod = 0.3f, C2c = 5.0f,
            Citation = "ReRAM, Gong et al., Nat. Commun. 2018 (ExpStep fit of aihwkit's ReRamESPresetDevice; c2c is its dw_min_std)",
        },
        ["pcm"] = () => new DeviceSpec
        {
            Name = "pcm", Model = "exp-step", Pair = PairMode.OneSided, DwMin = 0.01f, WMin = 0f, WMax = 2f, EsA = -1f, EsB = 0f,
            GammaUp = 2.5f, GammaDown = 2.5f, AUp = -27.235f, ADown = -2.235f, DwDtod = 0.2f, UpDownDtod = 0.05f, BoundsDtod = 0.1f, C2c = 0.6f,
            Citation = "Ge2Sb2Te5 PCM, Nandakumar et al., Front. Neurosci. 2020 (aihwkit PCMPresetDevice), as a one-sided pair with refresh",
        },
        ["idealized"] = () => new DeviceSpec
        {
            Name = "idealized", Model = "constant-step", DwMin = 0.0002f, WMin = -1f, WMax = 1f, DwDtod = 0.3f, BoundsDtod = 0.3f, C2c = 0.3f,
            Citation = "idealised device with 10,000 states, Gokmen & Vlasov, Front. Neurosci. 2016; Rasch et al. 2019 (aihwkit IdealizedPresetDevice)",
        },
        ["ag-a-si"] = () => NeuroSim("ag-a-si", 97, 2.4f, -4.88f, 12.5f, 0.035f, "Ag:a-Si, Jo et al., Nano Lett. 2010; MLP+NeuroSim table (on-chip MNIST ≈ 73%)"),
        ["taox-hfox"] = () => NeuroSim("taox-hfox", 128, 0.04f, -0.63f, 10f, 0.037f, "TaOx/HfOx, Wu et al., VLSI 2017; MLP+NeuroSim table (≈ 80%)"),
        ["pcmo"] = () => NeuroSim("pcmo", 50, 3.68f, -6.76f, 6.84f, 0.005f, "PCMO, Park et al., IEDM 2013; MLP+NeuroSim table, c2c < 1% (≈ 33%)"),
        ["alox-hfo2"] = () => NeuroSim("alox-hfo2", 40, 1.94f, -0.61f, 4.43f, 0.05f, "AlOx/HfO2, Woo et al., EDL 2016; MLP+NeuroSim table (≈ 20%)"),
        ["epiram"] = () => NeuroSim("epiram", 64, 0.5f, -0.5f, 50.2f, 0.02f, "EpiRAM, Choi et al., Nat. Mater. 2018; MLP+NeuroSim table (≈ 92%)"),
        ["hzo-fefet"] = () => NeuroSim("hzo-fefet", 32, 1.75f, 1.46f, 45f, 0.0025f, "HZO FeFET, Jerry et al., IEDM 2017; MLP+NeuroSim table, c2c < 0.5% (≈ 88%)"),
        ["binary"] = () => new DeviceSpec
        {
            Name = "binary", Model = "constant-step", DwMin = 2f, WMin = -1f, WMax = 1f,
            Citation = "a two-state synapse, W = ±α with α the layer's mean |W| at initialisation (binary EP: Laydevant, Ernoult, Querlioz & Grollier, CVPR-W 2021); one pulse flips it",
        },
        ["ernoult-linear"] = () => Ernoult("ernoult-linear", 0.005f),
        ["ernoult-nonlinear"] = () => Ernoult("ernoult-nonlinear", 3f),
    };

    private static DeviceSpec NeuroSim(string name, int levels, float ltp, float ltd, float onOff, float c2c, string citation) => new()
    {
        Name = name, Model = "neurosim", Levels = levels, NlLtp = ltp, NlLtd = ltd, OnOff = onOff, C2c = c2c, Citation = citation,
    };

    private static DeviceSpec Ernoult(string name, float betaD) => new()
    {
        Name = name, Model = "exp", Pair = PairMode.Pair, BetaD = betaD, OnOff = 13f, PulseWidth = 0.01f,
        Citation = $"Ernoult, Grollier & Querlioz, Sci. Rep. 2019: βd = {betaD}, Gmax/Gmin = 13, pulse width Δt0 = Δt_max/100 by default",
    };

    /// <summary>Every preset name, "ideal" (no device) first.</summary>
    public static IReadOnlyList<string> Names { get; } = [Ideal, .. Table.Keys];

    /// <summary>A fresh copy of a preset's parameters.</summary>
    public static DeviceSpec Get(string name) => Table.TryGetValue(name, out var make)
        ? make()
        : throw new ConfigException($"device: unknown preset '{name}' (expected one of: {string.Join(", ", Names)}){(Suggest.Nearest(name, Names) is { } s ? $"; did you mean '{s}'?" : "")}");
}
