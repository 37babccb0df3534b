using AimLsm.Kv.Keys;
using AimLsm.Tools.LsmDump.Cli;
using AimLsm.Tools.LsmDump.Output;
using AimLsm.Tools.Shared;

namespace AimLsm.Tools.LsmDump.Commands;

/// <summary>What a subcommand runs with: its arguments, where it writes, and the progress line.</summary>
internal sealed class CommandContext(Arguments args, DumpWriter output, ConsoleProgress progress)
{
    public Arguments Args { get; } = args;

    public DumpWriter Out { get; } = output;

    public ConsoleProgress Progress { get; } = progress;

    /// <summary>A key the user typed (<c>--from</c>, <c>--to</c>, <c>--prefix</c>), parsed with the chosen <c>--format</c>.</summary>
    public byte[]? KeyOption(string command, string name)
    {
        string? text = Args.Value(name);
        if (text is null)
        {
            return null;
        }
        try
        {
            return Out.Format.Parse(text);
        }
        catch (FormatException e)
        {
            throw new BadInputException($"{command}: {name} '{text}' is not a valid {Out.Format.Name} key: {e.Message}");
        }
    }

    /// <summary>Writes an internal key as three fields: <c>name</c> (the user key), <c>name_seq</c>, <c>name_type</c>.</summary>
    public void InternalKeyFields(string name, ReadOnlySpan<byte> internalKey)
    {
        if (internalKey.Length < InternalKey.TrailerSize)
        {
            Out.Bytes(name + "_raw", internalKey, ByteRole.Key);
            Out.Field(name + "_error", $"internal key of {internalKey.Length} bytes, shorter than its 8-byte trailer");
            return;
        }
        Out.Bytes(name, InternalKey.UserKey(internalKey), ByteRole.Key);
        Out.Field(name + "_seq", InternalKey.Sequence(internalKey));
        Out.Field(name + "_type", TypeName(InternalKey.Type(internalKey)));
    }

    public static string TypeName(EntryType type) => type switch
    {
        EntryType.Value => "put",
        EntryType.Deletion => "delete",
        EntryType.RangeDeletion => "delete_range",
        _ => "type" + ((byte)type).ToString(System.Globalization.CultureInfo.InvariantCulture),
    };
}
