namespace AimLsm.Remote;

/// <summary>
/// A tracking connection broke its protocol: a frame that does not parse, is too large, or asks for what the repo
/// refuses. The server sends the code and message to the client in an Error frame and closes that connection; the
/// client raises it from <c>Flush</c>, <c>Dispose</c> and the next <c>Track</c>.
/// </summary>
public sealed class TrackingProtocolException : Exception
{
    /// <summary>A protocol error with its code and message.</summary>
    public TrackingProtocolException(TrackingErrorCode code, string message, Exception? innerException = null)
        : base(message, innerException)
    {
        Code = code;
    }

    /// <summary>What kind of error it is.</summary>
    public TrackingErrorCode Code { get; }
}
