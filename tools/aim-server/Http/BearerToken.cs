using System.Buffers;
using System.Security.Cryptography;
using Microsoft.AspNetCore.Http;
using Microsoft.Net.Http.Headers;

namespace AimLsm.Server.Http;

/// <summary>
/// The server's bearer token, and whether a request carries it: in <c>Authorization: Bearer TOKEN</c>, or, for the
/// page's requests when reads need the token, in the <see cref="CookieName"/> cookie that <c>GET /?token=TOKEN</c>
/// sets. The cookie holds a value derived from the token, not the token (any text a token file holds need not be a
/// valid cookie value, and a leaked cookie opens the reads, not tracking, which takes the header only). Compared in
/// constant time over SHA-256 digests, so neither the content nor the length of a token leaks through response
/// times; the token itself is not kept. Immutable, thread-safe.
/// </summary>
internal sealed class BearerToken
{
    /// <summary>The cookie the page's requests carry the token in: HttpOnly (scripts cannot read it), Secure, SameSite=Strict
    /// (no other site's page sends it).</summary>
    public const string CookieName = "aimlsm_token";

    private const string Scheme = "Bearer ";

    /// <summary>Presented tokens longer than this are hashed from a pooled buffer rather than the stack.</summary>
    private const int StackBytes = 256;

    private readonly byte[] _digest;
    private readonly string _cookie;
    private readonly byte[] _cookieDigest;

    public BearerToken(string token)
    {
        ArgumentException.ThrowIfNullOrEmpty(token);
        _digest = SHA256.HashData(System.Text.Encoding.UTF8.GetBytes(token));
        _cookie = Convert.ToHexStringLower(SHA256.HashData(System.Text.Encoding.UTF8.GetBytes("aimlsm page cookie\n" + token)));
        _cookieDigest = SHA256.HashData(System.Text.Encoding.UTF8.GetBytes(_cookie));
    }

    /// <summary>Whether <paramref name="presented"/> is the token.</summary>
    public bool Matches(ReadOnlySpan<char> presented) => Equal(presented, _digest);

    private static bool Equal(ReadOnlySpan<char> presented, byte[] expected)
    {
        int max = System.Text.Encoding.UTF8.GetMaxByteCount(presented.Length);
        byte[]? rented = max > StackBytes ? ArrayPool<byte>.Shared.Rent(max) : null;
        try
        {
            Span<byte> bytes = rented ?? stackalloc byte[StackBytes];
            int length = System.Text.Encoding.UTF8.GetBytes(presented, bytes);
            Span<byte> digest = stackalloc byte[SHA256.HashSizeInBytes];
            SHA256.HashData(bytes[..length], digest);
            return CryptographicOperations.FixedTimeEquals(digest, expected);
        }
        finally
        {
            if (rented is not null)
            {
                ArrayPool<byte>.Shared.Return(rented, clearArray: true);
            }
        }
    }

    /// <summary>What the request's <c>Authorization</c> header says: absent, or a bearer token that is or is not ours.</summary>
    public Presented InHeader(HttpRequest request)
    {
        string? header = request.Headers.Authorization;
        if (string.IsNullOrEmpty(header))
        {
            return Presented.None;
        }

        return header.StartsWith(Scheme, StringComparison.OrdinalIgnoreCase) && Matches(header.AsSpan(Scheme.Length).Trim())
            ? Presented.Valid
            : Presented.Wrong;
    }

    /// <summary>The header's token, else the cookie's.</summary>
    public Presented InHeaderOrCookie(HttpRequest request)
    {
        Presented header = InHeader(request);
        if (header != Presented.None || !request.Cookies.TryGetValue(CookieName, out string? cookie))
        {
            return header;
        }

        return Equal(cookie, _cookieDigest) ? Presented.Valid : Presented.Wrong;
    }

    /// <summary>Sets the cookie on <paramref name="response"/> (the request showed the token in <c>?token=</c>).</summary>
    public void SetCookie(HttpResponse response) =>
        response.Headers.Append(HeaderNames.SetCookie, new SetCookieHeaderValue(CookieName, _cookie)
        {
            Path = "/",
            HttpOnly = true,
            Secure = true,
            SameSite = Microsoft.Net.Http.Headers.SameSiteMode.Strict,
        }.ToString());

    /// <summary>What a request carries.</summary>
    public enum Presented
    {
        /// <summary>No token.</summary>
        None,

        /// <summary>A token, not ours (or a header of another scheme).</summary>
        Wrong,

        /// <summary>Ours.</summary>
        Valid,
    }
}
