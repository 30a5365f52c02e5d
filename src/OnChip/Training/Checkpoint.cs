using System.Text.Json.Nodes;
using OnChip.Persistence;

namespace OnChip.Training;

/// <summary>
/// Checkpoints of a run directory: <c>checkpoint.onchip</c> (the latest) and <c>checkpoint.prev.onchip</c> (the one
/// before). Each is a checksummed <see cref="TensorArchive"/> written to a temporary file, flushed and renamed, so a
/// crash at any moment leaves at least one complete checkpoint; a corrupt latest one is reported and the previous
/// one used.
/// </summary>
internal static class Checkpoint
{
    public const string Kind = "onchip-checkpoint";
    public const string FileName = "checkpoint.onchip";
    public const string PreviousFileName = "checkpoint.prev.onchip";

    public static void Save(string directory, JsonObject metadata, IReadOnlyList<NamedTensor> tensors)
    {
        string latest = Path.Combine(directory, FileName), previous = Path.Combine(directory, PreviousFileName);
        string fresh = Path.Combine(directory, $".{FileName}.new");
        try
        {
            AtomicFile.Write(fresh, stream => TensorArchive.Write(stream, Kind, metadata, tensors));
            if (File.Exists(latest)) File.Move(latest, previous, overwrite: true);
            File.Move(fresh, latest, overwrite: true);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new UserFacingException($"{directory}: cannot write the checkpoint ({e.Message}); the previous one is kept");
        }
    }

    /// <summary>The latest readable checkpoint, and a warning when the latest file had to be skipped.</summary>
    public static (TensorArchive.Contents Contents, string Path, string? Warning) Load(string directory)
    {
        string latest = Path.Combine(directory, FileName), previous = Path.Combine(directory, PreviousFileName);
        string? warning = null;
        foreach (var path in new[] { latest, previous })
        {
            if (!File.Exists(path)) continue;
            try
            {
                var contents = TensorArchive.Load(path);
                if (contents.Kind != Kind) throw new UserFacingException($"{path}: not a training checkpoint");
                return (contents, path, warning);
            }
            catch (UserFacingException e)
            {
                warning = $"{e.Message}; using the previous checkpoint";
            }
        }
        throw new UserFacingException(warning is null
            ? $"{directory}: no checkpoint to resume from ({FileName})"
            : $"{directory}: no readable checkpoint ({warning})");
    }
}
