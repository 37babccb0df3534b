namespace AimLsm.Testing;

/// <summary>A model case's text could not be read: the message quotes the line.</summary>
public sealed class ModelFormatException : FormatException
{
    /// <summary>A new error with <paramref name="message"/>.</summary>
    public ModelFormatException(string message)
        : base(message)
    {
    }

    /// <summary>A new error with <paramref name="message"/>, caused by <paramref name="inner"/>.</summary>
    public ModelFormatException(string message, Exception inner)
        : base(message, inner)
    {
    }
}
