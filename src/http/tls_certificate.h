#pragma once

#include <filesystem>
#include <string>
#include <vector>

#include "base/result.h"

using SSL_CTX = struct ssl_ctx_st;

namespace tessera::http {

struct CertificateOptions {
  std::string common_name;
  std::vector<std::string> dns_names;     // subjectAltName DNS entries
  std::vector<std::string> ip_addresses;  // subjectAltName IP entries (IPv4 or IPv6)
  int days = 365;
};

// Writes a self-signed server certificate (EC P-256 key, SHA-256 signature,
// random serial, the given SANs, CA:FALSE, serverAuth) as PEM to `cert_file`
// and its private key to `key_file` (mode 0600). Each file is written to a
// temporary name, flushed and renamed into place, so a reader never sees a
// partial file. Errors: kInvalidArgument for an unparsable IP address or a
// non-positive `days`; kIo when a file cannot be written; kInternal when OpenSSL fails.
Status CreateSelfSignedCertificate(const std::filesystem::path& cert_file,
                                   const std::filesystem::path& key_file,
                                   const CertificateOptions& options);

// Loads the PEM certificate chain and private key into `context` and checks that
// they belong together. Errors: kIo naming the file and OpenSSL's reason (a
// missing file, not PEM, a key of another certificate).
Status LoadCertificatePair(SSL_CTX* context, const std::filesystem::path& cert_file,
                           const std::filesystem::path& key_file);

// LoadCertificatePair into a throwaway context: whether a server could use the
// pair. Errors: as LoadCertificatePair; kInternal when OpenSSL fails.
Status CheckCertificatePair(const std::filesystem::path& cert_file,
                            const std::filesystem::path& key_file);

// The machine's non-loopback IPv4 and IPv6 addresses of interfaces that are up
// (link-local IPv6 excluded), for certificate SANs. Empty when none or on error.
std::vector<std::string> LocalIpAddresses();

}  // namespace tessera::http
