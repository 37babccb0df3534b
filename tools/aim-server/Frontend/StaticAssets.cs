using System.Collections.Frozen;
using System.Reflection;
using System.Security.Cryptography;
using Microsoft.AspNetCore.Http;

namespace AimLsm.Server.Frontend;

/// <summary>
/// The page (docs/http-api.md, "The page"): the files under <c>wwwroot/</c>, embedded in the aim-server assembly as
/// resources named <c>wwwroot/...</c> (aim-server.csproj), so that the page is served the same from a build folder
/// and from an installed .NET tool. They are read once, when the server starts; each is sent with its length, an
/// ETag (a hash of its bytes, so a rebuilt server never serves a stale cached file) and the security headers of
/// <see cref="SecurityHeaders"/>. <c>GET /</c> is <c>index.html</c>; <c>GET /ui/{path}</c> any other file. <c>HEAD</c>
/// answers as <c>GET</c> does (status, length, type, ETag, headers) without the body. Immutable after construction;
/// thread-safe.
/// </summary>
internal sealed class StaticAssets
{
    /// <summary>The resource name prefix of the page's files (aim-server.csproj sets the names).</summary>
    public const string ResourcePrefix = "wwwroot/";

    private static readonly FrozenDictionary<string, string> ContentTypes = new Dictionary<string, string>(StringComparer.Ordinal)
    {
        [".html"] = "text/html; charset=utf-8",
        [".js"] = "text/javascript; charset=utf-8",
        [".css"] = "text/css; charset=utf-8",
        [".svg"] = "image/svg+xml",
        [".png"] = "image/png",
        [".ico"] = "image/x-icon",
    }.ToFrozenDictionary(StringComparer.Ordinal);

    private readonly FrozenDictionary<string, Asset> _assets;

    /// <summary>The methods the page's routes answer.</summary>
    public static IEnumerable<string> Methods { get; } = [HttpMethods.Get, HttpMethods.Head];

    private StaticAssets(FrozenDictionary<string, Asset> assets) => _assets = assets;

    /// <summary>The files by path relative to <c>wwwroot/</c> (say <c>js/decoder.js</c>).</summary>
    public IEnumerable<string> Paths => _assets.Keys;

    /// <summary>Reads every embedded file of <paramref name="assembly"/>.</summary>
    /// <exception cref="InvalidOperationException">A file has an extension with no known content type (a build mistake).</exception>
    public static StaticAssets Load(Assembly assembly)
    {
        var assets = new Dictionary<string, Asset>(StringComparer.Ordinal);
        foreach (string name in assembly.GetManifestResourceNames())
        {
            if (!name.StartsWith(ResourcePrefix, StringComparison.Ordinal))
            {
                continue;
            }

            string path = name[ResourcePrefix.Length..].Replace('\\', '/');
            if (!ContentTypes.TryGetValue(Path.GetExtension(path), out string? type))
            {
                throw new InvalidOperationException($"The embedded page file '{path}' has no known content type; add its extension to StaticAssets.");
            }

            using Stream stream = assembly.GetManifestResourceStream(name)!;
            using var copy = new MemoryStream();
            stream.CopyTo(copy);
            byte[] bytes = copy.ToArray();
            string etag = "\"" + Convert.ToHexStringLower(SHA256.HashData(bytes).AsSpan(0, 12)) + "\"";
            assets[path] = new Asset(bytes, type, etag);
        }

        return new StaticAssets(assets.ToFrozenDictionary(StringComparer.Ordinal));
    }

    /// <summary><c>GET /</c> or <c>HEAD /</c>: the page.</summary>
    public Task IndexAsync(HttpContext context) => SendAsync(context, "index.html");

    /// <summary><c>GET /ui/{**path}</c> or <c>HEAD</c>: a file of the page, or a plain-text 404.</summary>
    public Task FileAsync(HttpContext context) => SendAsync(context, context.Request.RouteValues["path"] as string ?? string.Empty);

    private async Task SendAsync(HttpContext context, string path)
    {
        HttpResponse response = context.Response;
        SecurityHeaders.Apply(response);
        bool head = HttpMethods.IsHead(context.Request.Method);
        if (!_assets.TryGetValue(path, out Asset? asset))
        {
            byte[] message = System.Text.Encoding.UTF8.GetBytes($"No page file '{path}'.");
            response.StatusCode = StatusCodes.Status404NotFound;
            response.ContentType = "text/plain; charset=utf-8";
            response.ContentLength = message.Length;
            if (!head)
            {
                await response.Body.WriteAsync(message, context.RequestAborted);
            }

            return;
        }

        response.Headers.ETag = asset.ETag;

        // Revalidated on every load (a 304 costs one round trip on loopback): an upgraded server's files are seen at once.
        response.Headers.CacheControl = "no-cache";
        if (context.Request.Headers.IfNoneMatch.ToString() == asset.ETag)
        {
            response.StatusCode = StatusCodes.Status304NotModified;
            return;
        }

        response.StatusCode = StatusCodes.Status200OK;
        response.ContentType = asset.ContentType;
        response.ContentLength = asset.Bytes.Length;
        if (!head)
        {
            await response.Body.WriteAsync(asset.Bytes, context.RequestAborted);
        }
    }

    /// <summary>One file: its bytes, content type and ETag.</summary>
    private sealed record Asset(byte[] Bytes, string ContentType, string ETag);
}
