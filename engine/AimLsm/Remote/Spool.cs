using System.Buffers.Binary;
using AimLsm.Kv;

namespace AimLsm.Remote;

/// <summary>
/// The client's spool (docs/format.md 15.4): sealed batches the server has not taken yet, in an AimLsm.Kv
/// <see cref="Db"/> on the client's disk, keyed by batch number (8 bytes big-endian, so the engine's order is the
/// batches' order), each value the whole frame as it will be sent. Key 0 (no batch has number 0) holds the header:
/// the spool's version and the session id. Batches held are the contiguous numbers
/// <see cref="First"/> .. <see cref="Last"/>. Written without the WAL and never synced: the spool holds batches for
/// this process while its server is away, not across a crash of the client (a killed client loses what it had not
/// flushed, docs/aim-repo.md). Only the sender thread calls its methods; the counts are read by others under the
/// repo's state lock.
/// </summary>
internal sealed class Spool : IDisposable
{
    /// <summary>The layout version in the header record.</summary>
    public const byte Version = 1;

    private static readonly WriteOptions NoWal = new() { DisableWal = true };

    private readonly Db _db;

    /// <summary>The frames' sizes of the batches held, oldest first: what moving the oldest into memory would cost,
    /// known without reading it.</summary>
    private readonly Queue<int> _sizes = new();

    private Spool(Db db, string path)
    {
        _db = db;
        Path = path;
    }

    /// <summary>The spool's folder.</summary>
    public string Path { get; }

    /// <summary>The oldest batch held; meaningful while <see cref="Count"/> is not 0.</summary>
    public ulong First { get; private set; }

    /// <summary>The newest batch held.</summary>
    public ulong Last { get; private set; }

    /// <summary>Batches held.</summary>
    public int Count { get; private set; }

    /// <summary>Bytes of frames held.</summary>
    public long Bytes { get; private set; }

    /// <summary>The frame's size of the oldest batch held; meaningful while <see cref="Count"/> is not 0.</summary>
    public int FirstBytes => _sizes.Peek();

    /// <summary>Points in the batches held.</summary>
    public long Points { get; private set; }

    /// <summary>Creates the spool of session <paramref name="session"/> in <paramref name="path"/> (a new folder).</summary>
    /// <exception cref="DbException">The folder cannot be created or the engine opened; the message names it.</exception>
    public static Spool Create(string path, Guid session)
    {
        Db db = Db.Open(path, new DbOptions
        {
            CreateIfMissing = true,
            ErrorIfExists = true,
            WriteBufferSize = 8 << 20, // the memtable holds spooled frames until it is flushed: keep memory bounded
            BlockCacheSize = 1 << 20,
        });
        try
        {
            byte[] header = new byte[17];
            header[0] = Version;
            session.TryWriteBytes(header.AsSpan(1));
            db.Put(Key(0), header, NoWal);
            return new Spool(db, path);
        }
        catch
        {
            db.Dispose();
            throw;
        }
    }

    /// <summary>Appends <paramref name="batch"/>, which follows <see cref="Last"/> (or starts an empty spool).</summary>
    public void Add(SealedBatch batch)
    {
        System.Diagnostics.Debug.Assert(Count == 0 || batch.Number == Last + 1, "spooled batches are contiguous");
        byte[] value = new byte[4 + batch.Frame.Length];
        BinaryPrimitives.WriteInt32LittleEndian(value, batch.Points);
        batch.Frame.CopyTo(value, 4);
        _db.Put(Key(batch.Number), value, NoWal);
        if (Count == 0)
        {
            First = batch.Number;
        }

        Last = batch.Number;
        _sizes.Enqueue(batch.Frame.Length);
        Count++;
        Bytes += batch.Frame.Length;
        Points += batch.Points;
    }

    /// <summary>Removes and returns the oldest batch.</summary>
    /// <exception cref="InvalidOperationException">The spool is empty, or its oldest batch is missing (a bug).</exception>
    public SealedBatch TakeFirst()
    {
        if (Count == 0)
        {
            throw new InvalidOperationException("The spool is empty.");
        }

        byte[] key = Key(First);
        byte[] value = _db.Get(key) ?? throw new InvalidOperationException($"Batch {First} is missing from the spool at '{Path}'.");
        var batch = new SealedBatch(First, value.AsSpan(4).ToArray(), BinaryPrimitives.ReadInt32LittleEndian(value));
        _db.Delete(key, NoWal);
        First++;
        _sizes.Dequeue();
        Count--;
        Bytes -= batch.Frame.Length;
        Points -= batch.Points;
        return batch;
    }

    public void Dispose() => _db.Dispose();

    private static byte[] Key(ulong number)
    {
        byte[] key = new byte[8];
        BinaryPrimitives.WriteUInt64BigEndian(key, number);
        return key;
    }
}

/// <summary>A sealed batch: its number, the whole frame, and how many points it carries (for messages).</summary>
internal sealed class SealedBatch(ulong number, byte[] frame, int points)
{
    public ulong Number { get; } = number;

    /// <summary>The frame as sent; replaced by an empty batch of the same number when the server refused it.</summary>
    public byte[] Frame { get; set; } = frame;

    public int Points { get; set; } = points;
}
