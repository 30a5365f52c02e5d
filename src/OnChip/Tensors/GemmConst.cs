namespace OnChip.Tensors;

// Compile-time integers for generic kernels: the JIT specialises each instantiation over a struct type and
// folds `TR.Value > 3` to a constant, so one source kernel yields every edge-size variant without dead code.
internal interface IGemmConst { static abstract int Value { get; } }
internal struct GemmN1 : IGemmConst { public static int Value => 1; }
internal struct GemmN2 : IGemmConst { public static int Value => 2; }
internal struct GemmN3 : IGemmConst { public static int Value => 3; }
internal struct GemmN4 : IGemmConst { public static int Value => 4; }
internal struct GemmN5 : IGemmConst { public static int Value => 5; }
internal struct GemmN6 : IGemmConst { public static int Value => 6; }
