using System.Text;
using System.Text.Json.Nodes;

namespace OnChip.Persistence;

/// <summary>One exported tensor: its name in the model file, the .npy file written and its shape.</summary>
internal sealed record ExportedTensor(string Name, string File, int[] Shape, string Description);

/// <summary>
/// Exports every tensor of an OnChip tensor file (a model of any kind, a checkpoint) to NumPy: one
/// <c>&lt;name&gt;.npy</c> per tensor and a <c>manifest.json</c> describing them. The manifest is written last,
/// so a directory with a manifest holds a complete export; a directory that already has one is refused.
/// </summary>
internal static class NpyExport
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

    /// <summary>What a tensor is, as the file's kind in <see cref="Training.ModelKinds"/> says (any other file: its name and shape).</summary>
    private static string Describe(TensorArchive.Contents contents, NamedTensor tensor) =>
        Training.ModelKinds.Find(contents.Kind)?.DescribeTensor?.Invoke(contents, tensor)
        ?? $"float32 tensor '{tensor.Name}' of shape [{string.Join(", ", tensor.Shape)}] from a '{contents.Kind}' file";
}
