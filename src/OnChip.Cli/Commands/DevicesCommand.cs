using System.CommandLine;
using OnChip.Cli.Output;
using OnChip.Configuration;
using OnChip.Devices;
using OnChip.Persistence;

namespace OnChip.Cli.Commands;

/// <summary><c>onchip devices</c>: list presets and their parameters, or write a device's response curve.</summary>
internal static class DevicesCommand
{
    public static Command Create(TextWriter output, TextWriter error)
    {
        var command = new Command("devices", "List the device presets (--list), the device parameters a --device-config file may set (--keys), or write a preset's conductance-vs-pulse curve (--response).");
        var list = new Option<bool>("--list") { Description = "list the presets with their model, key parameters and source" };
        var keys = new Option<bool>("--keys") { Description = "list every device parameter (the keys of a --device-config YAML file)" };
        var response = new Option<string>("--response") { Description = "write the response curve of this preset", HelpName = "PRESET" };
        var config = new Option<string>("--device-config") { Description = "YAML file of device parameters applied on top of the preset", HelpName = "FILE.yaml" };
        var pulses = new Option<string>("--pulses") { Description = "potentiation pulses, then as many depression pulses [default: 200]" };
        var devices = new Option<string>("--devices") { Description = "number of devices drawn (device-to-device spread) [default: 10]" };
        var width = new Option<string>("--pulse-width") { Description = "pulse width [default: the preset's]" };
        var seed = new Option<string>("--seed") { Description = "random seed [default: 0]" };
        var outFile = new Option<string>("--out", "-o") { Description = "CSV file (columns device,pulse,conductance) [default: device_response.csv]", HelpName = "FILE.csv" };
        foreach (var o in new Option[] { list, keys, response, config, pulses, devices, width, seed, outFile }) command.Options.Add(o);

        command.SetAction(parse => CliErrors.Guard(error, () =>
        {
            if (parse.GetValue(keys))
            {
                foreach (var key in DeviceSpec.Keys) output.WriteLine($"  {key.Name,-18} {key.Help}");
                return 0;
            }
            if (parse.GetValue(response) is string preset)
            {
                var deviceConfig = new DeviceConfig { Device = ConfigParse.Choice("--response", preset, DevicePresets.Names.Skip(1).ToArray()), DeviceConfigFile = parse.GetValue(config) };
                if (parse.GetValue(width) is string w) deviceConfig.PulseWidth = ConfigParse.Float("--pulse-width", w, 0f, exclusiveMin: true);
                var spec = deviceConfig.ResolveSpec();
                int n = parse.GetValue(pulses) is string p ? ConfigParse.Int("--pulses", p, 1, 1_000_000) : 200;
                int count = parse.GetValue(devices) is string d ? ConfigParse.Int("--devices", d, 1, 100_000) : 10;
                ulong s = parse.GetValue(seed) is string sv ? ConfigParse.Seed("--seed", sv) : 0;
                string path = parse.GetValue(outFile) ?? "device_response.csv";
                var states = ResponseCurve.Measure(DeviceModel.Create(spec), n, count, spec.PulseWidth, s);
                AtomicFile.WriteAllText(path, ResponseCurve.Csv(states));
                output.WriteLine($"{spec.Name} ({spec.Model}): {count} devices, {n} up + {n} down pulses of width {spec.PulseWidth} → {path}");
                return 0;
            }
            // --list is the default
            output.WriteLine($"{"preset",-18} {"model",-14} {"pair",-10} key parameters / source");
            output.WriteLine($"{DevicePresets.Ideal,-18} {"-",-14} {"-",-10} digital storage: requested changes applied exactly (default)");
            foreach (var name in DevicePresets.Names.Skip(1))
            {
                var spec = DevicePresets.Get(name);
                output.WriteLine($"{name,-18} {spec.Model,-14} {(spec.Pair == PairMode.OneSided ? "one-sided" : spec.Pair.ToString().ToLowerInvariant()),-10} {Summary(spec)}");
                output.WriteLine($"{"",-44} {spec.Citation}");
            }
            return 0;
        }));
        return command;
    }

    private static string Summary(DeviceSpec s) => s.Model switch
    {
        "exp" => $"βd={s.BetaD} Gmax/Gmin={s.OnOff} pulse width={s.PulseWidth}·Δt_max",
        "neurosim" => $"{s.Levels} levels, NL {s.NlLtp}/{s.NlLtd}, on/off {s.OnOff}, c2c {s.C2c:P1}",
        _ => $"dw_min={s.DwMin} range {s.WMin}…{s.WMax}" + (s.Model == "linear-step" ? $" γ {s.GammaUp}/{s.GammaDown}" : "") +
             (s.Model == "exp-step" ? $" γ {s.GammaUp}" : "") + $" c2c {s.C2c} d2d {s.DwDtod}",
    };
}
