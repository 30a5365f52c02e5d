using System.Text;
using System.Text.Json.Nodes;

namespace OnChip.Persistence;

/// <summary>One exported tensor: its name in the model file, the .npy file written and its shape.</summary>
public sealed record ExportedTensor(string Name, string File, int[] Shape, string Description);

/// <summary>
/// Exports every tensor of an OnChip tensor file (a model of any kind, a checkpoint) to NumPy: one
/// <c>&lt;name&gt;.npy</c> per tensor and a <c>manifest.json</c> describing them. The manifest is written last,
/// so a directory with a manifest holds a complete export; a directory that already has one is refused.
/// </summary>
public static class NpyExport
{
    public const string ManifestFileName = "manifest.json";

    public static IReadOnlyList<ExportedTensor> Export(string sourcePath, string directory)
    {
        if (File.Exists(directory)) throw new UserFacingException($"{directory}: exists and is a file, not a directory");
        if (File.Exists(Path.Combine(directory, ManifestFileName)))
            throw new UserFacingException($"{directory}: already holds an export ({ManifestFileName}); choose another output directory");
        var contents = TensorArchive.Load(sourcePath);
        try { Directory.CreateDirectory(directory); }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new UserFacingException($"{directory}: cannot create the output directory ({e.Message})");
        }

        var exported = new List<ExportedTensor>();
        var used = new HashSet<string>(StringComparer.OrdinalIgnoreCase) { ManifestFileName };
        foreach (var tensor in contents.Tensors)
        {
            string file = FileName(tensor.Name, used);
            NpyFile.Save(Path.Combine(directory, file), tensor.Shape, tensor.Data);
            exported.Add(new ExportedTensor(tensor.Name, file, tensor.Shape, Describe(contents, tensor)));
        }

        var manifest = new JsonObject
        {
            ["source"] = Path.GetFullPath(sourcePath),
            ["kind"] = contents.Kind,
            ["metadata"] = contents.Metadata.DeepClone(),
            ["tensors"] = new JsonArray(exported.Select(t => (JsonNode)new JsonObject
            {
                ["name"] = t.Name,
                ["file"] = t.File,
                ["shape"] = new JsonArray(t.Shape.Select(d => (JsonNode)d).ToArray()),
                ["dtype"] = "float32",
                ["description"] = t.Description,
            }).ToArray()),
        };
        AtomicFile.WriteAllText(Path.Combine(directory, ManifestFileName), manifest.ToJsonString(new() { WriteIndented = true }) + "\n");
        return exported;
    }

    /// <summary>The tensor's name made safe as a file name (letters, digits, '_', '-', '.'), unique within the export.</summary>
    private static string FileName(string name, HashSet<string> used)
    {
        var sb = new StringBuilder();
        foreach (char c in name) sb.Append(char.IsAsciiLetterOrDigit(c) || c is '_' or '-' or '.' ? c : '_');
        string stem = sb.Length == 0 || sb[0] == '.' ? "_" + sb : sb.ToString();
        string file = stem + ".npy";
        for (int i = 2; !used.Add(file); i++) file = $"{stem}_{i}.npy";
        return file;
    }

    private static string Describe(TensorArchive.Contents contents, NamedTensor tensor)
    {
        string shape = "[" + string.Join(", ", tensor.Shape) + "]";
        if (contents.Kind == Resistive.ResistiveFamily.Kind && tensor.Name.Length > 1 && int.TryParse(tensor.Name.AsSpan(1), out int r))
        {
            if (tensor.Name[0] == 'W' && tensor.Shape.Length == 2)
                return $"conductances W{r} (siemens, ≥ 0) between layer {r} (columns, {tensor.Shape[1]} nodes{(r == 0 ? ": the inputs +g·x then −g·x" : "")}) and layer {r + 1} (rows, {tensor.Shape[0]} nodes)";
            if (tensor.Name[0] == 'b' && tensor.Shape.Length == 1)
                return $"bias currents b{r} (amperes) into the {tensor.Shape[0]} nodes of layer {r}";
        }
        if (contents.Kind == ModelFile.Kind && tensor.Name.Length > 1 && int.TryParse(tensor.Name.AsSpan(1), out int n))
        {
            bool ce = contents.Metadata["loss"] is JsonValue loss && loss.TryGetValue(out string? l) && l == "ce";
            int synapticLayers = contents.Tensors.Count(t => t.Name.StartsWith('W'));
            if (tensor.Name[0] == 'W' && tensor.Shape.Length == 2)
                return $"weights W{n} coupling layer {n} (columns, {tensor.Shape[1]} units) to layer {n + 1} (rows, {tensor.Shape[0]} units)" +
                       (ce && n == synapticLayers - 1 ? "; the softmax readout" : "");
            if (tensor.Name[0] == 'b' && tensor.Shape.Length == 1)
                return $"bias b{n} of layer {n} ({tensor.Shape[0]} units)" + (ce && n == synapticLayers ? "; the softmax readout's bias" : "");
        }
        return $"float32 tensor '{tensor.Name}' of shape {shape} from a '{contents.Kind}' file";
    }
}
