using System.Globalization;
using OnChip.Cli.Commands;
using OnChip.Configuration;
using OnChip.Persistence;
using OnChip.Training;

namespace OnChip.Tests.Rbm;

/// <summary>
/// The numbers of <c>onchip rbm train</c> for fixed seeds, recorded from the RBM trainer as it was before RBMs moved
/// onto the shared training loop (commit 791aec6): the weights (a hash of every tensor's bits) and the metrics of each
/// epoch must stay exactly these.
/// </summary>
public class RbmRegressionTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("onchip-rbm-regression-").FullName;
    public void Dispose() => Directory.Delete(_dir, recursive: true);

    public static TheoryData<string, string[], string, string> Cases => new()
    {
        { "drbm-ideal", ["--hidden", "32", "--batch", "20"],
            "b2bbcee1e9fae876",
            "epoch=1 lr=0.1 recon_error=0.08962169 test_acc=0.2 test_error=0.8 test_loss=2.280109 train_acc=0.1 train_loss=2.302345; epoch=2 lr=0.1 recon_error=0.0776791 test_acc=0.24 test_error=0.76 test_loss=2.057536 train_acc=0.1866667 train_loss=2.220676" },
        { "rbm-pcd", ["--model", "rbm", "--hidden", "24", "--batch", "25", "--persistent", "--chains", "2", "--cd-k", "2", "--momentum", "0.5", "--readout-lr", "0.3"],
            "dd7bb921da8edddd",
            "epoch=1 lr=0.1 recon_error=0.09057366 test_acc=0.16 test_error=0.84 test_loss=2.261792 train_acc=0.09333333 train_loss=2.307165; epoch=2 lr=0.1 recon_error=0.0801044 test_acc=0.24 test_error=0.76 test_loss=1.945263 train_acc=0.16 train_loss=2.181383" },
        { "drbm-device", ["--hidden", "20", "--batch", "50", "--chains", "3", "--device", "ernoult-nonlinear", "--programming", "sign", "--pulse-width", "0.01", "--c2c", "0.01"],
            "a73977a17af5b7b4",
            "device_reads=73048000 energy_j=2.59688E-07 epoch=1 lr=0.1 pulses=186640 pulses_down=93320 pulses_up=93320 recon_error=0.08730233 refreshes=0 test_acc=0.14 test_error=0.86 test_loss=2.15651 train_acc=0.1133333 train_loss=2.259958 update_cycles=6; device_reads=73048000 energy_j=2.57968E-07 epoch=2 lr=0.1 pulses=184920 pulses_down=92460 pulses_up=92460 recon_error=0.08373121 refreshes=0 test_acc=0.26 test_error=0.74 test_loss=2.00083 train_acc=0.16 train_loss=2.092436 update_cycles=6" },
        { "drbm-rprop", ["--hidden", "16", "--batch", "30", "--binarize", "threshold", "--device", "ernoult-nonlinear", "--programming", "rprop", "--pulse-width", "0.02", "--wd", "1e-4"],
            "89802e64b10f9acc",
            "device_reads=27948800 energy_j=2.820288E-07 epoch=1 lr=0.1 pulses=254080 pulses_down=127040 pulses_up=127040 recon_error=0.1598056 refreshes=0 test_acc=0.14 test_error=0.86 test_loss=2.111611 train_acc=0.1066667 train_loss=2.227501 update_cycles=10; device_reads=27948800 energy_j=2.820288E-07 epoch=2 lr=0.1 pulses=254080 pulses_down=127040 pulses_up=127040 recon_error=0.1568105 refreshes=0 test_acc=0.18 test_error=0.82 test_loss=2.057808 train_acc=0.1066667 train_loss=2.151697 update_cycles=10" },
    };

    /// <summary>Trains 2 epochs on 300 embedded images (100 test), seed 5, and returns (weights hash, metrics without timings).</summary>
    public static (string Hash, string Metrics) Train(string dir, string[] extra)
    {
        var config = new RbmConfig();
        var keys = RbmConfig.Keys.ToDictionary(k => k.Name);
        string[] common = ["--epochs", "2", "--train-limit", "300", "--test-limit", "100", "--seed", "5", "--threads", "2", "--out", dir];
        var args = common.Concat(extra).ToArray();
        for (int i = 0; i < args.Length; i++)
        {
            string key = args[i][2..];
            bool flag = keys[key].IsFlag && (i + 1 == args.Length || args[i + 1].StartsWith("--"));
            keys[key].Set(config, flag ? "true" : args[++i]);
        }
        Assert.Equal(0, RbmCommand.Execute(config, TextWriter.Null));
        return (WeightsHash(Path.Combine(dir, RunDirectory.ModelFileName)), MetricsText(Path.Combine(dir, RunDirectory.MetricsFileName)));
    }

    /// <summary>FNV-1a over the bits of every tensor of a model file, in file order.</summary>
    public static string WeightsHash(string path)
    {
        ulong hash = 14695981039346656037UL;
        foreach (var t in TensorArchive.Load(path).Tensors)
            foreach (float v in t.Data)
            {
                hash ^= BitConverter.SingleToUInt32Bits(v);
                hash *= 1099511628211UL;
            }
        return hash.ToString("x16", CultureInfo.InvariantCulture);
    }

    /// <summary>Every metric of every epoch but the timings, sorted by key: "epoch=1 pulses=… test_error=…; epoch=2 …".</summary>
    public static string MetricsText(string path) => string.Join("; ", MetricsLog.Read(path).Select(line =>
        string.Join(" ", line.Where(kv => kv.Key is not ("epoch_seconds" or "eval_seconds" or "examples_per_second"))
            .OrderBy(kv => kv.Key, StringComparer.Ordinal).Select(kv => $"{kv.Key}={kv.Value.GetRawText()}"))));

    [Theory]
    [MemberData(nameof(Cases))]
    public void Fixed_seed_results_are_those_of_the_trainer_before_the_shared_loop(string name, string[] extra, string hash, string metrics)
    {
        var (h, m) = Train(Path.Combine(_dir, name), extra);
        Assert.Equal(hash, h);
        Assert.Equal(metrics, m);
    }
}
