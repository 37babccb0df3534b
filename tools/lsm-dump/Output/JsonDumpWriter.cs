using System.Text;
using System.Text.Encodings.Web;
using System.Text.Json;

namespace AimLsm.Tools.LsmDump.Output;

/// <summary>
/// Renders a dump as one JSON object (<c>--json</c>): a section is a nested object, a list an array, a row an
/// object whose <c>"kind"</c> names it. Buffered in a small stream that is handed to the output every few kilobytes.
/// </summary>
internal sealed class JsonDumpWriter : DumpWriter, IDisposable
{
    private const int FlushThreshold = 64 * 1024;
    private readonly TextWriter _out;
    private readonly MemoryStream _buffer = new();
    private readonly Utf8JsonWriter _json;

    public JsonDumpWriter(TextWriter output, IByteFormat format, bool full)
        : base(format, full)
    {
        _out = output;
        _json = new Utf8JsonWriter(_buffer, new JsonWriterOptions { Indented = true, Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping });
        _json.WriteStartObject();
    }

    private void Drain(bool force)
    {
        _json.Flush();
        if (force || _buffer.Length >= FlushThreshold)
        {
            _out.Write(System.Text.Encoding.UTF8.GetString(_buffer.GetBuffer(), 0, (int)_buffer.Length));
            _buffer.SetLength(0);
        }
    }

    public override void BeginObject(string name) => _json.WriteStartObject(name);

    public override void EndObject() => _json.WriteEndObject();

    public override void BeginList(string name) => _json.WriteStartArray(name);

    public override void EndList() => _json.WriteEndArray();

    public override void BeginItem(string kind)
    {
        _json.WriteStartObject();
        _json.WriteString("kind", kind);
    }

    public override void EndItem()
    {
        _json.WriteEndObject();
        Drain(force: false);
    }

    public override void Field(string name, string value) => _json.WriteString(name, value);

    public override void Field(string name, long value) => _json.WriteNumber(name, value);

    public override void Field(string name, ulong value) => _json.WriteNumber(name, value);

    public override void Field(string name, double value) => _json.WriteNumber(name, Math.Round(value, 3));

    public override void Field(string name, bool value) => _json.WriteBoolean(name, value);

    protected override void RenderedBytes(string name, string rendered, bool quoted) => _json.WriteString(name, rendered);

    public override void Finish()
    {
        _json.WriteEndObject();
        Drain(force: true);
        _out.WriteLine();
        _out.Flush();
    }

    public void Dispose()
    {
        _json.Dispose();
        _buffer.Dispose();
    }
}
