namespace AimLsm.Server.Cli;

/// <summary>
/// The command line asks for something aim-server cannot do (a token file that is not there, a certificate it cannot
/// read, a non-loopback address without one). Reported as one line on the error stream with exit code 2, never as a
/// stack trace; the message says what is missing and which option gives it.
/// </summary>
internal sealed class UsageException(string message) : Exception(message);
