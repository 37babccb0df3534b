using AimLsm.Query.Runtime;

namespace AimLsm.Query.Binding;

/// <summary>
/// The names a query may use, for resolution and for the lists error messages show, and the Python names that are
/// refused by name (so a refusal says "not allowed" instead of "not defined").
/// </summary>
internal static class AllowList
{
    /// <summary>The run's structured fields by Python name.</summary>
    public static readonly IReadOnlyDictionary<string, RunField> RunFields = new Dictionary<string, RunField>(StringComparer.Ordinal)
    {
        ["hash"] = RunField.Hash,
        ["name"] = RunField.Name,
        ["experiment"] = RunField.Experiment,
        ["description"] = RunField.Description,
        ["tags"] = RunField.Tags,
        ["archived"] = RunField.Archived,
        ["active"] = RunField.Active,
        ["created_at"] = RunField.CreatedAt,
        ["creation_time"] = RunField.CreationTime,
        ["end_time"] = RunField.EndTime,
        ["finalized_at"] = RunField.FinalizedAt,
        ["duration"] = RunField.Duration,
    };

    /// <summary>Python builtins and modules a query may not use, refused by name.</summary>
    public static readonly IReadOnlySet<string> Forbidden = new HashSet<string>(StringComparer.Ordinal)
    {
        "eval", "exec", "compile", "open", "getattr", "setattr", "delattr", "hasattr", "globals", "locals", "vars", "dir",
        "type", "object", "input", "print", "breakpoint", "help", "memoryview", "super", "classmethod", "staticmethod",
        "property", "iter", "next", "map", "filter", "zip", "range", "enumerate", "sorted", "reversed", "isinstance",
        "issubclass", "callable", "id", "hash", "chr", "ord", "bin", "hex", "oct", "int", "float", "str", "bool", "list",
        "dict", "set", "frozenset", "tuple", "bytes", "bytearray", "complex", "divmod", "pow", "slice", "format", "repr",
        "ascii", "os", "sys", "subprocess", "math", "time", "builtins", "importlib", "exit", "quit", "license", "credits",
        "copyright", "self", "cls",
    };

    /// <summary>Every name a query may use, for messages.</summary>
    public static IReadOnlyList<string> Names(bool sequenceQuery) =>
        [
            "run",
            .. sequenceQuery ? SequenceKinds.VariableNames : [],
            "True", "False", "None",
            .. BuiltinTable.Functions.Keys,
            "re",
        ];

    /// <summary>Every sequence field name, for messages.</summary>
    public static IReadOnlyList<string> SequenceFieldNames =>
        [.. Enum.GetValues<SequenceField>().Select(PyOps.SequenceFieldName)];

    /// <summary>What can follow <c>run.</c>, for messages.</summary>
    public static IReadOnlyList<string> RunAttributes => [.. RunFields.Keys, "metrics", "<any param name>"];
}
