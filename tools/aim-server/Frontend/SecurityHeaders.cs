using Microsoft.AspNetCore.Http;

namespace AimLsm.Server.Frontend;

/// <summary>
/// The headers every page file is sent with (docs/http-api.md, "The page", issue 17 point 7). The policy allows
/// scripts, styles, images and requests from this server only: no inline script or style attribute, no
/// <c>eval</c> (no <c>'unsafe-eval'</c>, so <c>new Function</c> and string timers throw), no other origin, no
/// plugins, no framing by other sites, no form posts. The page renders every string from the repo as text
/// (<c>textContent</c>), so a hostile run name cannot become markup; the policy is the second wall. Stateless.
/// </summary>
internal static class SecurityHeaders
{
    /// <summary>The Content-Security-Policy of the page.</summary>
    public const string ContentSecurityPolicy =
        "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'; " +
        "font-src 'self'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'; object-src 'none'";

    /// <summary>Sets the policy and its companions on <paramref name="response"/>.</summary>
    public static void Apply(HttpResponse response)
    {
        IHeaderDictionary headers = response.Headers;
        headers.ContentSecurityPolicy = ContentSecurityPolicy;
        headers.XContentTypeOptions = "nosniff";
        headers.XFrameOptions = "DENY";
        headers["Referrer-Policy"] = "no-referrer";
        headers["Cross-Origin-Opener-Policy"] = "same-origin";
        headers["Cross-Origin-Resource-Policy"] = "same-origin";
    }
}
