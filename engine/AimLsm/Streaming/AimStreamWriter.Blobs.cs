using AimLsm.Tree;
using AimLsm.Encoding;
using AimLsm.Tree.Storage;

namespace AimLsm.Streaming;

public sealed partial class AimStreamWriter
{
    /// <summary>
    /// Streams the blobs that earlier chunks referenced (docs/format.md, section 14.5), as Aim's
    /// <c>URIService.request_batch</c> does: one object per URI, <c>uri = the field's value</c> (bytes or str). A
    /// blob that no longer exists (its run was deleted) is streamed as None. Flushes every
    /// <see cref="StreamOptions.ChunkBytes"/> and at the end.
    /// </summary>
    /// <returns>False when the reader has gone away.</returns>
    /// <exception cref="ArgumentException">A URI is not one this build writes (<see cref="BlobUri.TryParse(string?, out string, out byte[])"/>); nothing is written.</exception>
    public async ValueTask<bool> WriteBlobsAsync(Repo repo, IEnumerable<string> uris, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(repo);
        ArgumentNullException.ThrowIfNull(uris);
        var requests = new List<(string Uri, BlobKey Key)>();
        foreach (string uri in uris)
        {
            if (!BlobUri.TryParse(uri, out BlobKey key))
            {
                throw new ArgumentException($"'{uri}' is not a blob URI of this stream format (<run hash>/<hex key>).", nameof(uris));
            }

            requests.Add((uri, key));
        }

        if (!Begin(cancellationToken))
        {
            return false;
        }

        var runs = new Dictionary<string, Run?>(StringComparer.Ordinal);
        long flushedAt = _records.Written;
        foreach ((string uri, BlobKey key) in requests)
        {
            cancellationToken.ThrowIfCancellationRequested();
            if (!runs.TryGetValue(key.RunHash, out Run? run))
            {
                runs[key.RunHash] = run = TryGetRun(repo, key.RunHash);
            }

            _path.Clear();
            _path.Push(uri);
            _blob.ResetWrittenCount();
            if (run is not null && TryRead(run, key))
            {
                _records.Write(_path.Span, _blob.WrittenSpan);
            }
            else
            {
                _records.WriteMarker(_path.Span, AimType.None);
            }

            if (_records.Written - flushedAt >= Options.ChunkBytes)
            {
                flushedAt = _records.Written;
                if (!await FlushAsync(cancellationToken).ConfigureAwait(false))
                {
                    return false;
                }
            }
        }

        return await FlushAsync(cancellationToken).ConfigureAwait(false);
    }

    private static Run? TryGetRun(Repo repo, string hash)
    {
        try
        {
            return repo.GetRun(hash);
        }
        catch (RunNotFoundException)
        {
            return null;
        }
    }

    private bool TryRead(Run run, in BlobKey key)
    {
        using StoreLease lease = run.Lease();
        return lease.Blobs.TryRead(key, _blob);
    }
}
