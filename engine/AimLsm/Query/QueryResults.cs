using System.Collections;
using System.Runtime.CompilerServices;
namespace AimLsm.Query;

/// <summary>
/// The lazy result of a query: enumerate it (or <c>await foreach</c> over <see cref="ToAsyncEnumerable"/>) to evaluate the query run
/// by run. Evaluation errors of single runs do not stop it: such a run counts as not matching and the error is
/// counted once in <see cref="Report"/>. A timeout or cancellation throws from the enumeration.
/// </summary>
/// <typeparam name="T">What the <see cref="IQuerySource{TRun, TMatch}"/> yields: its run type for
/// <see cref="QuerySource.QueryRuns"/>, its match type for <see cref="QuerySource.QuerySequences"/>.</typeparam>
public sealed class QueryResults<T> : IEnumerable<T>
{
    private readonly Func<CancellationToken, IEnumerable<T>> _evaluate;
    private readonly CancellationToken _cancellationToken;

    internal QueryResults(string text, QueryReport report, Func<CancellationToken, IEnumerable<T>> evaluate, CancellationToken cancellationToken)
    {
        Text = text;
        Report = report;
        _evaluate = evaluate;
        _cancellationToken = cancellationToken;
    }

    /// <summary>The query text.</summary>
    public string Text { get; }

    /// <summary>Errors met while evaluating single runs or sequences (each made that candidate not match).</summary>
    public QueryReport Report { get; }

    /// <inheritdoc/>
    public IEnumerator<T> GetEnumerator() => _evaluate(_cancellationToken).GetEnumerator();

    IEnumerator IEnumerable.GetEnumerator() => GetEnumerator();

    /// <summary>
    /// The same results typed as <typeparamref name="TBase"/>, a type <typeparamref name="T"/> converts to by
    /// reference (an interface it implements): no copy, no wrapper per result; the evaluation's enumerable is cast by
    /// <see cref="IEnumerable{T}"/>'s covariance.
    /// </summary>
    /// <exception cref="InvalidCastException">When enumerated, if <typeparamref name="T"/> does not convert to <typeparamref name="TBase"/>.</exception>
    internal QueryResults<TBase> As<TBase>()
        where TBase : class =>
        new(Text, Report, ct => (IEnumerable<TBase>)_evaluate(ct), _cancellationToken);

    /// <summary>The results as an asynchronous sequence that observes <paramref name="cancellationToken"/> too.</summary>
    public IAsyncEnumerable<T> ToAsyncEnumerable(CancellationToken cancellationToken = default) => Iterate(cancellationToken);

    private async IAsyncEnumerable<T> Iterate([EnumeratorCancellation] CancellationToken cancellationToken)
    {
        using var linked = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken, _cancellationToken);

        // The engine reads synchronously; give the caller's context a chance to run (and to cancel) between results.
        await Task.Yield();
        foreach (T item in _evaluate(linked.Token))
        {
            yield return item;
        }
    }
}
