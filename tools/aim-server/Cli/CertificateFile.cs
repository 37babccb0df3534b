using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;

namespace AimLsm.Server.Cli;

/// <summary>Reads <c>--certificate</c>: a PFX/PKCS#12 file, or a PEM file holding the certificate and its private key.</summary>
internal static class CertificateFile
{
    /// <exception cref="UsageException">The file is missing, unreadable, not a certificate, or has no private key.</exception>
    public static X509Certificate2 Load(string file, string? password)
    {
        string path = Path.GetFullPath(file);
        if (!File.Exists(path))
        {
            throw new UsageException($"the certificate '{path}' (--certificate) does not exist.");
        }

        X509Certificate2 certificate;
        try
        {
            bool pem = File.ReadAllText(path).Contains("-----BEGIN ", StringComparison.Ordinal);
            certificate = pem
                ? password is null ? X509Certificate2.CreateFromPemFile(path) : X509Certificate2.CreateFromEncryptedPemFile(path, password)
                : X509CertificateLoader.LoadPkcs12FromFile(path, password);
        }
        catch (Exception e) when (e is CryptographicException or IOException or UnauthorizedAccessException or ArgumentException)
        {
            throw new UsageException($"cannot read the certificate '{path}' (--certificate): {e.Message.TrimEnd('.')}. It must be a PFX file, or a PEM file with the certificate and its private key; --certificate-password for an encrypted one.");
        }

        if (!certificate.HasPrivateKey)
        {
            certificate.Dispose();
            throw new UsageException($"the certificate '{path}' (--certificate) has no private key: give a PFX file, or a PEM file with the key beside the certificate.");
        }

        return certificate;
    }
}
