namespace AimLsm.Tools.LsmDump.Cli;

/// <summary>
/// The user gave something lsm-dump cannot work on: a missing path, a folder that is not a database, a file of the
/// wrong kind, an unknown option. Reported as one line on stderr with exit code 2, never as a stack trace.
/// </summary>
public sealed class BadInputException : Exception
{
    public BadInputException(string message)
        : base(message)
    {
    }

    public BadInputException()
    {
    }

    public BadInputException(string message, Exception inner)
        : base(message, inner)
    {
    }
}
