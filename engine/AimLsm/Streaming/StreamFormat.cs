namespace AimLsm.Streaming;

/// <summary>
/// The constants of the stream format (docs/format.md, section 14): Aim's record framing, the names of the
/// top-level objects and of the fields the writer puts in them. Every name here is part of the wire format: DO NOT
/// CHANGE one; a change that an old reader would misread needs a new <see cref="Version"/>.
/// <code>
/// record := u32 LE key length | key (encoded path, section 12.2) | u32 LE value length | value (section 12.3)
/// </code>
/// </summary>
internal static class StreamFormat
{
    /// <summary>
    /// The stream format version this build writes, and the newest it reads (docs/format.md, 14.8). 1: run objects
    /// without points carry a flat list of traces with their metadata beside name and context. 2: they carry Aim's
    /// run-search shape, traces grouped by sequence type with the metadata under <c>values</c>. This build reads both.
    /// </summary>
    public const int Version = 2;

    /// <summary>The size of each length field: a u32, little-endian (Python's <c>struct.pack('I', n)</c>).</summary>
    public const int LengthSize = 4;

    /// <summary>
    /// The top-level key of the version marker, the first object of a stream: the list <c>[0, 0, Version]</c>. The
    /// key starts with <see cref="ProgressPrefix"/>, so Aim's UI reads the marker as a progress report of 0 of 0.
    /// </summary>
    public const string MarkerKey = "progress_aimlsm_stream";

    /// <summary>Top-level keys that start with this are progress reports <c>[checked, total]</c>, as in Aim.</summary>
    public const string ProgressPrefix = "progress";

    /// <summary>The run object's parameter tree (Aim's <c>run[...]</c>).</summary>
    public const string ParamsField = "params";

    /// <summary>The run object's properties: name, description, experiment, tags, times, archived, active.</summary>
    public const string PropsField = "props";

    /// <summary>The run object's list of traces (sequences).</summary>
    public const string TracesField = "traces";

    /// <summary>A trace's name.</summary>
    public const string NameField = "name";

    /// <summary>A trace's context dict.</summary>
    public const string ContextField = "context";

    /// <summary>A trace's dtype (section 13.5).</summary>
    public const string DtypeField = "dtype";

    /// <summary>A trace's requested range, Aim's <c>slice</c>: <c>[from step, to step, density]</c>.</summary>
    public const string SliceField = "slice";

    /// <summary>The index of this piece of a trace, from 0 (AimLsm extension).</summary>
    public const string ChunkField = "chunk";

    /// <summary>True on the last piece of a trace (AimLsm extension).</summary>
    public const string FinalField = "final";

    /// <summary>A trace's values: a numpy encodable of numbers, or a list of objects.</summary>
    public const string ValuesField = "values";

    /// <summary>A trace's steps (Aim's <c>iters</c>), a numpy encodable.</summary>
    public const string ItersField = "iters";

    /// <summary>A trace's epochs, a numpy encodable; NaN (or <see cref="long.MinValue"/> in int64) for none.</summary>
    public const string EpochsField = "epochs";

    /// <summary>A trace's timestamps in Unix seconds, a numpy encodable.</summary>
    public const string TimestampsField = "timestamps";

    /// <summary>Metadata of a trace streamed without data: the number of records.</summary>
    public const string CountField = "count";

    /// <summary>Metadata of a trace streamed without data: the smallest step.</summary>
    public const string FirstStepField = "first_step";

    /// <summary>Metadata of a trace streamed without data: the largest step.</summary>
    public const string LastStepField = "last_step";

    /// <summary>Metadata of a trace streamed without data: the value at the smallest step.</summary>
    public const string FirstField = "first";

    /// <summary>Metadata of a trace streamed without data: the value at the largest step.</summary>
    public const string LastField = "last";

    /// <summary>Metadata of a trace streamed without data: the smallest value.</summary>
    public const string MinField = "min";

    /// <summary>Metadata of a trace streamed without data: the largest value.</summary>
    public const string MaxField = "max";

    /// <summary>The field that names an encodable's kind, as in Aim's numpy encodable.</summary>
    public const string TypeField = "type";

    /// <summary>The <see cref="TypeField"/> of Aim's numpy encodable <c>{type, shape, dtype, blob}</c>.</summary>
    public const string NumpyType = "numpy";

    /// <summary>The numpy encodable's element count.</summary>
    public const string ShapeField = "shape";

    /// <summary>The numpy encodable's raw little-endian elements.</summary>
    public const string BlobField = "blob";

    /// <summary>Aim's numpy dtype: IEEE-754 doubles.</summary>
    public const string Float64 = "float64";

    /// <summary>Int64 elements (AimLsm extension), used only when a value does not fit a double exactly.</summary>
    public const string Int64 = "int64";

    /// <summary>The <see cref="TypeField"/> of a blob reference <c>{type, uri}</c> (AimLsm extension).</summary>
    public const string BlobRefType = "blob_ref";

    /// <summary>The blob reference's URI (see <see cref="BlobUri"/>).</summary>
    public const string UriField = "uri";

    /// <summary>The largest magnitude below which every integer is exactly a double (2^53).</summary>
    internal const long MaxExactDouble = 1L << 53;
}
