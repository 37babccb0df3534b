namespace AimLsm.Tools.LsmDump.Output;

/// <summary>
/// Where a subcommand writes what it found, as a tree: named objects (sections), named lists, items (one row each,
/// with a kind) and fields. <see cref="TextDumpWriter"/> renders it for people and <see cref="JsonDumpWriter"/> for
/// scripts (<c>--json</c>), so each subcommand has one code path for both. Output streams: nothing is held back
/// beyond one row (text) or a few kilobytes (JSON), so a scan of a large database does not accumulate.
/// Not thread-safe.
/// </summary>
internal abstract class DumpWriter
{
    protected DumpWriter(IByteFormat format, bool full)
    {
        Format = format;
        Full = full;
    }

    /// <summary>How keys and values are rendered.</summary>
    public IByteFormat Format { get; }

    /// <summary>False: values longer than <see cref="ValueLimit"/> bytes are cut, with their length noted.</summary>
    public bool Full { get; }

    /// <summary>Values longer than this are cut unless <c>--full</c> is given.</summary>
    public const int ValueLimit = 64;

    public abstract void BeginObject(string name);

    public abstract void EndObject();

    /// <summary>Starts a list of items; in text, a list inside an item prints no header, only its indented rows.</summary>
    public abstract void BeginList(string name);

    public abstract void EndList();

    public abstract void BeginItem(string kind);

    public abstract void EndItem();

    public abstract void Field(string name, string value);

    public abstract void Field(string name, long value);

    public abstract void Field(string name, ulong value);

    public abstract void Field(string name, double value);

    public abstract void Field(string name, bool value);

    /// <summary>A key or value, rendered with <see cref="Format"/>.</summary>
    public void Bytes(string name, ReadOnlySpan<byte> bytes, ByteRole role)
    {
        if (!Full && role == ByteRole.Value && bytes.Length > ValueLimit)
        {
            RenderedBytes(name, Format.Render(bytes[..ValueLimit], role), Format.Quoted);
            Field(name + "_length", (long)bytes.Length);
            return;
        }
        RenderedBytes(name, Format.Render(bytes, role), Format.Quoted);
    }

    /// <summary>A string produced by <see cref="Format"/>; quoted in text when the format asks for it.</summary>
    protected abstract void RenderedBytes(string name, string rendered, bool quoted);

    /// <summary>Writes whatever is still buffered.</summary>
    public abstract void Finish();

    /// <summary>Wraps a body in <see cref="BeginItem"/>/<see cref="EndItem"/>.</summary>
    public void Item(string kind, Action body)
    {
        BeginItem(kind);
        body();
        EndItem();
    }
}
