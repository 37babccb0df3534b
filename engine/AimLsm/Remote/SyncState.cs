using System.Buffers;
using System.Text.Json;
using AimLsm.Tree;

namespace AimLsm.Remote;

/// <summary>
/// What a sync has delivered to one server, kept in the local repo at <c>sync/DEST.json</c> (docs/format.md 15.5):
/// the session id every sync to that server reuses (so the server's marker drops batches it applied already and the
/// runs the session holds stay its own), and per run what the server acknowledged: the fingerprint of its props and
/// tree once the run was sent whole, the tags sent (to remove the ones removed locally), and per sequence the count
/// of points up to the last step sent. Only acknowledged batches move it forward, so a sync that stopped anywhere
/// resumes from it and at worst resends what the server already has, which a replay leaves unchanged.
/// Not thread-safe: one sync owns it (the lock file beside it).
/// </summary>
internal sealed class SyncState
{
    /// <summary>The version written in the file; a reader refuses a larger one (docs/format.md 15.5).</summary>
    public const int Version = 1;

    private SyncState(Repo repo, string name, Uri server, Guid session)
    {
        _repo = repo;
        FileName = name;
        Server = server;
        Session = session;
    }

    private readonly Repo _repo;

    /// <summary>The state file's name in the repo's <c>sync/</c> folder.</summary>
    public string FileName { get; }

    public Uri Server { get; }

    public Guid Session { get; }

    /// <summary>What each run got, by hash.</summary>
    public Dictionary<string, RunState> Runs { get; } = new(StringComparer.Ordinal);

    /// <summary>The state file's name for <paramref name="server"/>: scheme, host and port, so two servers never share one.</summary>
    public static string NameFor(Uri server) =>
        $"{server.Scheme}_{server.Host.Replace(':', '_').Replace('%', '_')}_{server.Port}.json";

    /// <summary>Reads the state for <paramref name="server"/> from <paramref name="repo"/>'s folder, or starts one with a new session.</summary>
    /// <exception cref="SyncException">The file exists and is not a sync state this build reads; the message names it.</exception>
    public static SyncState Load(Repo repo, Uri server)
    {
        string name = NameFor(server);
        string path = Path.Combine(repo.Path, Repo.SyncFolder, name);
        if (repo.ReadSyncFile(name) is not { } bytes)
        {
            return new SyncState(repo, name, server, Guid.NewGuid());
        }

        try
        {
            using JsonDocument document = JsonDocument.Parse(bytes);
            JsonElement root = document.RootElement;
            int version = root.GetProperty("version").GetInt32();
            if (version > Version)
            {
                throw new SyncException($"The sync state '{path}' has version {version}; this build reads version {Version} and older.");
            }

            var state = new SyncState(repo, name, server, Guid.ParseExact(root.GetProperty("session").GetString()!, "N"));
            foreach (JsonProperty run in root.GetProperty("runs").EnumerateObject())
            {
                var runState = new RunState
                {
                    Meta = run.Value.TryGetProperty("meta", out JsonElement meta) ? ulong.Parse(meta.GetString()!, System.Globalization.NumberStyles.HexNumber, System.Globalization.CultureInfo.InvariantCulture) : null,
                    Tags = run.Value.TryGetProperty("tags", out JsonElement tags) ? [.. tags.EnumerateArray().Select(t => t.GetString()!)] : null,
                };
                foreach (JsonProperty sequence in run.Value.GetProperty("sequences").EnumerateObject())
                {
                    runState.Sequences[sequence.Name] = new SequenceState(
                        sequence.Value.GetProperty("count").GetInt64(),
                        sequence.Value.GetProperty("last_step").GetInt64());
                }

                state.Runs[run.Name] = runState;
            }

            return state;
        }
        catch (Exception e) when (e is JsonException or KeyNotFoundException or InvalidOperationException or FormatException or ArgumentNullException)
        {
            throw new SyncException($"The sync state '{path}' is damaged ({e.Message}); delete it to sync everything again (the server keeps what it has: a resend changes nothing).", e);
        }
    }

    /// <summary>Writes the state atomically: a temporary file, flushed to the disk, renamed over the old one.</summary>
    public void Save()
    {
        var buffer = new ArrayBufferWriter<byte>();
        using (var json = new Utf8JsonWriter(buffer, new JsonWriterOptions { Indented = true }))
        {
            {
                json.WriteStartObject();
                json.WriteNumber("version", Version);
                json.WriteString("server", Server.ToString());
                json.WriteString("session", Session.ToString("N"));
                json.WriteStartObject("runs");
                foreach ((string hash, RunState run) in Runs.OrderBy(r => r.Key, StringComparer.Ordinal))
                {
                    json.WriteStartObject(hash);
                    if (run.Meta is { } meta)
                    {
                        json.WriteString("meta", meta.ToString("x16", System.Globalization.CultureInfo.InvariantCulture));
                    }

                    if (run.Tags is { } tags)
                    {
                        json.WriteStartArray("tags");
                        foreach (string tag in tags)
                        {
                            json.WriteStringValue(tag);
                        }

                        json.WriteEndArray();
                    }

                    json.WriteStartObject("sequences");
                    foreach ((string key, SequenceState sequence) in run.Sequences.OrderBy(s => s.Key, StringComparer.Ordinal))
                    {
                        json.WriteStartObject(key);
                        json.WriteNumber("count", sequence.Count);
                        json.WriteNumber("last_step", sequence.LastStep);
                        json.WriteEndObject();
                    }

                    json.WriteEndObject();
                    json.WriteEndObject();
                }

                json.WriteEndObject();
                json.WriteEndObject();
            }
        }

        _repo.WriteSyncFile(FileName, buffer.WrittenSpan);
    }

    /// <summary>The key of a sequence in <see cref="RunState.Sequences"/>: its context id and name.</summary>
    public static string SequenceKey(long contextId, string name) => $"{contextId}:{name}";

    /// <summary>What one run got.</summary>
    internal sealed class RunState
    {
        /// <summary>The fingerprint of the props and tree sent, once the whole run was acknowledged; null before.</summary>
        public ulong? Meta { get; set; }

        /// <summary>The tags last sent (acknowledged), or null.</summary>
        public List<string>? Tags { get; set; }

        /// <summary>Per sequence (<see cref="SequenceKey"/>), what the server has of it.</summary>
        public Dictionary<string, SequenceState> Sequences { get; } = new(StringComparer.Ordinal);
    }

    /// <summary>The server has the <paramref name="Count"/> points of the sequence up to <paramref name="LastStep"/>, in step order.</summary>
    internal readonly record struct SequenceState(long Count, long LastStep);
}
