using System.Buffers;
using System.Collections;
using System.Globalization;
using System.Text;
using AimLsm.Encoding;

namespace AimLsm.Tree;

/// <summary>
/// A sequence's context, such as <c>{"subset": "train"}</c>: a small dict of str keys and scalar values (None,
/// bool, int, float, str) that, with the name, identifies a sequence in a run. Build it with a collection
/// initializer: <c>new Context { ["subset"] = "train" }</c>. Two contexts with the same entries are equal whatever
/// their insertion order; the repo keys a context by a 64-bit hash of its canonical encoding (docs/format.md,
/// section 13.1). The library copies a context when it uses it, so changing one afterwards changes nothing stored;
/// the contexts it hands out (<see cref="Sequence.Context"/>, <see cref="SequenceInfo.Context"/>) are read-only copies,
/// one per distinct context, shared.
/// </summary>
public sealed class Context : IReadOnlyDictionary<string, object?>, IEquatable<Context>
{
    private readonly SortedDictionary<string, object?> _entries = new(StringComparer.Ordinal);
    private long? _id;
    private bool _readOnly;

    /// <summary>An empty context.</summary>
    public Context()
    {
    }

    /// <summary>A context holding <paramref name="entries"/>.</summary>
    /// <exception cref="ArgumentException">A key is empty or a value is not a scalar.</exception>
    public Context(IEnumerable<KeyValuePair<string, object?>> entries)
    {
        ArgumentNullException.ThrowIfNull(entries);
        foreach (KeyValuePair<string, object?> entry in entries)
        {
            this[entry.Key] = entry.Value;
        }
    }

    // Frozen contexts by id, so that the writers of 100,000 sequences of one context share one copy (about 160 bytes
    // each otherwise). Guarded by itself. Cleared when full: a process with more distinct contexts than this only
    // shares less. An entry is used only if it equals the context (ids are 64-bit hashes).
    private static readonly Dictionary<long, Context> s_frozen = [];
    private const int MaxFrozen = 4096;

    /// <summary>The empty context <c>{}</c>, read-only.</summary>
    internal static Context Empty { get; } = new Context().AsReadOnly();

    /// <summary>The number of entries.</summary>
    public int Count => _entries.Count;

    /// <summary>Keys in ordinal order.</summary>
    public IEnumerable<string> Keys => _entries.Keys;

    /// <summary>Values in key order.</summary>
    public IEnumerable<object?> Values => _entries.Values;

    /// <summary>The 64-bit id the repo stores this context under.</summary>
    internal long Id => _id ??= ComputeId();

    /// <summary>Gets or sets an entry; numbers are normalized to long and double.</summary>
    /// <exception cref="ArgumentException">The key is empty or the value is not None, bool, an integer, a float or a str.</exception>
    public object? this[string key]
    {
        get => _entries[key];
        set
        {
            ArgumentNullException.ThrowIfNull(key);
            if (_readOnly)
            {
                throw new InvalidOperationException(
                    $"This context {this} belongs to the repo (read from it, or copied when a sequence was tracked or opened with it) and is shared by every sequence with it; copy it (new Context(context)) to change it.");
            }

            if (key.Length == 0)
            {
                throw new ArgumentException("A context key cannot be empty (Aim paths do not allow empty str segments).", nameof(key));
            }

            _entries[key] = Normalize(key, value);
            _id = null;
        }
    }

    /// <summary>Adds an entry (for collection initializers).</summary>
    public void Add(string key, object? value) => this[key] = value;

    /// <inheritdoc/>
    public bool ContainsKey(string key) => _entries.ContainsKey(key);

    /// <inheritdoc/>
    public bool TryGetValue(string key, out object? value) => _entries.TryGetValue(key, out value);

    /// <inheritdoc/>
    public IEnumerator<KeyValuePair<string, object?>> GetEnumerator() => _entries.GetEnumerator();

    IEnumerator IEnumerable.GetEnumerator() => GetEnumerator();

    /// <inheritdoc/>
    public bool Equals(Context? other)
    {
        if (other is null || other.Count != Count || other.Id != Id)
        {
            return false;
        }

        foreach (KeyValuePair<string, object?> entry in _entries)
        {
            if (!other._entries.TryGetValue(entry.Key, out object? value) || !Equals(value, entry.Value))
            {
                return false;
            }
        }

        return true;
    }

    /// <inheritdoc/>
    public override bool Equals(object? obj) => obj is Context other && Equals(other);

    /// <inheritdoc/>
    public override int GetHashCode() => Id.GetHashCode();

    /// <summary>The context as a Python dict literal, such as <c>{'subset': 'train'}</c>.</summary>
    public override string ToString()
    {
        var text = new StringBuilder("{");
        foreach (KeyValuePair<string, object?> entry in _entries)
        {
            if (text.Length > 1)
            {
                text.Append(", ");
            }

            text.Append(PythonRepr(entry.Key)).Append(": ").Append(PythonRepr(entry.Value));
        }

        return text.Append('}').ToString();
    }

    /// <summary>
    /// A read-only context equal to this one, which later changes to this one do not affect: this one if it is
    /// read-only already, else a copy shared with every other caller that froze an equal context (while it stays among
    /// the last <see cref="MaxFrozen"/> distinct ones). Thread-safe.
    /// </summary>
    internal Context Freeze()
    {
        if (_readOnly)
        {
            return this;
        }

        if (Count == 0)
        {
            return Empty;
        }

        long id = Id;
        lock (s_frozen)
        {
            if (s_frozen.TryGetValue(id, out Context? shared) && shared.Equals(this))
            {
                return shared;
            }

            if (s_frozen.Count >= MaxFrozen)
            {
                s_frozen.Clear();
            }

            shared = new Context(_entries).AsReadOnly();
            s_frozen[id] = shared;
            return shared;
        }
    }

    /// <summary>Makes this instance read-only, so that the repo can hand the same object to every sequence stored with it.</summary>
    internal Context AsReadOnly()
    {
        _ = Id; // computed now, while no other thread can see the instance
        _readOnly = true;
        return this;
    }

    /// <summary>Converts a context given as any dictionary (the query layer's and <see cref="TreeReader"/>'s form).</summary>
    internal static Context From(IReadOnlyDictionary<string, object?>? entries) => entries switch
    {
        null => Empty,
        Context context => context,
        _ => new Context(entries),
    };

    private static object? Normalize(string key, object? value) => value switch
    {
        null or bool or long or double or string => value,
        int or short or sbyte or byte or ushort or uint => Convert.ToInt64(value, CultureInfo.InvariantCulture),
        float f => (double)f,
        ulong u when u <= long.MaxValue => (long)u,
        _ => throw new ArgumentException(
            $"Context entry '{key}' has a value of .NET type {value.GetType()}; a context holds None, bool, int, float or str.", nameof(value)),
    };

    private long ComputeId()
    {
        // Canonical form: entries in ordinal key order, each as its path segment then its encoded value. The same
        // entries always give the same bytes, hence the same id, whatever order they were added in.
        var buffer = new ArrayBufferWriter<byte>(64);
        foreach (KeyValuePair<string, object?> entry in _entries)
        {
            TreePath.Encode(buffer, [entry.Key]);
            switch (entry.Value)
            {
                case null: AimValueWriter.WriteNone(buffer); break;
                case bool b: AimValueWriter.WriteBool(buffer, b); break;
                case long l: AimValueWriter.WriteInt(buffer, l); break;
                case double d: AimValueWriter.WriteFloat(buffer, d); break;
                case string s: AimValueWriter.WriteString(buffer, s); break;
            }
        }

        // XXH64, seed 0, from System.IO.Hashing: the id is part of every sequence key, so the hash is frozen.
        return unchecked((long)System.IO.Hashing.XxHash64.HashToUInt64(buffer.WrittenSpan));
    }

    internal static string PythonRepr(object? value) => value switch
    {
        null => "None",
        bool b => b ? "True" : "False",
        string s => "'" + s.Replace("\\", "\\\\", StringComparison.Ordinal).Replace("'", "\\'", StringComparison.Ordinal) + "'",
        double d => d.ToString("R", CultureInfo.InvariantCulture),
        IFormattable f => f.ToString(null, CultureInfo.InvariantCulture),
        _ => value.ToString() ?? "",
    };
}
