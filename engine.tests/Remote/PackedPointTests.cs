using AimLsm.Remote;
using AimLsm.Tests.Testing;
using AimLsm.Tree;

namespace AimLsm.Tests.Remote;

/// <summary>
/// The packed point of the tracking protocol (operation 14, docs/format.md 15.2): a float or int point written as
/// differences from the batch's previous point. Every value and step a point can hold comes back bit for bit, a
/// training loop's point takes a third of the fixed-width encoding's 34 bytes, and a server still applies batches of
/// the fixed-width operations older clients send.
/// </summary>
public sealed class PackedPointTests : IDisposable
{
    private const string Run = "0123456789abcdef01234567";
    private readonly TempDirectory _dir = new();

    public void Dispose() => _dir.Dispose();

    private static readonly long[] Steps = [0, 1, 1, 2, -1, long.MaxValue, long.MinValue, 0, 1_000_000_007, 3];
    private static readonly long[] Epochs = [long.MinValue, 0, 5, 5, long.MaxValue, long.MinValue, -7, 0, long.MinValue + 1, 1];
    private static readonly long[] Times = [1_795_000_000_000_000, 1_795_000_000_000_001, 0, -1, long.MaxValue, long.MinValue, 1_795_000_000_000_000, 42, 43, 44];

    // Floats that are exactly a float32 (4 bytes on the wire) and doubles that are not (8), NaNs with payloads, signed
    // zeros and infinities: the value read is the value written, bit for bit.
    private static readonly double[] Floats =
    [
        0.5, 1.0 / 3, -0.0, 0.0, double.NaN, BitConverter.Int64BitsToDouble(0x7FF8_0000_0000_0001), double.PositiveInfinity,
        (float)0.1, double.Epsilon, BitConverter.Int64BitsToDouble(unchecked((long)0xFFF0_0000_0000_0F00)),
    ];

    private static readonly long[] Ints = [0, 1, -1, long.MaxValue, long.MinValue, 42, -1_000_000, 127, 128, 64];

    [Fact]
    public void Every_step_epoch_time_and_value_reads_back_bit_for_bit()
    {
        var writer = new BatchWriter();
        int s = writer.Sequence(Run, "m", BatchWriter.EncodeRecords(null));
        for (int i = 0; i < Steps.Length; i++)
        {
            writer.TrackFloat(s, Steps[i], Epochs[i], Times[i], Floats[i]);
            writer.TrackInt(s, Steps[^(i + 1)], Epochs[^(i + 1)], Times[^(i + 1)], Ints[i]);
        }

        byte[] frame = writer.Finish(1);
        var reader = new BatchReader(TrackingFrame.Parse(frame, out _, out _));
        Assert.True(reader.MoveNext());
        Assert.Equal(OpCode.Sequence, reader.Code);
        for (int i = 0; i < Steps.Length; i++)
        {
            Assert.True(reader.MoveNext());
            Assert.Equal(OpCode.TrackFloat, reader.Code);
            Assert.Equal((Steps[i], Epochs[i], Times[i]), (reader.Step, reader.Epoch, reader.Micros));
            Assert.Equal(BitConverter.DoubleToInt64Bits(Floats[i]), BitConverter.DoubleToInt64Bits(reader.Float));
            Assert.True(reader.MoveNext());
            Assert.Equal(OpCode.TrackInt, reader.Code);
            Assert.Equal((Steps[^(i + 1)], Epochs[^(i + 1)], Times[^(i + 1)]), (reader.Step, reader.Epoch, reader.Micros));
            Assert.Equal(Ints[i], reader.Int);
        }

        Assert.False(reader.MoveNext());
    }

    [Fact]
    public void A_training_loop_s_point_takes_a_third_of_the_fixed_width_bytes()
    {
        static int BytesPerPoint(bool fixedPoints, bool float32)
        {
            var writer = new BatchWriter { FixedPoints = fixedPoints };
            int[] sequences = [.. Enumerable.Range(0, 8).Select(i => writer.Sequence(Run, $"m{i}", BatchWriter.EncodeRecords(null)))];
            int before = writer.Bytes;
            long time = 1_795_000_000_000_000;
            for (long step = 0; step < 1000; step++)
            {
                foreach (int s in sequences)
                {
                    double value = 1.0 / (step + 1) + s;
                    writer.TrackFloat(s, step, step / 100, time += 3, float32 ? (float)value : value);
                }
            }

            return (writer.Bytes - before) / 8000;
        }

        Assert.Equal(34, BytesPerPoint(fixedPoints: true, float32: false));
        Assert.InRange(BytesPerPoint(fixedPoints: false, float32: false), 13, 14);
        Assert.InRange(BytesPerPoint(fixedPoints: false, float32: true), 9, 10);
    }

    /// <summary>
    /// A version-1 Batch frame as a client before the packed point sent it, frozen as bytes (written from
    /// docs/format.md 15.1-15.2 by hand, not by today's writer, so that a change to both writer and reader cannot pass
    /// unnoticed): CreateRun of <see cref="Run"/> at 1,795,000,000.5 s in experiment "e"; Sequence "loss" and Sequence
    /// "count", empty contexts; TrackFloat(0, step 7, epoch 0, time 1,795,000,000,000,007 µs, 0.125); TrackInt(1, step 7,
    /// no epoch, the same time, 49).
    /// </summary>
    private const string Version1Batch =
        "414c544601030000010000000000000085000000010123456789abcdef01234567000020b061bfda410165000000090123456789abcdef0123" +
        "4567046c6f737300090123456789abcdef0123456705636f756e74000a000700000000000000000000000000000007305f018b6006000000" +
        "00000000c03f0b010700000000000000000000000000008007305f018b6006003100000000000000b7166cb8";

    [Fact]
    public async Task A_version_1_client_is_answered_in_version_1_and_its_fixed_width_points_are_applied()
    {
        using var repo = Repo.Open(_dir.Sub("repo"));
        using var server = new TrackingServer(repo);
        var session = Guid.NewGuid();
        await using (RawTrackingClient client = await RawTrackingClient.ConnectAsync(server))
        {
            await client.HelloAsync(session, version: 1);
            Assert.Equal(1, client.LastVersion);
            await client.SendAsync(Convert.FromHexString(Version1Batch));
            await client.AckedAsync(1);
            Assert.Equal(1, client.LastVersion);

            // The same client's later batches, fixed-width and packed, in version 1 frames as an older writer makes them.
            var old = new BatchWriter { FixedPoints = true, FrameVersion = 1 };
            TrackLossAndCount(old, 8, 50);
            await client.SendAsync(old.Finish(2));
            await client.AckedAsync(2);
        }

        // The session again, upgraded: a version-2 Hello, answered in version 2, and packed points.
        await using (RawTrackingClient client = await RawTrackingClient.ConnectAsync(server))
        {
            Assert.Equal(2ul, await client.HelloAsync(session));
            Assert.Equal(TrackingFrame.Version, client.LastVersion);
            var packed = new BatchWriter();
            packed.OpenRun(Run);
            TrackLossAndCount(packed, 50, 100);
            await client.SendAsync(packed.Finish(3));
            await client.AckedAsync(3);
        }

        AimLsm.Tree.Run run = repo.GetRun(Run);
        Assert.Equal("e", run.Experiment);
        SequenceData loss = run.GetSequence("loss").Read();
        Assert.Equal(Enumerable.Range(7, 93).Select(i => (long)i), loss.Steps);
        Assert.Equal([0.125, .. Enumerable.Range(8, 92).Select(i => 1.0 / (i + 1))], loss.Numbers!);
        Assert.Equal([0L, .. Enumerable.Range(8, 92).Select(i => (long?)(i / 10))], loss.Epochs);
        Assert.Equal(1_795_000_000.000007, loss.Timestamps[0], 6);
        SequenceData count = run.GetSequence("count").Read();
        Assert.Equal([49L, .. Enumerable.Range(8, 92).Select(i => (long)i * i)], count.Integers!);
        Assert.All(count.Epochs, e => Assert.Null(e));
    }

    /// <summary>Declares "loss" and "count" and tracks steps [<paramref name="from"/>, <paramref name="to"/>) into
    /// them: 1 / (step + 1) with epoch step / 10, and step squared without an epoch.</summary>
    private static void TrackLossAndCount(BatchWriter batch, long from, long to)
    {
        int loss = batch.Sequence(Run, "loss", BatchWriter.EncodeRecords(null));
        int count = batch.Sequence(Run, "count", BatchWriter.EncodeRecords(null));
        for (long step = from; step < to; step++)
        {
            batch.TrackFloat(loss, step, step / 10, 1_795_000_000_000_000 + step, 1.0 / (step + 1));
            batch.TrackInt(count, step, long.MinValue, 1_795_000_000_000_000 + step, step * step);
        }
    }

    [Fact]
    public async Task A_hello_of_an_unknown_frame_version_is_refused_naming_the_versions_this_server_reads()
    {
        using var repo = Repo.Open(_dir.Sub("repo"));
        using var server = new TrackingServer(repo);
        await using RawTrackingClient client = await RawTrackingClient.ConnectAsync(server);
        byte[] payload = [.. Guid.NewGuid().ToByteArray(), 0];
        (TrackingErrorCode code, string message) = await client.RefusedAsync(TrackingFrame.Build(FrameType.Hello, 0, payload, version: 3));
        Assert.Equal(TrackingErrorCode.MalformedFrame, code);
        Assert.Contains($"frame version 3 at offset 4; this build speaks versions 1 to {TrackingFrame.Version}", message);
    }

    [Theory]
    [InlineData(0x03, "point form of 0x03")] // value kind 3 does not exist
    [InlineData(0x13, "point form of 0x13")] // an unknown bit
    public void An_unknown_point_form_is_refused(byte form, string expected) =>
        AssertRefused(frame => frame[^(TrackingFrame.TrailerBytes + 4)] = form, expected);

    [Fact]
    public void A_point_cut_short_is_refused_as_the_point_it_was()
    {
        var writer = new BatchWriter();
        int s = writer.Sequence(Run, "m", BatchWriter.EncodeRecords(null));
        writer.TrackFloat(s, 1, long.MinValue, 2, 1.0 / 3); // a double: 8 value bytes
        byte[] whole = writer.Finish(1);
        int cut = whole.Length - TrackingFrame.TrailerBytes - 3;
        byte[] frame = TrackingFrame.Build(FrameType.Batch, 1, whole.AsSpan(TrackingFrame.HeaderBytes, cut - TrackingFrame.HeaderBytes));
        TrackingProtocolException e = Refusal(frame);
        Assert.Contains("operation 1 (Point)", e.Message);
        Assert.Contains("needs 8 more bytes", e.Message);
    }

    [Fact]
    public void A_varint_of_more_than_64_bits_is_refused_not_truncated()
    {
        // The step difference as ten bytes whose last holds more than bit 63: 0xFF x 9, then 0x7F.
        var writer = new BatchWriter();
        int s = writer.Sequence(Run, "m", BatchWriter.EncodeRecords(null));
        writer.TrackInt(s, 0, long.MinValue, 0, 0);
        byte[] whole = writer.Finish(1);
        ReadOnlySpan<byte> payload = whole.AsSpan(TrackingFrame.HeaderBytes, whole.Length - TrackingFrame.HeaderBytes - TrackingFrame.TrailerBytes);
        int point = payload.Length - 6; // opcode, sequence, form, step, time, value: a byte each
        byte[] forged = [.. payload[..(point + 3)], 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0x7F, .. payload[(point + 4)..]];
        TrackingProtocolException e = Refusal(TrackingFrame.Build(FrameType.Batch, 1, forged));
        Assert.Contains("operation 1 (Point)", e.Message);
        Assert.Contains("over-long LEB128", e.Message);
    }

    private static void AssertRefused(Action<byte[]> damage, string expected)
    {
        var writer = new BatchWriter();
        int s = writer.Sequence(Run, "m", BatchWriter.EncodeRecords(null));
        writer.TrackInt(s, 1, long.MinValue, 2, 3); // opcode, sequence, form, step, time and value: a byte each
        byte[] frame = writer.Finish(1);
        damage(frame);
        TrackingFrame.Seal(frame);
        TrackingProtocolException e = Refusal(frame);
        Assert.Equal(TrackingErrorCode.MalformedFrame, e.Code);
        Assert.Contains($"operation 1 (Point) at frame offset {frame.Length - TrackingFrame.TrailerBytes - 6}", e.Message);
        Assert.Contains(expected, e.Message);
    }

    /// <summary>What reading every operation of <paramref name="frame"/> throws; fails the test if nothing does.</summary>
    private static TrackingProtocolException Refusal(byte[] frame)
    {
        var reader = new BatchReader(TrackingFrame.Parse(frame, out _, out _));
        try
        {
            while (reader.MoveNext())
            {
            }
        }
        catch (TrackingProtocolException e)
        {
            return e;
        }

        throw new Xunit.Sdk.XunitException("the frame was read without an error");
    }
}
