using System.Diagnostics.Metrics;
using AimLsm.Kv;

namespace AimLsm.Streaming;

/// <summary>
/// The stream writer's instrument on the "AimLsm" meter (<see cref="Db.MeterName"/>): bytes of Aim's stream format
/// written, over every <see cref="AimStreamWriter"/> in the process. Reported once per chunk, at its flush.
/// </summary>
internal static class StreamMetrics
{
    private static readonly Meter s_meter = new(Db.MeterName);

    private static readonly Counter<long> s_bytes =
        s_meter.CreateCounter<long>("aimlsm.stream.bytes", "By", "Bytes of stream-format records written to pipes.");

    /// <summary>Adds what was written since <paramref name="reported"/> and returns the new mark.</summary>
    public static long Report(long written, long reported)
    {
        s_bytes.Add(written - reported);
        return written;
    }
}
