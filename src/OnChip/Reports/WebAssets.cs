using System.Text.Json.Nodes;

namespace OnChip.Reports;

/// <summary>
/// The browser bundles of Vega, Vega-Lite and vega-embed, embedded in this assembly at build time from the npm
/// packages pinned in src/OnChip/Reports/web (package.json, package-lock.json), so reports work offline.
/// </summary>
internal static class WebAssets
{
    public const string VegaResource = "OnChip.Reports.web.vega.min.js";
    public const string VegaLiteResource = "OnChip.Reports.web.vega-lite.min.js";
    public const string VegaEmbedResource = "OnChip.Reports.web.vega-embed.min.js";
    public const string PackageResource = "OnChip.Reports.web.package.json";

    /// <summary>The scripts in load order (vega-embed needs the globals vega and vegaLite).</summary>
    public static IReadOnlyList<string> Scripts => [Load(VegaResource), Load(VegaLiteResource), Load(VegaEmbedResource)];

    public static bool Available =>
        new[] { VegaResource, VegaLiteResource, VegaEmbedResource }.All(r => typeof(WebAssets).Assembly.GetManifestResourceInfo(r) is not null);

    /// <summary>"vega 6.4.0, vega-embed 7.3.0, vega-lite 6.4.2" from the pinned package.json.</summary>
    public static string Versions
    {
        get
        {
            using var stream = typeof(WebAssets).Assembly.GetManifestResourceStream(PackageResource);
            if (stream is null) return "";
            var dependencies = JsonNode.Parse(stream)?["dependencies"] as JsonObject;
            return dependencies is null ? "" : string.Join(", ", dependencies.Select(d => $"{d.Key} {d.Value}"));
        }
    }

    private static string Load(string name)
    {
        using var stream = typeof(WebAssets).Assembly.GetManifestResourceStream(name) ?? throw new UserFacingException(
            $"this build of OnChip has no embedded {name.Replace("OnChip.Reports.web.", "")} (npm was not available when it was built): " +
            "install Node.js 20+ and npm, then rebuild (dotnet build src/OnChip.Cli -c Release) to enable reports");
        using var reader = new StreamReader(stream);
        return reader.ReadToEnd();
    }
}
