using System.Collections.Concurrent;
using System.Diagnostics.Metrics;
using System.IO.Pipelines;
using AimLsm.Kv;
using AimLsm.Streaming;
using AimLsm.Tests.Testing;
using AimLsm.Tree;

namespace AimLsm.Tests.Metrics;

/// <summary>
/// The "AimLsm" meter (README "Watch it run"): every instrument the engine and the tracker publish moves under a
/// workload that writes, flushes, compacts, stalls, reads through the block cache, tracks points and streams. A
/// <see cref="MeterListener"/> collects them the way dotnet-counters does; each database's instruments are told
/// apart by the meter's "db" tag, so databases of tests running beside this one do not count.
/// </summary>
public sealed class AimLsmMeterTests : IDisposable
{
    private readonly TempDirectory _tmp = new();

    public void Dispose() => _tmp.Dispose();

    /// <summary>Listens to the AimLsm meter: sums of counters, last values of observable ones, units.</summary>
    private sealed class Collector : IDisposable
    {
        private readonly MeterListener _listener = new();
        private readonly string _db;

        public Collector(string db)
        {
            _db = db;
            _listener.InstrumentPublished = (instrument, listener) =>
            {
                if (instrument.Meter.Name == Db.MeterName && Mine(instrument))
                {
                    Units[instrument.Name] = instrument.Unit;
                    listener.EnableMeasurementEvents(instrument);
                }
            };
            _listener.SetMeasurementEventCallback<long>((i, v, _, _) => Record(i, v));
            _listener.SetMeasurementEventCallback<double>((i, v, _, _) => Record(i, v));
            _listener.SetMeasurementEventCallback<int>((i, v, _, _) => Record(i, v));
            _listener.Start();
        }

        public ConcurrentDictionary<string, string?> Units { get; } = new();

        /// <summary>Counters and up-down counters: the sum of what was added; observable instruments: the last value.</summary>
        public ConcurrentDictionary<string, double> Values { get; } = new();

        /// <summary>Largest value an up-down counter's running sum reached.</summary>
        public ConcurrentDictionary<string, double> Peaks { get; } = new();

        public void Collect() => _listener.RecordObservableInstruments();

        public void Dispose() => _listener.Dispose();

        /// <summary>The engine's instruments of this test's database, and the process-wide tracker and stream ones.</summary>
        private bool Mine(Instrument instrument) =>
            instrument.Meter.Tags?.FirstOrDefault(t => t.Key == "db").Value is not string db
            || db.StartsWith(_db, StringComparison.Ordinal);

        private void Record(Instrument instrument, double value)
        {
            if (instrument.IsObservable)
            {
                Values[instrument.Name] = value;
                return;
            }
            double sum = Values.AddOrUpdate(instrument.Name, value, (_, old) => old + value);
            Peaks.AddOrUpdate(instrument.Name, sum, (_, old) => Math.Max(old, sum));
        }
    }

    [Fact]
    public void Every_engine_instrument_moves_under_a_workload()
    {
        string path = _tmp.Sub("db");
        using var collector = new Collector(path);
        var options = new DbOptions
        {
            CreateIfMissing = true,
            WriteBufferSize = 64 << 10,
            DisableAutoCompactions = true,
            Level0FileNumCompactionTrigger = 2,
            Level0SlowdownWritesTrigger = 2,
            Level0StopWritesTrigger = 100,
            // The one stall this workload can meet is a writer that fills every write buffer before the flush thread
            // empties one: a race the writer lost when its writes were slower (a fresh-clone CI run saw no stall).
            // Holding the flush thread after its first flush makes the writer stall every time.
            Listener = new HoldFirstFlush(TimeSpan.FromMilliseconds(500)),
        };
        using (var db = Db.Open(path, options))
        {
            collector.Collect();
            var before = new Dictionary<string, double>(collector.Values);
            var value = new byte[512];
            for (int i = 0; i < 2000; i++)
            {
                db.Put(System.Text.Encoding.ASCII.GetBytes($"key{i:D6}"), value);
                if (i % 500 == 499)
                {
                    db.Flush();
                }
            }
            for (int i = 0; i < 2000; i += 7)
            {
                db.Get(System.Text.Encoding.ASCII.GetBytes($"key{i:D6}"));
                db.Get(System.Text.Encoding.ASCII.GetBytes($"key{i:D6}"));
            }
            db.CompactRange();
            collector.Collect();

            string[] moving =
            [
                "aimlsm.writes", "aimlsm.bytes_written", "aimlsm.wal.bytes_written", "aimlsm.flushes", "aimlsm.flush.bytes_written",
                "aimlsm.compactions", "aimlsm.compaction.bytes_written", "aimlsm.compaction.bytes_read", "aimlsm.stalls",
                "aimlsm.stall.time", "aimlsm.block_cache.hits", "aimlsm.block_cache.misses",
            ];
            foreach (string name in moving)
            {
                Assert.True(collector.Values.TryGetValue(name, out double after), $"{name} was not published");
                Assert.True(after > before.GetValueOrDefault(name), $"{name} did not move: {before.GetValueOrDefault(name)} -> {after}");
            }
            Assert.Equal(2000, collector.Values["aimlsm.writes"] - before.GetValueOrDefault("aimlsm.writes"));
            Assert.Equal("{write}", collector.Units["aimlsm.writes"]);
            Assert.Equal("By", collector.Units["aimlsm.bytes_written"]);
            Assert.Equal("s", collector.Units["aimlsm.stall.time"]);
        }
    }

    [Fact]
    public async Task The_tracker_and_stream_instruments_move_when_points_are_tracked_and_streamed()
    {
        using var collector = new Collector(_tmp.Path);
        using var repo = Repo.Open(_tmp.Sub("runs.aimlsm"));
        using var run = repo.CreateRun(experiment: "meter");
        for (int step = 0; step < 1000; step++)
        {
            run.Track(1.0 / (step + 1), name: "loss", step: step);
        }
        run.Flush();

        // Other tests track in parallel: counts are at least this test's, and the queue emptied at least once.
        Assert.True(collector.Values.GetValueOrDefault("aimlsm.tracker.points") >= 1000);
        Assert.True(collector.Peaks.GetValueOrDefault("aimlsm.tracker.queue_depth") >= 1, "queue depth never rose");
        Assert.Equal("{point}", collector.Units["aimlsm.tracker.points"]);
        Assert.Equal("{point}", collector.Units["aimlsm.tracker.queue_depth"]);

        var memory = new MemoryStream();
        PipeWriter pipe = PipeWriter.Create(memory, new StreamPipeWriterOptions(leaveOpen: true));
        var writer = new AimStreamWriter(pipe);
        Assert.True(await writer.WriteSequenceAsync(run.GetSequence("loss")));
        await pipe.CompleteAsync();
        Assert.True(memory.Length > 0);
        Assert.True(collector.Values.GetValueOrDefault("aimlsm.stream.bytes") >= writer.BytesWritten,
            $"stream bytes {collector.Values.GetValueOrDefault("aimlsm.stream.bytes")} < {writer.BytesWritten}");
        Assert.Equal("By", collector.Units["aimlsm.stream.bytes"]);
    }

    /// <summary>Keeps the flush thread, after its first flush, for a while: the writer meanwhile fills every write
    /// buffer and must stall.</summary>
    private sealed class HoldFirstFlush(TimeSpan hold) : EventListener
    {
        private int _flushes;

        public override void OnFlushCompleted(FlushInfo info)
        {
            if (Interlocked.Increment(ref _flushes) == 1)
            {
                Thread.Sleep(hold);
            }
        }
    }
}
