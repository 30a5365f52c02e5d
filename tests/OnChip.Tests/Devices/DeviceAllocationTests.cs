using OnChip.Devices;
using OnChip.Devices.Programming;
using OnChip.Randomness;
using OnChip.Synapses;

namespace OnChip.Tests.Devices;

public class DeviceAllocationTests
{
    /// <summary>Once warm, an update through a device array allocates nothing (counted on this thread, which runs it).</summary>
    [Theory]
    [InlineData("ecram", "pulse-train")]
    [InlineData("ecram", "pulse-stochastic")]
    [InlineData("ecram", "pulse-round")]
    [InlineData("ecram", "mixed-precision")]
    [InlineData("ecram", "exact")]
    [InlineData("ernoult-nonlinear", "sign")]
    [InlineData("ernoult-nonlinear", "rprop")]
    [InlineData("pcm", "pulse-stochastic")]
    [InlineData("reram-es", "pulse-train")]
    public void Device_updates_allocate_nothing(string device, string programming)
    {
        Check(device, programming, readNoise: 0f);
        Check(device, programming, readNoise: 0.01f);
    }

    private static void Check(string device, string programming, float readNoise)
    {
        const int n = 5000;
        var spec = DevicePresets.Get(device);
        spec.ReadNoise = readNoise;
        var rng = new Rng(2);
        var initial = Enumerable.Range(0, n).Select(_ => 0.1f * (float)rng.NextGaussian()).ToArray();
        var array = new DeviceArray("W", DeviceModel.Create(spec), ProgrammingStrategy.Create(programming, new ProgrammingOptions()),
            1f, spec.PulseWidth, initial, seed: 4);
        var weights = new float[n];
        // Mostly small requests, some large (many rounds), one huge (beyond the counting sort).
        var request = Enumerable.Range(0, n).Select(i => array.NominalChange * (float)(0.3 * rng.NextGaussian() * Math.Exp(rng.NextGaussian()))).ToArray();
        request[1234] = 2000 * array.NominalChange;
        void Update()
        {
            array.BeginUpdate();
            for (int start = 0; start < n; start += 1024) array.Apply(weights, request.AsSpan(start, Math.Min(1024, n - start)), start);
        }
        for (int i = 0; i < 20; i++) Update();
        long fewest = long.MaxValue;
        for (int round = 0; round < 5 && fewest > 0; round++)   // the runtime may allocate while it re-compiles hot code
        {
            long before = GC.GetAllocatedBytesForCurrentThread();
            for (int i = 0; i < 10; i++) Update();
            fewest = Math.Min(fewest, GC.GetAllocatedBytesForCurrentThread() - before);
        }
        Assert.True(fewest == 0, $"{fewest} bytes allocated in 10 updates (read noise {readNoise})");
    }
}
