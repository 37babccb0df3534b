using AimLsm.Encoding;
using AimLsm.Remote;
using AimLsm.Tests.Testing;
using AimLsm.Tree;
using AimLsm.Tree.Storage;

namespace AimLsm.Tests.Remote;

/// <summary>
/// The server half of remote tracking (issue 18, points 1, 3 and 5) over a real loopback socket: batches applied
/// through the tracking path and acknowledged once durable, resends applied once, and a bad frame or a run held by
/// another session refused with nothing written and other connections unaffected.
/// </summary>
public sealed class TrackingServerTests : IDisposable
{
    private const string RunA = "0123456789abcdef01234567";
    private const string RunB = "89abcdef0123456789abcdef";
    private const double CreatedAt = 1_795_000_000.25;

    private readonly TempDirectory _dir = new();
    private Repo _repo;
    private TrackingServer _server;

    public TrackingServerTests()
    {
        _repo = Repo.Open(_dir.Sub("repo"));
        _server = new TrackingServer(_repo);
    }

    public void Dispose()
    {
        _server.Dispose();
        _repo.Dispose();
        _dir.Dispose();
    }

    [Fact]
    public async Task A_batch_is_applied_through_the_tracking_path_and_acknowledged()
    {
        var session = Guid.NewGuid();
        await using (RawTrackingClient client = await RawTrackingClient.ConnectAsync(_server))
        {
            Assert.Equal(0ul, await client.HelloAsync(session));
            var batch = new BatchWriter();
            batch.CreateRun(RunA, CreatedAt, "sweep", "first", "a run", ["x", "y"]);
            batch.SetAttr(RunA, TreePath.Encode(["hparams"]), new Dictionary<string, object?> { ["lr"] = 0.01, ["layers"] = 3L });
            int loss = batch.Sequence(RunA, "loss", BatchWriter.EncodeRecords(new Dictionary<string, object?> { ["subset"] = "train" }));
            int notes = batch.Sequence(RunA, "notes", BatchWriter.EncodeRecords(null));
            for (long step = 0; step < 100; step++)
            {
                batch.TrackFloat(loss, step, step / 10, 1_795_000_000_000_000 + step, 1.0 / (step + 1));
            }

            batch.TrackObject(notes, 7, long.MinValue, 1_795_000_000_000_007, BatchWriter.EncodeRecords("hello"));
            batch.AddTag(RunA, "z");
            await client.SendAsync(batch.Finish(1));
            await client.AckedAsync(1);

            batch.CloseRun(RunA, CreatedAt + 60);
            await client.SendAsync(batch.Finish(2));
            await client.AckedAsync(2);
        }

        Run run = _repo.GetRun(RunA);
        Assert.Equal("first", run.Name);
        Assert.Equal("sweep", run.Experiment);
        Assert.Equal(["x", "y", "z"], run.Tags);
        Assert.Equal(0.01, run.Tree["hparams", "lr"].Value);
        Assert.Equal(RunProps.ToDateTime(CreatedAt), run.CreatedAt);
        Assert.Equal(RunProps.ToDateTime(CreatedAt + 60), run.EndTime);
        SequenceData data = run.GetSequence("loss", new Context { ["subset"] = "train" }).Read();
        Assert.Equal(Enumerable.Range(0, 100).Select(i => (long)i), data.Steps);
        Assert.Equal(Enumerable.Range(0, 100).Select(i => 1.0 / (i + 1)), data.Numbers!);
        Assert.Equal(Enumerable.Range(0, 100).Select(i => (long?)(i / 10)), data.Epochs);
        Assert.Equal(1_795_000_000.000099, data.Timestamps[99], 6);
        SequenceData note = run.GetSequence("notes").Read();
        Assert.Equal([7L], note.Steps);
        Assert.Equal("hello", note.GetValue(0));
        Assert.Null(note.Epochs[0]);
    }

    [Fact]
    public async Task A_reconnecting_session_learns_how_far_it_got_and_a_resent_batch_is_applied_once()
    {
        var session = Guid.NewGuid();
        var batch = new BatchWriter();
        batch.CreateRun(RunA, CreatedAt, "e", "old name", null, []);
        byte[] first = batch.Finish(1);
        batch.SetProp(RunA, RunProp.Name, "new name");
        byte[] second = batch.Finish(2);
        await using (RawTrackingClient client = await RawTrackingClient.ConnectAsync(_server))
        {
            await client.HelloAsync(session);
            await client.SendAsync(first);
            await client.SendAsync(second);
            await client.AckedAsync(2);
            await client.DropAsync();
        }

        await using (RawTrackingClient again = await RawTrackingClient.ConnectAsync(_server))
        {
            Assert.Equal(2ul, await again.HelloAsync(session));

            // A client that resends batch 1 anyway gets an ack, and the old name does not come back.
            await again.SendAsync(first);
            await again.AckedAsync(1);
        }

        Assert.Equal("new name", _repo.GetRun(RunA).Name);
    }

    [Fact]
    public async Task A_restarted_server_knows_each_session_s_last_batch_from_the_disk()
    {
        var session = Guid.NewGuid();
        var batch = new BatchWriter();
        await using (RawTrackingClient client = await RawTrackingClient.ConnectAsync(_server))
        {
            await client.HelloAsync(session);
            batch.CreateRun(RunA, CreatedAt, "e", null, null, []);
            int s = batch.Sequence(RunA, "m", BatchWriter.EncodeRecords(null));
            batch.TrackInt(s, 0, long.MinValue, 0, 42);
            await client.SendAsync(batch.Finish(1));
            batch.Sequence(RunA, "m", BatchWriter.EncodeRecords(null));
            batch.TrackInt(0, 1, long.MinValue, 0, 43);
            await client.SendAsync(batch.Finish(2));
            await client.AckedAsync(2);
        }

        Restart();
        await using (RawTrackingClient client = await RawTrackingClient.ConnectAsync(_server))
        {
            Assert.Equal(2ul, await client.HelloAsync(session));

            // The run was closed by the restart; the session's next batch reopens it and goes on.
            batch.Sequence(RunA, "m", BatchWriter.EncodeRecords(null));
            batch.TrackInt(0, 2, long.MinValue, 0, 44);
            await client.SendAsync(batch.Finish(3));
            await client.AckedAsync(3);
        }

        Assert.Equal([42L, 43L, 44L], _repo.GetRun(RunA).GetSequence("m").Read().Integers!);
        Assert.Equal(0ul, await WelcomeOf(Guid.NewGuid()));
    }

    [Fact]
    public async Task A_frame_with_a_bad_checksum_closes_that_connection_only_and_writes_nothing()
    {
        await using RawTrackingClient good = await RawTrackingClient.ConnectAsync(_server);
        await good.HelloAsync(Guid.NewGuid());
        await using RawTrackingClient bad = await RawTrackingClient.ConnectAsync(_server);
        await bad.HelloAsync(Guid.NewGuid());

        var batch = new BatchWriter();
        batch.CreateRun(RunB, CreatedAt, "e", null, null, []);
        byte[] frame = batch.Finish(1);
        frame[^1] ^= 0xFF;
        (TrackingErrorCode code, string message) = await bad.RefusedAsync(frame);
        Assert.Equal(TrackingErrorCode.MalformedFrame, code);
        Assert.Contains("checksum mismatch", message);
        Assert.False(_repo.ContainsRun(RunB));

        batch.CreateRun(RunA, CreatedAt, "e", null, null, []);
        await good.SendAsync(batch.Finish(1));
        await good.AckedAsync(1);
        Assert.True(_repo.ContainsRun(RunA));
    }

    [Fact]
    public async Task An_oversized_frame_is_refused_with_the_limit_named()
    {
        _server.Dispose();
        _server = new TrackingServer(_repo, new TrackingServerOptions { MaxFrameBytes = TrackingFrame.MinMaxFrameBytes });
        await using RawTrackingClient client = await RawTrackingClient.ConnectAsync(_server);
        await client.HelloAsync(Guid.NewGuid());
        var batch = new BatchWriter();
        batch.CreateRun(RunA, CreatedAt, "e", null, null, []);
        batch.SetAttr(RunA, TreePath.Encode(["big"]), new string('x', TrackingFrame.MinMaxFrameBytes));
        (TrackingErrorCode code, string message) = await client.RefusedAsync(batch.Finish(1));
        Assert.Equal(TrackingErrorCode.FrameTooLarge, code);
        Assert.Contains($"{TrackingFrame.MinMaxFrameBytes} bytes", message);
        Assert.False(_repo.ContainsRun(RunA));
    }

    [Fact]
    public async Task A_batch_touching_a_run_another_session_holds_is_refused_whole()
    {
        await using RawTrackingClient owner = await RawTrackingClient.ConnectAsync(_server);
        await owner.HelloAsync(Guid.NewGuid(), "owner pid 1");
        var batch = new BatchWriter();
        batch.CreateRun(RunA, CreatedAt, "e", null, null, []);
        await owner.SendAsync(batch.Finish(1));
        await owner.AckedAsync(1);

        await using RawTrackingClient intruder = await RawTrackingClient.ConnectAsync(_server);
        await intruder.HelloAsync(Guid.NewGuid(), "intruder pid 2");
        batch.CreateRun(RunB, CreatedAt, "e", null, null, []);
        batch.AddTag(RunA, "stolen");
        (TrackingErrorCode code, string message) = await intruder.RefusedAsync(batch.Finish(1));
        Assert.Equal(TrackingErrorCode.RunLocked, code);
        Assert.Contains(RunA, message);
        Assert.Contains("owner pid 1", message);
        Assert.False(_repo.ContainsRun(RunB));
        Assert.Empty(_repo.GetRun(RunA).Tags);

        // The owner is unaffected.
        batch.AddTag(RunA, "mine");
        await owner.SendAsync(batch.Finish(2));
        await owner.AckedAsync(2);
        Assert.Equal(["mine"], _repo.GetRun(RunA).Tags);
    }

    [Fact]
    public async Task Creating_a_run_whose_hash_exists_with_other_content_is_refused()
    {
        await using (RawTrackingClient first = await RawTrackingClient.ConnectAsync(_server))
        {
            await first.HelloAsync(Guid.NewGuid());
            var batch = new BatchWriter();
            batch.CreateRun(RunA, CreatedAt, "e", "original", null, []);
            batch.CloseRun(RunA, CreatedAt + 1);
            await first.SendAsync(batch.Finish(1));
            await first.AckedAsync(1);
        }

        await using RawTrackingClient second = await RawTrackingClient.ConnectAsync(_server);
        await second.HelloAsync(Guid.NewGuid());
        var other = new BatchWriter();
        other.CreateRun(RunA, CreatedAt + 5, "e", "impostor", null, []);
        (TrackingErrorCode code, string message) = await second.RefusedAsync(other.Finish(1));
        Assert.Equal(TrackingErrorCode.RunConflict, code);
        Assert.Contains("another creation time", message);
        Assert.Equal("original", _repo.GetRun(RunA).Name);
    }

    [Fact]
    public async Task A_point_for_an_undeclared_sequence_or_a_gap_in_numbers_is_refused()
    {
        await using (RawTrackingClient client = await RawTrackingClient.ConnectAsync(_server))
        {
            await client.HelloAsync(Guid.NewGuid());
            var batch = new BatchWriter();
            batch.CreateRun(RunA, CreatedAt, "e", null, null, []);
            batch.TrackFloat(0, 0, long.MinValue, 0, 1.0);
            (TrackingErrorCode code, string message) = await client.RefusedAsync(batch.Finish(1));
            Assert.Equal(TrackingErrorCode.MalformedFrame, code);
            Assert.Contains("declared 0", message);
        }

        Assert.False(_repo.ContainsRun(RunA));
        await using RawTrackingClient gap = await RawTrackingClient.ConnectAsync(_server);
        await gap.HelloAsync(Guid.NewGuid());
        var next = new BatchWriter();
        next.CreateRun(RunA, CreatedAt, "e", null, null, []);
        (TrackingErrorCode gapCode, string gapMessage) = await gap.RefusedAsync(next.Finish(3));
        Assert.Equal(TrackingErrorCode.MalformedFrame, gapCode);
        Assert.Contains("batch 3 arrived after batch 0", gapMessage);
    }

    [Fact]
    public async Task A_value_the_repo_refuses_names_the_operation()
    {
        await using RawTrackingClient client = await RawTrackingClient.ConnectAsync(_server);
        await client.HelloAsync(Guid.NewGuid());
        var batch = new BatchWriter();
        batch.CreateRun(RunA, CreatedAt, "e", null, null, []);
        int s = batch.Sequence(RunA, "loss", BatchWriter.EncodeRecords(null));
        batch.TrackFloat(s, 0, long.MinValue, 0, 1.0);
        batch.TrackObject(s, 1, long.MinValue, 0, BatchWriter.EncodeRecords("a string into a float sequence"));
        (TrackingErrorCode code, string message) = await client.RefusedAsync(batch.Finish(1));
        Assert.Equal(TrackingErrorCode.InvalidOperation, code);
        Assert.Contains("operation 3 (TrackObject)", message);
    }

    [Fact]
    public async Task A_second_connection_of_a_connected_session_is_refused()
    {
        var session = Guid.NewGuid();
        await using RawTrackingClient first = await RawTrackingClient.ConnectAsync(_server);
        await first.HelloAsync(session);
        await using RawTrackingClient second = await RawTrackingClient.ConnectAsync(_server);
        byte[] payload = [.. session.ToByteArray(), 0];
        (TrackingErrorCode code, _) = await second.RefusedAsync(TrackingFrame.Build(FrameType.Hello, 0, payload));
        Assert.Equal(TrackingErrorCode.SessionBusy, code);
    }

    private void Restart()
    {
        _server.Dispose();
        _repo.Dispose();
        _repo = Repo.Open(_dir.Sub("repo"));
        _server = new TrackingServer(_repo);
    }

    private async Task<ulong> WelcomeOf(Guid session)
    {
        await using RawTrackingClient client = await RawTrackingClient.ConnectAsync(_server);
        return await client.HelloAsync(session);
    }
}
