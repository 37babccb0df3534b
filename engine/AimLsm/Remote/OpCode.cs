namespace AimLsm.Remote;

/// <summary>The operations of a Batch frame's payload (docs/format.md 15.2).</summary>
internal enum OpCode : byte
{
    /// <summary>hash, created_at (f64 unix seconds), experiment, name?, description?, tags: a new run with the
    /// client's hash; again with the same hash and created_at, it reopens the run (a resent batch).</summary>
    CreateRun = 1,

    /// <summary>hash: resume an existing run for writing.</summary>
    OpenRun = 2,

    /// <summary>hash, path, records: replace the subtree at path of the run's tree with the value the records make.</summary>
    SetAttr = 3,

    /// <summary>hash, path: delete the subtree at path.</summary>
    DeleteAttr = 4,

    /// <summary>hash, prop (1 name, 2 experiment, 3 description), string?: set a prop.</summary>
    SetProp = 5,

    /// <summary>hash, u8 0 or 1: archive or unarchive.</summary>
    SetArchived = 6,

    /// <summary>hash, tag.</summary>
    AddTag = 7,

    /// <summary>hash, tag.</summary>
    RemoveTag = 8,

    /// <summary>hash, name, context records: declares the batch's next sequence index (0, 1, ...).</summary>
    Sequence = 9,

    /// <summary>index, step, epoch, time (unix µs), f64.</summary>
    TrackFloat = 10,

    /// <summary>index, step, epoch, time (unix µs), i64.</summary>
    TrackInt = 11,

    /// <summary>index, step, epoch, time (unix µs), records: any other value, flattened.</summary>
    TrackObject = 12,

    /// <summary>hash, end time (f64 unix seconds): the run is finished.</summary>
    CloseRun = 13,

    /// <summary>index, form (<see cref="PointForm"/> | <see cref="PointForms.EpochBit"/>), then step, epoch (when the
    /// bit is set) and time as zigzag LEB128 differences from the batch's previous Point, then the value: a float or
    /// int point in 8-14 bytes where TrackFloat and TrackInt take 34. Readers report it as TrackFloat or TrackInt.</summary>
    Point = 14,
}

/// <summary>How a <see cref="OpCode.Point"/> stores its value: the low two bits of its form byte.</summary>
internal enum PointForm : byte
{
    /// <summary>f64, 8 bytes little-endian.</summary>
    Float64 = 0,

    /// <summary>f32, 4 bytes little-endian: the point's double is exactly this float widened.</summary>
    Float32 = 1,

    /// <summary>i64 as zigzag LEB128.</summary>
    Int = 2,
}

/// <summary>The rest of a <see cref="OpCode.Point"/>'s form byte.</summary>
internal static class PointForms
{
    /// <summary>The point has an epoch (without it: none, long.MinValue).</summary>
    public const byte EpochBit = 4;

    /// <summary>The bits a reader knows; any other set bit is refused.</summary>
    public const byte Known = 3 | EpochBit;
}

/// <summary>The props a <see cref="OpCode.SetProp"/> sets.</summary>
internal enum RunProp : byte
{
    Name = 1,
    Experiment = 2,
    Description = 3,
}
