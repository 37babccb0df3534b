using System.Reflection;
using AimLsm.Kv;
using AimLsm.Kv.IO;

namespace AimLsm.Tests.Lsm;

/// <summary>
/// Options at open (issue 16): the engine copies the caller's <see cref="DbOptions"/> and validates the copy, so an
/// option out of range is refused with the option and the value named, two options that conflict with both named,
/// and a change to the caller's object after open changes nothing.
/// </summary>
public class DbOptionsValidationTests
{
    /// <summary>Each numeric option with a value just out of its range.</summary>
    public static TheoryData<string, long> OutOfRange => new()
    {
        { nameof(DbOptions.WriteBufferSize), 4095 },
        { nameof(DbOptions.BlockSize), 255 },
        { nameof(DbOptions.BlockSize), (64 << 20) + 1 },
        { nameof(DbOptions.BlockRestartInterval), 0 },
        { nameof(DbOptions.BlockRestartInterval), 1025 },
        { nameof(DbOptions.BloomFilterBitsPerKey), -1 },
        { nameof(DbOptions.BloomFilterBitsPerKey), 65 },
        { nameof(DbOptions.BlockCacheSize), -1 },
        { nameof(DbOptions.MaxOpenFiles), 15 },
        { nameof(DbOptions.Level0FileNumCompactionTrigger), 0 },
        { nameof(DbOptions.Level0SlowdownWritesTrigger), 0 },
        { nameof(DbOptions.Level0StopWritesTrigger), 0 },
        { nameof(DbOptions.MaxBytesForLevelBase), 1023 },
        { nameof(DbOptions.MaxBytesForLevelMultiplier), 1 },
        { nameof(DbOptions.TargetFileSizeBase), 1023 },
        { nameof(DbOptions.SoftPendingCompactionBytesLimit), 0 },
        { nameof(DbOptions.HardPendingCompactionBytesLimit), -5 },
        { nameof(DbOptions.MaxBackgroundCompactions), 0 },
        { nameof(DbOptions.MaxBackgroundCompactions), 65 },
        { nameof(DbOptions.MaxWriteBufferNumber), 1 },
        { nameof(DbOptions.MaxWriteBufferNumber), 65 },
        { nameof(DbOptions.Compression), 99 },
        { nameof(DbOptions.WalRecoveryMode), -1 },
    };

    [Theory]
    [MemberData(nameof(OutOfRange))]
    public void An_option_out_of_range_is_refused_naming_the_option_and_its_value(string option, long value)
    {
        DbOptions options = Fresh();
        PropertyInfo property = typeof(DbOptions).GetProperty(option)!;
        Type type = property.PropertyType;
        property.SetValue(options, type.IsEnum ? Enum.ToObject(type, value) : Convert.ChangeType(value, type, System.Globalization.CultureInfo.InvariantCulture));

        var e = Assert.Throws<ArgumentOutOfRangeException>(() => Db.Open("/db", options));
        Assert.Equal(option, e.ParamName);
        Assert.Equal(value, Convert.ToInt64(e.ActualValue, System.Globalization.CultureInfo.InvariantCulture));
        Assert.Contains($"DbOptions.{option} is ", e.Message, StringComparison.Ordinal);
        Assert.False(options.FileSystem!.DirectoryExists("/db")); // refused before anything was created
        e = Assert.Throws<ArgumentOutOfRangeException>(() => Db.OpenReadOnly("/db", options));
        Assert.Equal(option, e.ParamName);
    }

    [Theory]
    [InlineData(nameof(DbOptions.Level0FileNumCompactionTrigger), 8, nameof(DbOptions.Level0SlowdownWritesTrigger), 7)]
    [InlineData(nameof(DbOptions.Level0SlowdownWritesTrigger), 30, nameof(DbOptions.Level0StopWritesTrigger), 29)]
    [InlineData(nameof(DbOptions.SoftPendingCompactionBytesLimit), 2048, nameof(DbOptions.HardPendingCompactionBytesLimit), 1024)]
    public void Conflicting_options_are_refused_naming_both_with_their_values(string lower, long lowerValue, string upper, long upperValue)
    {
        DbOptions options = Fresh();
        Set(options, lower, lowerValue);
        Set(options, upper, upperValue);

        var e = Assert.Throws<ArgumentException>(() => Db.Open("/db", options));
        Assert.Equal(lower, e.ParamName);
        Assert.Contains($"DbOptions.{lower} ({lowerValue})", e.Message, StringComparison.Ordinal);
        Assert.Contains($"DbOptions.{upper} ({upperValue})", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Changing_the_options_object_after_open_changes_nothing()
    {
        DbOptions options = Fresh();
        options.WriteBufferSize = 4 << 20;
        using Db db = Db.Open("/db", options);

        // Were the engine reading the caller's object, a 4 KiB write buffer would flush a table every few writes.
        options.WriteBufferSize = 4096;
        options.Level0FileNumCompactionTrigger = 0; // and an invalid value would reach the running engine
        byte[] value = new byte[1000];
        for (int i = 0; i < 200; i++)
        {
            db.Put(System.Text.Encoding.ASCII.GetBytes($"k{i:D4}"), value);
        }

        Assert.DoesNotContain(options.FileSystem!.ListFiles("/db"), f => f.EndsWith(".sst", StringComparison.Ordinal));
        Assert.Equal(value, db.Get("k0199"u8));
    }

    private static DbOptions Fresh() => new() { CreateIfMissing = true, FileSystem = new MemFileSystem() };

    private static void Set(DbOptions options, string option, long value)
    {
        PropertyInfo property = typeof(DbOptions).GetProperty(option)!;
        property.SetValue(options, Convert.ChangeType(value, property.PropertyType, System.Globalization.CultureInfo.InvariantCulture));
    }
}
