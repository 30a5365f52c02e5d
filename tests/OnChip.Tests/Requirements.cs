using OnChip.Data;
using OnChip.Tensors;
using Xunit.Sdk;

namespace OnChip.Tests;

// Tests that need something this machine may lack (a dataset, a CPU feature, a device file) say so with one of the
// attributes below instead of returning early: xunit decides when it discovers the tests, and a test whose
// requirement is missing is reported as Skipped with the reason, never as a vacuous pass. Where the requirement
// is met the test runs unchanged. (Resistive/ResistiveCliTests.cs has NgspiceFact, Persistence/NpyFileTests.cs
// NumpyFact, in the same way; the report tests fail, by design, when Chromium is missing.)

/// <summary>
/// A fact that needs the full Fashion-MNIST (60,000 + 10,000 examples), found where the library looks for it:
/// $ONCHIP_DATA/fashion-mnist, ~/.onchip/data/fashion-mnist, /usr/share/datasets/fashion-mnist (Debian's
/// dataset-fashion-mnist, which scripts/test.sh installs). Skipped, with what was searched, where it is missing.
/// </summary>
public sealed class FashionMnistFactAttribute : FactAttribute
{
    private static readonly Lazy<(string? Directory, string Searched)> Found = new(() =>
    {
        var searched = new List<string>();
        foreach (string directory in KnownDataset.FashionMnist.SearchDirectories())
        {
            if (!System.IO.Directory.Exists(directory))
            {
                searched.Add($"{directory} (no such directory)");
                continue;
            }
            var missing = KnownDataset.FashionMnist.Format.MissingFiles(directory);
            if (missing.Count == 0) return (directory, "");
            searched.Add($"{directory} (lacks {string.Join(", ", missing)})");
        }
        return (null, string.Join("; ", searched));
    });

    /// <summary>The first directory of the search that holds all four files (the one DatasetLoader loads).</summary>
    public static string Directory => Found.Value.Directory
        ?? throw new InvalidOperationException("Fashion-MNIST is not installed: the test should have been skipped");

    public FashionMnistFactAttribute()
    {
        if (Found.Value.Directory is null)
            Skip = $"the full Fashion-MNIST is not installed: searched {Found.Value.Searched}. {KnownDataset.FashionMnist.InstallHint} "
                   + $"(scripts/test.sh installs Debian's package; ${DatasetLoader.DataEnvironmentVariable}=DIR makes DIR/fashion-mnist the first place searched.)";
    }
}

/// <summary>
/// A fact about what the loader says when MNIST is found nowhere. It cannot be checked where MNIST is installed in
/// ~/.onchip/data/mnist or /usr/share/datasets/mnist (the search would rightly find it), so it is skipped there.
/// </summary>
public sealed class MnistNotInstalledFactAttribute : FactAttribute
{
    /// <summary>The search directories other than $ONCHIP_DATA/mnist (which the tests point elsewhere).</summary>
    private static IEnumerable<string> InstalledDirectories()
    {
        var directories = DatasetLoader.SearchDirectories(KnownDataset.Mnist.Name);
        bool variableSet = !string.IsNullOrWhiteSpace(Environment.GetEnvironmentVariable(DatasetLoader.DataEnvironmentVariable));
        return (variableSet ? directories.Skip(1) : directories).Where(Directory.Exists);
    }

    public MnistNotInstalledFactAttribute()
    {
        if (InstalledDirectories().FirstOrDefault() is { } installed)
            Skip = $"MNIST is installed on this machine ({installed}), so the search finds it and the not-found error this test checks "
                   + "cannot occur; it runs where neither ~/.onchip/data/mnist nor /usr/share/datasets/mnist exists";
    }
}

/// <summary>The GEMM instruction sets the tests name, and why one cannot be forced on this machine.</summary>
internal static class GemmIsaRequirement
{
    public static GemmIsa Parse(string name) => name switch
    {
        "avx512" => GemmIsa.Vector512,
        "avx2" => GemmIsa.Vector256,
        "scalar" => GemmIsa.Scalar,
        _ => throw new ArgumentException(name),
    };

    /// <summary>Null where the dispatcher can run <paramref name="isa"/> here (it is at most the machine's best).</summary>
    public static string? SkipReason(GemmIsa isa) => isa <= GemmIsaSelector.Best ? null : isa switch
    {
        GemmIsa.Vector512 => $"AVX-512 is not available on this CPU (Vector512 accelerated with AVX512F; best here: {GemmIsaSelector.Best}), "
                             + "so GEMM never runs its 512-bit kernels here; the test runs on a CPU with AVX-512 "
                             + "(unless the runtime is told not to use it, e.g. DOTNET_EnableHWIntrinsic=0)",
        _ => $"AVX2 with FMA is not available on this CPU (Vector256 accelerated with AVX2 and FMA; best here: {GemmIsaSelector.Best}), "
             + "so GEMM never runs its 256-bit kernels here; the test runs on a CPU with AVX2 and FMA "
             + "(unless the runtime is told not to use them, e.g. DOTNET_EnableHWIntrinsic=0)",
    };
}

/// <summary>A fact that forces one GEMM instruction set ("avx512", "avx2", "scalar"); skipped where this machine lacks it.</summary>
public sealed class GemmIsaFactAttribute : FactAttribute
{
    public GemmIsaFactAttribute(string isaName) => Skip = GemmIsaRequirement.SkipReason(GemmIsaRequirement.Parse(isaName));
}

/// <summary>
/// One theory row, the instruction-set name ("avx512", "avx2", "scalar"), for a test that forces that GEMM
/// instruction set; the row is skipped, with the reason, where this machine lacks it.
/// </summary>
public sealed class GemmIsaDataAttribute : DataAttribute
{
    private readonly string _isaName;

    public GemmIsaDataAttribute(string isaName)
    {
        _isaName = isaName;
        Skip = GemmIsaRequirement.SkipReason(GemmIsaRequirement.Parse(isaName));
    }

    public override IEnumerable<object[]> GetData(System.Reflection.MethodInfo testMethod) => [[_isaName]];
}

/// <summary>A fact that writes to /dev/full (every write fails with ENOSPC: a real "disk full"); skipped where there is none.</summary>
public sealed class DevFullFactAttribute : FactAttribute
{
    public const string Path = "/dev/full";

    public DevFullFactAttribute()
    {
        if (!File.Exists(Path))
            Skip = $"{Path} does not exist on this system (Linux provides it: a device on which every write fails with "
                   + "ENOSPC, the real \"no space left on device\" error this test needs)";
    }
}
