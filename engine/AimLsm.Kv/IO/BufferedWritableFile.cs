namespace AimLsm.Kv.IO;

/// <summary>
/// A file written from start to end whose appends gather in a 64 KiB buffer, so that small WAL records do not each
/// cost a system call: a flush hands the buffer over in one piece, and an append too large for the buffer goes
/// straight through. Subclasses say where the bytes go (<see cref="Write"/>).
/// </summary>
internal abstract class BufferedWritableFile : IWritableFile
{
    private const int BufferSize = 64 * 1024;
    private readonly byte[] _buffer = new byte[BufferSize];
    private int _buffered;

    /// <summary>Bytes handed over by <see cref="Write"/> so far: the offset of the next.</summary>
    protected long Written { get; private set; }

    /// <summary>True once the file is closed.</summary>
    protected abstract bool IsClosed { get; }

    /// <inheritdoc />
    public long Length => Written + _buffered;

    /// <inheritdoc />
    public void Append(ReadOnlySpan<byte> data)
    {
        ObjectDisposedException.ThrowIf(IsClosed, this);
        if (data.Length <= BufferSize - _buffered)
        {
            data.CopyTo(_buffer.AsSpan(_buffered));
            _buffered += data.Length;
            return;
        }
        Flush();
        if (data.Length >= BufferSize)
        {
            WriteOut(data);
        }
        else
        {
            data.CopyTo(_buffer);
            _buffered = data.Length;
        }
    }

    /// <inheritdoc />
    public void Flush()
    {
        ObjectDisposedException.ThrowIf(IsClosed, this);
        if (_buffered > 0)
        {
            WriteOut(_buffer.AsSpan(0, _buffered));
            _buffered = 0;
        }
    }

    /// <inheritdoc />
    public abstract void Sync();

    /// <summary>Flushes, then closes the file (<see cref="Close"/>) even when the flush fails. Idempotent.</summary>
    public void Dispose()
    {
        if (IsClosed)
        {
            return;
        }
        try
        {
            Flush();
        }
        finally
        {
            Close();
        }
    }

    /// <summary>Releases the file; every byte appended has been handed over, or the flush failed.</summary>
    protected abstract void Close();

    /// <summary>Hands <paramref name="data"/> to the operating system at <paramref name="offset"/>, the file's end.</summary>
    protected abstract void Write(ReadOnlySpan<byte> data, long offset);

    private void WriteOut(ReadOnlySpan<byte> data)
    {
        Write(data, Written);
        Written += data.Length;
    }
}
