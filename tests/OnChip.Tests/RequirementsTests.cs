using OnChip.Data;
using OnChip.Tensors;

namespace OnChip.Tests;

/// <summary>The skip attributes of Requirements.cs decide as the library does: they skip exactly what cannot run here.</summary>
public class RequirementsTests
{
    [Theory]
    [InlineData("avx512")]
    [InlineData("avx2")]
    [InlineData("scalar")]
    public void An_instruction_set_is_skipped_exactly_where_GEMM_refuses_to_force_it(string isaName)
    {
        var isa = GemmIsaRequirement.Parse(isaName);
        string? skip = new GemmIsaDataAttribute(isaName).Skip;
        Assert.Equal(skip, new GemmIsaFactAttribute(isaName).Skip);
        try
        {
            if (skip is null) GemmIsaSelector.Forced = isa;
            else Assert.Throws<NotSupportedException>(() => GemmIsaSelector.Forced = isa);
        }
        finally
        {
            GemmIsaSelector.Forced = null;
        }
        if (isa == GemmIsa.Scalar) Assert.Null(skip);
    }

    [Fact]
    public void Fashion_mnist_tests_run_exactly_where_the_loader_finds_it_and_use_its_directory()
    {
        if (new FashionMnistFactAttribute().Skip is { } reason)
        {
            Assert.Throws<DataException>(() => DatasetLoader.Load("fashion-mnist"));
            Assert.Contains("apt-get install dataset-fashion-mnist", reason);
        }
        else
        {
            Assert.Equal(Path.GetFullPath(FashionMnistFactAttribute.Directory), DatasetLoader.Load("fashion-mnist").Source);
        }
    }
}
