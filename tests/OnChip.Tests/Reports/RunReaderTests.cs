using OnChip.Persistence;
using OnChip.Reports;

namespace OnChip.Tests.Reports;

public class RunReaderTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("onchip-runreader-").FullName;
    private readonly List<string> _warnings = [];
    public void Dispose() => Directory.Delete(_dir, recursive: true);

    private string Write(string name, string text)
    {
        string path = Path.Combine(_dir, name);
        File.WriteAllText(path, text);
        return path;
    }

    [Fact]
    public void Metrics_keep_numbers_and_skip_bad_lines_with_warnings()
    {
        string path = Write("metrics.jsonl",
            "{\"epoch\":1,\"train_acc\":0.5,\"test_acc\":null,\"pulses\":10,\"name\":\"x\"}\n" +
            "\n" +
            "not json\n" +
            "[1,2]\n" +
            "{\"train_acc\":0.7}\n" +
            "{\"epoch\":2,\"train_acc\":0.6,\"energy_j\":1e-6}\n" +
            "{\"epoch\":3,\"train_a");
        var (rows, keys) = RunReader.ReadMetrics(path, _warnings.Add);
        Assert.Equal([1, 2], rows.Select(r => r.Epoch));
        Assert.Null(rows[0]["test_acc"]);
        Assert.Equal(10, rows[0]["pulses"]);
        Assert.Equal(["epoch", "train_acc", "pulses", "energy_j"], keys);
        Assert.Equal(4, _warnings.Count);
        Assert.Contains(_warnings, w => w.Contains("line 3") && w.Contains("not valid JSON"));
        Assert.Contains(_warnings, w => w.Contains("line 4") && w.Contains("not a JSON object"));
        Assert.Contains(_warnings, w => w.Contains("line 5") && w.Contains("'epoch'"));
        Assert.Contains(_warnings, w => w.Contains("line 7"));
    }

    [Fact]
    public void Empty_metrics_file_is_a_warning_and_missing_directory_an_error()
    {
        Write("metrics.jsonl", "");
        var run = RunReader.Read(_dir, _warnings.Add);
        Assert.Empty(run.Epochs);
        Assert.Contains(_warnings, w => w.Contains("empty"));

        var e = Assert.Throws<UserFacingException>(() => RunReader.Read(Path.Combine(_dir, "nope"), _warnings.Add));
        Assert.Contains("not found", e.Message);
        string empty = Directory.CreateDirectory(Path.Combine(_dir, "empty")).FullName;
        Assert.Contains("not a run directory", Assert.Throws<UserFacingException>(() => RunReader.Read(empty, _warnings.Add)).Message);
    }

    [Fact]
    public void Config_yaml_is_read_in_file_order_without_comments()
    {
        string path = Write("config.yaml", "# header\ndata: embedded\narchi: 784-512-10\n# bptt-steps: (not set)\nlr: [0.1, 0.05]\n");
        var config = RunReader.ReadConfig(path, _warnings.Add);
        Assert.Equal(["data", "archi", "lr"], config.Select(c => c.Key));
        Assert.Equal("0.1,0.05", config[2].Value);
        Assert.Empty(RunReader.ReadConfig(Write("bad.yaml", "a: [\n"), _warnings.Add));
        Assert.Single(_warnings);
    }

    [Fact]
    public void Gradcheck_csv_is_read_with_its_optional_columns()
    {
        string path = Write("gradcheck.csv", "rule,beta,tensor,relative_error,cosine,sign_agreement,exact_norm\nep,0.1,W0,0.2,0.98,0.9,1\nep,0.1,all,0.25,,0.91,2\nep,x,W0,0.1,1,1,1\n");
        var points = RunReader.ReadGradcheck(path, _warnings.Add);
        Assert.Equal([new GradcheckPoint("ep", 0.1, "W0", 0.2, 0.98, 0.9), new GradcheckPoint("ep", 0.1, "all", 0.25, null, 0.91)], points);
        Assert.Single(_warnings);
        Assert.Contains("line 4", _warnings[0]);
    }

    [Fact]
    public void Gdu_csv_keeps_the_norm_series()
    {
        string path = Write("gdu.csv", "tensor,series,step,ep,bptt,ep_symmetric\nW0,norm,1,0.5,0.6,0.55\nW0,element[1;2],1,0.1,0.1,0.1\nW0,norm,2,x,1,1\nb1,norm,1,1,2\n");
        var points = RunReader.ReadGdu(path, _warnings.Add);
        Assert.Equal([new GduPoint("W0", 1, 0.5, 0.6, 0.55)], points);
        Assert.Equal(2, _warnings.Count); // the unreadable number and the short line
        Assert.Contains(_warnings, w => w.Contains("line 5: 5 columns, expected 6"));

        var oneSided = RunReader.ReadGdu(Write("gdu1.csv", "tensor,series,step,ep,bptt\nW0,norm,1,0.5,0.6\n"), _warnings.Add);
        Assert.Equal([new GduPoint("W0", 1, 0.5, 0.6, null)], oneSided);
    }

    [Fact]
    public void Device_response_and_conductances_are_read_and_binned()
    {
        var device = RunReader.ReadDeviceResponse(Write("device_response.csv", "device,pulse,conductance\nA,0,0.1\nA,1,0.2\nB,0,0.15\n"), _warnings.Add);
        Assert.Equal(3, device.Count);
        Assert.Equal(new DevicePoint("B", 0, 0.15), device[2]);

        var histograms = RunReader.ReadConductances(Write("conductances.csv", "tensor,value\nW0,0\nW0,1\nW0,0.5\nW1,2\n"), _warnings.Add);
        Assert.Equal(["W0", "W1"], histograms.Select(h => h.Tensor));
        Assert.Equal(3, histograms[0].Counts.Sum());
        Assert.Equal(RunReader.HistogramBins, histograms[0].Counts.Length);
        Assert.Equal(1, histograms[0].Counts[^1]); // the maximum falls in the last bin
        Assert.Equal(1, histograms[1].Counts.Sum());
        Assert.True(histograms[1].Edges[0] < 2 && histograms[1].Edges[^1] > 2); // a constant tensor still gets a range

        RunReader.ReadDeviceResponse(Write("wrong.csv", "dev,pulse\nA,1\n"), _warnings.Add);
        Assert.Contains(_warnings, w => w.Contains("no column device, conductance"));
    }

    [Fact]
    public void Filters_come_from_json_or_npy()
    {
        string json = Write("filters.json", "{\"width\":2,\"height\":3,\"filters\":[[1,2,3,4,5,6],[0,0,0,0,0,1]]}");
        var set = RunReader.ReadFiltersJson(json, _warnings.Add)!;
        Assert.Equal((2, 3, 2), (set.Width, set.Height, set.Total));
        Assert.Equal([1f, 2, 3, 4, 5, 6], set.Filters[0]);

        Assert.Null(RunReader.ReadFiltersJson(Write("bad.json", "{\"width\":2,\"height\":2,\"filters\":[[1,2,3]]}"), _warnings.Add));
        Assert.Contains(_warnings, w => w.Contains("filter 0 has 3 values"));

        string npy = Path.Combine(_dir, "filters.npy");
        NpyFile.Save(npy, [300, 16], new float[300 * 16]);
        var fromNpy = RunReader.ReadFiltersNpy(npy, _warnings.Add)!;
        Assert.Equal((4, 4, 300), (fromNpy.Width, fromNpy.Height, fromNpy.Total));
        Assert.Equal(RunReader.MaxFilters, fromNpy.Filters.Count);
        Assert.Contains(_warnings, w => w.Contains("the first 256"));
        NpyFile.Save(npy, [2, 3, 5], new float[30]);
        Assert.Equal((5, 3), (RunReader.ReadFiltersNpy(npy, _warnings.Add)!.Width, RunReader.ReadFiltersNpy(npy, _warnings.Add)!.Height));
    }
}
