using AimLsm.Query;
using AimLsm.Tree;

namespace AimLsm.Remote;

// The read side of a remote repo (issue 18, point 2): the IRepo reads go to the server's read API through one
// RemoteReader, made at the first read so that a process that only tracks opens no HTTP client.
public sealed partial class RemoteRepo
{
    private readonly Lock _readerLock = new();
    private RemoteReader? _reader;

    /// <summary>The run with <paramref name="hash"/>, read from the server.</summary>
    /// <exception cref="RunNotFoundException">The server's repo has no such run.</exception>
    /// <exception cref="RepoException">The server cannot be reached; the message names its URL.</exception>
    public IRunInfo GetRun(string hash) => Reader.GetRun(hash);

    /// <summary>The runs matching an AimQL run query, evaluated by the server and streamed as they match.</summary>
    /// <exception cref="AimQueryException">The query is not valid AimQL (checked here first, then by the server).</exception>
    public QueryResults<IRunInfo> QueryRuns(string query) => Reader.QueryRuns(query);

    /// <summary>The metric sequences matching an AimQL sequence query, evaluated by the server.</summary>
    /// <exception cref="AimQueryException">The query is not valid AimQL, or names a sequence kind other than metrics.</exception>
    public QueryResults<ISequence> QuerySequences(string query) => Reader.QuerySequences(query);

    private RemoteReader Reader
    {
        get
        {
            ObjectDisposedException.ThrowIf(Volatile.Read(ref _disposed) != 0, this);
            lock (_readerLock)
            {
                return _reader ??= new RemoteReader(Server, _options.Token);
            }
        }
    }

    private void DisposeReader()
    {
        lock (_readerLock)
        {
            _reader?.Dispose();
            _reader = null;
        }
    }
}
