using System.Diagnostics.Metrics;
using AimLsm.Kv;

namespace AimLsm.Tree.Sequences;

/// <summary>
/// The tracker's instruments on the "AimLsm" meter (<see cref="Db.MeterName"/>), beside each database's: points
/// tracked and the depth of the tracking queue, over every repo in the process. <see cref="Counter{T}.Add(T)"/>
/// and <see cref="UpDownCounter{T}.Add(T)"/> without tags allocate nothing and cost one check while no listener
/// collects, so <see cref="Tracker.Enqueue"/> calls them per point.
/// </summary>
internal static class TrackerMetrics
{
    private static readonly Meter s_meter = new(Db.MeterName);

    /// <summary>Points queued by <c>Track</c> calls.</summary>
    public static readonly Counter<long> PointsTracked =
        s_meter.CreateCounter<long>("aimlsm.tracker.points", "{point}", "Points queued for writing by Track calls.");

    /// <summary>Points in the tracking queue, waiting for the writer thread.</summary>
    public static readonly UpDownCounter<long> QueueDepth =
        s_meter.CreateUpDownCounter<long>("aimlsm.tracker.queue_depth", "{point}", "Points waiting in the tracking queue.");
}
