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

    [Fact]
    public void An_unknown_point_form_is_refused_naming_the_operation_and_its_offset()
    {
        var writer = new BatchWriter();
        int s = writer.Sequence(Run, "m", BatchWriter.EncodeRecords(null));
        writer.TrackInt(s, 1, long.MinValue, 2, 3);
        byte[] frame = writer.Finish(1);

        // The point is the last operation: opcode, sequence index, form, step, time and value, a byte each.
        int form = frame.Length - TrackingFrame.TrailerBytes - 4;
        Assert.Equal((byte)OpCode.Point, frame[form - 2]);
        frame[form] = 0x13;
        TrackingFrame.Seal(frame);
        var reader = new BatchReader(TrackingFrame.Parse(frame, out _, out _));
        Assert.True(reader.MoveNext());
        TrackingProtocolException e;
        try
        {
            reader.MoveNext();
            throw new Xunit.Sdk.XunitException("the form 0x13 was accepted");
        }
        catch (TrackingProtocolException caught)
        {
            e = caught;
        }

        Assert.Equal(TrackingErrorCode.MalformedFrame, e.Code);
        Assert.Contains($"operation 1 (Point) at frame offset {form - 2}", e.Message);
        Assert.Contains("point form of 0x13", e.Message);
    }

    [Fact]
    public async Task A_server_applies_fixed_width_points_of_older_clients_and_packed_ones_alike()
    {
        using var repo = Repo.Open(_dir.Sub("repo"));
        using var server = new TrackingServer(repo);
        await using (RawTrackingClient client = await RawTrackingClient.ConnectAsync(server))
        {
            await client.HelloAsync(Guid.NewGuid());
            var old = new BatchWriter { FixedPoints = true };
            old.CreateRun(Run, 1_795_000_000.5, "e", null, null, []);
            int s = old.Sequence(Run, "loss", BatchWriter.EncodeRecords(null));
            int n = old.Sequence(Run, "count", BatchWriter.EncodeRecords(null));
            for (long step = 0; step < 50; step++)
            {
                old.TrackFloat(s, step, step / 10, 1_795_000_000_000_000 + step, 1.0 / (step + 1));
                old.TrackInt(n, step, long.MinValue, 1_795_000_000_000_000 + step, step * step);
            }

            await client.SendAsync(old.Finish(1));
            var packed = new BatchWriter();
            s = packed.Sequence(Run, "loss", BatchWriter.EncodeRecords(null));
            n = packed.Sequence(Run, "count", BatchWriter.EncodeRecords(null));
            for (long step = 50; step < 100; step++)
            {
                packed.TrackFloat(s, step, step / 10, 1_795_000_000_000_000 + step, 1.0 / (step + 1));
                packed.TrackInt(n, step, long.MinValue, 1_795_000_000_000_000 + step, step * step);
            }

            await client.SendAsync(packed.Finish(2));
            await client.AckedAsync(2);
        }

        {
            AimLsm.Tree.Run run = repo.GetRun(Run);
            SequenceData loss = run.GetSequence("loss").Read();
            Assert.Equal(Enumerable.Range(0, 100).Select(i => (long)i), loss.Steps);
            Assert.Equal(Enumerable.Range(0, 100).Select(i => 1.0 / (i + 1)), loss.Numbers!);
            Assert.Equal(Enumerable.Range(0, 100).Select(i => (long?)(i / 10)), loss.Epochs);
            Assert.Equal(1_795_000_000.000099, loss.Timestamps[99], 6);
            SequenceData count = run.GetSequence("count").Read();
            Assert.Equal(Enumerable.Range(0, 100).Select(i => (long)i * i), count.Integers!);
            Assert.All(count.Epochs, e => Assert.Null(e));
        }
    }
}
