#include "http/tls_certificate.h"

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <memory>
#include <string_view>

#include <arpa/inet.h>
#include <fcntl.h>
#include <ifaddrs.h>
#include <net/if.h>
#include <netinet/in.h>
#include <openssl/bio.h>
#include <openssl/bn.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/ssl.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>
#include <sys/stat.h>
#include <unistd.h>

#include "base/small_file.h"
#include "base/unique_fd.h"

namespace tessera::http {

namespace {

struct OpenSslFree {
  void operator()(EVP_PKEY* p) const { EVP_PKEY_free(p); }
  void operator()(X509* p) const { X509_free(p); }
  void operator()(X509_EXTENSION* p) const { X509_EXTENSION_free(p); }
  void operator()(BIO* p) const { BIO_free(p); }
  void operator()(BIGNUM* p) const { BN_free(p); }
  void operator()(GENERAL_NAMES* p) const { GENERAL_NAMES_free(p); }
  void operator()(ASN1_OCTET_STRING* p) const { ASN1_OCTET_STRING_free(p); }
  void operator()(ifaddrs* p) const { freeifaddrs(p); }
  void operator()(SSL_CTX* p) const { SSL_CTX_free(p); }
};
template <class T>
using OpenSslPtr = std::unique_ptr<T, OpenSslFree>;

Error OpenSslError(std::string_view what) {
  std::string message(what);
  const unsigned long code = ERR_get_error();
  if (code != 0) {
    char text[256];
    ERR_error_string_n(code, text, sizeof(text));
    message.append(": ").append(text);
  }
  ERR_clear_error();
  return Error{ErrorCode::kInternal, std::move(message)};
}

Status AddExtension(X509* certificate, int nid, const char* value) {
  X509V3_CTX context;
  X509V3_set_ctx_nodb(&context);
  X509V3_set_ctx(&context, certificate, certificate, nullptr, nullptr, 0);
  OpenSslPtr<X509_EXTENSION> extension(X509V3_EXT_conf_nid(nullptr, &context, nid, value));
  if (!extension || X509_add_ext(certificate, extension.get(), -1) != 1) {
    return OpenSslError("cannot add certificate extension");
  }
  return Ok();
}

// Builds the subjectAltName extension directly, so that names cannot inject
// extra entries through the comma syntax of X509V3_EXT_conf.
Status AddSubjectAltNames(X509* certificate, const CertificateOptions& options) {
  OpenSslPtr<GENERAL_NAMES> names(sk_GENERAL_NAME_new_null());
  if (!names) return OpenSslError("cannot allocate subjectAltName");
  for (const std::string& dns : options.dns_names) {
    GENERAL_NAME* name = GENERAL_NAME_new();
    ASN1_IA5STRING* text = ASN1_IA5STRING_new();
    if (name == nullptr || text == nullptr ||
        ASN1_STRING_set(text, dns.data(), static_cast<int>(dns.size())) != 1) {
      GENERAL_NAME_free(name);
      ASN1_IA5STRING_free(text);
      return OpenSslError("cannot encode DNS name");
    }
    GENERAL_NAME_set0_value(name, GEN_DNS, text);
    sk_GENERAL_NAME_push(names.get(), name);
  }
  for (const std::string& ip : options.ip_addresses) {
    ASN1_OCTET_STRING* octets = a2i_IPADDRESS(ip.c_str());
    if (octets == nullptr) {
      ERR_clear_error();
      return Fail(ErrorCode::kInvalidArgument, "not an IP address: " + ip);
    }
    GENERAL_NAME* name = GENERAL_NAME_new();
    if (name == nullptr) {
      ASN1_OCTET_STRING_free(octets);
      return OpenSslError("cannot encode IP address");
    }
    GENERAL_NAME_set0_value(name, GEN_IPADD, octets);
    sk_GENERAL_NAME_push(names.get(), name);
  }
  if (sk_GENERAL_NAME_num(names.get()) == 0) return Ok();
  if (X509_add1_ext_i2d(certificate, NID_subject_alt_name, names.get(), 0, X509V3_ADD_DEFAULT) !=
      1) {
    return OpenSslError("cannot add subjectAltName");
  }
  return Ok();
}

Result<std::string> ToPem(const auto& write) {
  OpenSslPtr<BIO> bio(BIO_new(BIO_s_mem()));
  if (!bio || write(bio.get()) != 1) return OpenSslError("cannot encode PEM");
  char* data = nullptr;
  const long size = BIO_get_mem_data(bio.get(), &data);
  return std::string(data, static_cast<std::size_t>(size));
}

}  // namespace

Status CreateSelfSignedCertificate(const std::filesystem::path& cert_file,
                                   const std::filesystem::path& key_file,
                                   const CertificateOptions& options) {
  if (options.days <= 0) return Fail(ErrorCode::kInvalidArgument, "certificate days must be > 0");
  OpenSslPtr<EVP_PKEY> key(EVP_EC_gen("P-256"));
  if (!key) return OpenSslError("cannot generate EC key");
  OpenSslPtr<X509> certificate(X509_new());
  if (!certificate) return OpenSslError("cannot allocate certificate");
  X509* cert = certificate.get();

  // A random positive 159-bit serial, as RFC 5280 and browsers expect.
  OpenSslPtr<BIGNUM> serial(BN_new());
  if (!serial || BN_rand(serial.get(), 159, BN_RAND_TOP_ANY, BN_RAND_BOTTOM_ANY) != 1 ||
      BN_to_ASN1_INTEGER(serial.get(), X509_get_serialNumber(cert)) == nullptr) {
    return OpenSslError("cannot set serial number");
  }
  if (X509_set_version(cert, 2) != 1) return OpenSslError("cannot set version");
  // Backdated a little for clients whose clocks run behind.
  constexpr long kBackdateSeconds = 60 * 60;
  if (X509_gmtime_adj(X509_getm_notBefore(cert), -kBackdateSeconds) == nullptr ||
      X509_gmtime_adj(X509_getm_notAfter(cert), 60L * 60 * 24 * options.days) == nullptr) {
    return OpenSslError("cannot set validity");
  }
  X509_NAME* subject = X509_get_subject_name(cert);
  const std::string& common_name =
      options.common_name.empty() ? std::string("tessera") : options.common_name;
  if (X509_NAME_add_entry_by_txt(subject, "CN", MBSTRING_UTF8,
                                 reinterpret_cast<const unsigned char*>(common_name.c_str()), -1,
                                 -1, 0) != 1 ||
      X509_set_issuer_name(cert, subject) != 1 || X509_set_pubkey(cert, key.get()) != 1) {
    return OpenSslError("cannot set names");
  }
  for (const auto& [nid, value] : {std::pair{NID_basic_constraints, "critical,CA:FALSE"},
                                   std::pair{NID_key_usage, "critical,digitalSignature"},
                                   std::pair{NID_ext_key_usage, "serverAuth"},
                                   std::pair{NID_subject_key_identifier, "hash"}}) {
    if (auto status = AddExtension(cert, nid, value); !status) return status;
  }
  if (auto status = AddSubjectAltNames(cert, options); !status) return status;
  if (X509_sign(cert, key.get(), EVP_sha256()) == 0) return OpenSslError("cannot sign");

  auto key_pem = ToPem([&](BIO* bio) {
    return PEM_write_bio_PrivateKey(bio, key.get(), nullptr, nullptr, 0, nullptr, nullptr);
  });
  if (!key_pem) return std::move(key_pem).error();
  auto cert_pem = ToPem([&](BIO* bio) { return PEM_write_bio_X509(bio, cert); });
  if (!cert_pem) return std::move(cert_pem).error();
  // The key first: a certificate on disk without its key would be useless.
  if (auto status = WriteFileAtomically(key_file, *key_pem, 0600); !status) return status;
  return WriteFileAtomically(cert_file, *cert_pem, 0644);
}

Status LoadCertificatePair(SSL_CTX* context, const std::filesystem::path& cert_file,
                           const std::filesystem::path& key_file) {
  const auto failed = [](std::string what) {
    Error error = OpenSslError(what);
    error.code = ErrorCode::kIo;
    return error;
  };
  ERR_clear_error();
  if (SSL_CTX_use_certificate_chain_file(context, cert_file.c_str()) != 1) {
    return failed("cannot load TLS certificate " + cert_file.string());
  }
  const auto mismatch = [&] {
    ERR_clear_error();
    return Fail(ErrorCode::kIo, "TLS private key " + key_file.string() +
                                    " does not match certificate " + cert_file.string());
  };
  if (SSL_CTX_use_PrivateKey_file(context, key_file.c_str(), SSL_FILETYPE_PEM) != 1) {
    // OpenSSL compares the key with the certificate as it loads it.
    const unsigned long error = ERR_peek_last_error();
    if (ERR_GET_LIB(error) == ERR_LIB_X509 && ERR_GET_REASON(error) == X509_R_KEY_VALUES_MISMATCH) {
      return mismatch();
    }
    return failed("cannot load TLS private key " + key_file.string());
  }
  if (SSL_CTX_check_private_key(context) != 1) return mismatch();
  return Ok();
}

Status CheckCertificatePair(const std::filesystem::path& cert_file,
                            const std::filesystem::path& key_file) {
  OpenSslPtr<SSL_CTX> context(SSL_CTX_new(TLS_server_method()));
  if (!context) return OpenSslError("cannot create a TLS context");
  return LoadCertificatePair(context.get(), cert_file, key_file);
}

std::vector<std::string> LocalIpAddresses() {
  std::vector<std::string> addresses;
  ifaddrs* raw = nullptr;
  if (::getifaddrs(&raw) != 0) return addresses;
  OpenSslPtr<ifaddrs> list(raw);
  for (const ifaddrs* entry = raw; entry != nullptr; entry = entry->ifa_next) {
    if (entry->ifa_addr == nullptr) continue;
    if ((entry->ifa_flags & IFF_UP) == 0 || (entry->ifa_flags & IFF_LOOPBACK) != 0) continue;
    char text[INET6_ADDRSTRLEN] = {};
    const int family = entry->ifa_addr->sa_family;
    if (family == AF_INET) {
      const auto* address = reinterpret_cast<const sockaddr_in*>(entry->ifa_addr);
      if (::inet_ntop(AF_INET, &address->sin_addr, text, sizeof(text)) == nullptr) continue;
    } else if (family == AF_INET6) {
      const auto* address = reinterpret_cast<const sockaddr_in6*>(entry->ifa_addr);
      if (IN6_IS_ADDR_LINKLOCAL(&address->sin6_addr)) continue;
      if (::inet_ntop(AF_INET6, &address->sin6_addr, text, sizeof(text)) == nullptr) continue;
    } else {
      continue;
    }
    if (std::find(addresses.begin(), addresses.end(), text) != addresses.end()) continue;
    addresses.emplace_back(text);
  }
  return addresses;
}

}  // namespace tessera::http
