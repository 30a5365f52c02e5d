using System.Text;

namespace OnChip.Cli.Output;

/// <summary>A TextWriter that hands each complete line to a callback (to print lines above a live progress bar).</summary>
internal sealed class LineWriter(Action<string> line) : TextWriter
{
    private readonly StringBuilder _pending = new();

    public override Encoding Encoding => Encoding.UTF8;

    public override void Write(char value)
    {
        if (value == '\n')
        {
            line(_pending.ToString().TrimEnd('\r'));
            _pending.Clear();
        }
        else _pending.Append(value);
    }
}
