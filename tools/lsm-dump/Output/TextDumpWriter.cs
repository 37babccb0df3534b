using System.Globalization;
using System.Text;

namespace AimLsm.Tools.LsmDump.Output;

/// <summary>
/// Renders a dump for people: a section is <c>name:</c> with its content indented by two spaces, a field outside a
/// row is <c>name: value</c>, a row is one line <c>kind name=value name=value</c>, and an empty list is
/// <c>(none)</c>. Rows of a list inside a row are indented under it.
/// </summary>
internal sealed class TextDumpWriter(TextWriter output, IByteFormat format, bool full) : DumpWriter(format, full)
{
    private readonly TextWriter _out = output;
    private readonly StringBuilder _line = new();
    private readonly Stack<int> _listCounts = new();
    private int _indent;
    private bool _lineOpen;
    private int _itemDepth;

    private void FlushLine()
    {
        if (_lineOpen)
        {
            _out.WriteLine(_line.ToString());
            _line.Clear();
            _lineOpen = false;
        }
    }

    private void WriteLine(string text)
    {
        FlushLine();
        _out.Write(new string(' ', _indent * 2));
        _out.WriteLine(text);
    }

    public override void BeginObject(string name)
    {
        WriteLine(name + ":");
        _indent++;
    }

    public override void EndObject()
    {
        FlushLine();
        _indent--;
    }

    public override void BeginList(string name)
    {
        if (_itemDepth == 0)
        {
            WriteLine(name + ":");
        }
        else
        {
            FlushLine();
        }
        _indent++;
        _listCounts.Push(0);
    }

    public override void EndList()
    {
        int count = _listCounts.Pop();
        if (count == 0 && _itemDepth == 0)
        {
            WriteLine("(none)");
        }
        FlushLine();
        _indent--;
    }

    public override void BeginItem(string kind)
    {
        FlushLine();
        if (_listCounts.Count > 0)
        {
            _listCounts.Push(_listCounts.Pop() + 1);
        }
        _line.Append(' ', _indent * 2).Append(kind);
        _lineOpen = true;
        _itemDepth++;
    }

    public override void EndItem()
    {
        FlushLine();
        _itemDepth--;
    }

    private void Emit(string name, string value)
    {
        if (_lineOpen)
        {
            _line.Append(' ').Append(name).Append('=').Append(value);
        }
        else
        {
            WriteLine(name + ": " + value);
        }
    }

    public override void Field(string name, string value) =>
        Emit(name, _lineOpen && (value.Length == 0 || value.Contains(' ', StringComparison.Ordinal)) ? "'" + value + "'" : value);

    public override void Field(string name, long value) => Emit(name, value.ToString(CultureInfo.InvariantCulture));

    public override void Field(string name, ulong value) => Emit(name, value.ToString(CultureInfo.InvariantCulture));

    public override void Field(string name, double value) => Emit(name, value.ToString("0.###", CultureInfo.InvariantCulture));

    public override void Field(string name, bool value) => Emit(name, value ? "true" : "false");

    protected override void RenderedBytes(string name, string rendered, bool quoted) =>
        Emit(name, quoted ? "\"" + rendered + "\"" : rendered);

    public override void Finish()
    {
        FlushLine();
        _out.Flush();
    }
}
