namespace AimLsm.Testing;

/// <summary>A check found what no acknowledged (or pending) write explains: a lost write, a torn or foreign value.</summary>
public sealed class ExpectedStateException : Exception
{
    /// <summary>A new finding described by <paramref name="message"/>.</summary>
    public ExpectedStateException(string message)
        : base(message)
    {
    }

    /// <summary>A new finding described by <paramref name="message"/>, caused by <paramref name="inner"/>.</summary>
    public ExpectedStateException(string message, Exception inner)
        : base(message, inner)
    {
    }
}
