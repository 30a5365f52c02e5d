using OnChip.Bench;

// Benchmark dispatcher: the first argument names the benchmark, the rest are its own arguments.
if (args.Length == 0)
{
    PrintUsage();
    return 1;
}

switch (args[0])
{
    case "epoch":
        EpochBench.Run(args[1..]);
        return 0;
    case "phases":
        PhaseBench.Run(args[1..]);
        return 0;
    case "rbm":
        RbmBench.Run(args[1..]);
        return 0;
    case "device-cost":
        DeviceCostBench.Run(args[1..]);
        return 0;
    case "synapses":
        SynapseBench.Run(args[1..]);
        return 0;
    case "pulse-kernel":
        PulseKernelBench.Run(args[1..]);
        return 0;
    case "conv":
        ConvBench.Run(args[1..]);
        return 0;
    case "conv-parts":
        ConvPartsBench.Run(args[1..]);
        return 0;
    case "resistive":
        ResistiveBench.Run(args[1..]);
        return 0;
    case "gemm":
        GemmBench.Run(args[1..]);
        return 0;
    case "rules":
        RuleCostBench.Run(args[1..]);
        return 0;
    default:
        Console.Error.WriteLine($"unknown benchmark '{args[0]}'");
        PrintUsage();
        return 1;
}

static void PrintUsage()
{
    Console.Error.WriteLine("usage: dotnet run -c Release --project bench/OnChip.Bench -- <benchmark> [options]");
    Console.Error.WriteLine("  epoch [--rule ep] [--threads N] [--epochs 4] [--data fashion-mnist] [--train-limit N] [any train option]   seconds of training per epoch, reference configuration");
    Console.Error.WriteLine("  phases [--threads N] [--batches 2000] [--archi 784-512-10] [--batch 50]   median µs per batch of each stage of an EP step");
    Console.Error.WriteLine("  rbm [--epochs 4] [--threads N] [--data fashion-mnist] [--train-limit 40000] [any rbm train option]   seconds of RBM training per epoch");
    Console.Error.WriteLine("  device-cost [--configs ecram/pulse-train,ernoult-nonlinear/sign] [--runs 1] [--epochs 5] [--train-limit 12000] [--threads 1] [any train option]   CPU s per EP epoch on devices vs ideal, interleaved in one run");
    Console.Error.WriteLine("  rules [--rules ep-symmetric,hep] [--epochs 4] [--train-limit 12000] [any train option]   seconds per epoch of each rule, interleaved, as ratios to the first");
    Console.Error.WriteLine("  synapses [--device ecram] [--programming pulse-train] [--updates 200] [--pulses 0.15] [--shape 784x512] [--conductance false]   ns per weight per update of one device array (one thread)");
    Console.Error.WriteLine("  pulse-kernel [--device ernoult-nonlinear] [--pulses 1] [--density 1] [--requests S] [--clustered false] [--stream M] [--patterns K] [--reps 20000]   ns per device of one pulse-train call on a cache-resident chunk (device arithmetic alone)");
    Console.Error.WriteLine("  conv [--rule ep-symmetric] [--threads N] [--reps 3] [--examples 1000] [--update-order sync|async] [--model model.onchip] [any conv option]   seconds of conv-net training per 1,000 examples, GFLOP/s of a relaxation step");
    Console.Error.WriteLine("  conv-parts [--reps 20] [--chunk 8]   ms of each kernel of a conv layer's relaxation step, one thread");
    Console.Error.WriteLine("  resistive [--epochs 4] [--threads N] [--stages true] [--batches 1000] [--cpu true] [--against-ideal true] [any train option]   seconds per epoch of the published DRN-1H Fashion-MNIST protocol (or µs per batch of each stage; --cpu true: thread CPU time, with --threads 1; --against-ideal: a device run and an ideal one take turns, with their ratio)");
    Console.Error.WriteLine("  gemm [reps] [--isa scalar|avx2|avx512] [--shape NAME]   GFLOP/s of Gemm.Multiply on the training shapes");
}
