#include "http/tls_certificate.h"

#include <cstdio>
#include <memory>

#include <gtest/gtest.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>
#include <sys/stat.h>

#include "test_support.h"

namespace tessera::http {
namespace {

struct X509Free {
  void operator()(X509* p) const { X509_free(p); }
  void operator()(EVP_PKEY* p) const { EVP_PKEY_free(p); }
  void operator()(GENERAL_NAMES* p) const { GENERAL_NAMES_free(p); }
  void operator()(BASIC_CONSTRAINTS* p) const { BASIC_CONSTRAINTS_free(p); }
};

std::unique_ptr<X509, X509Free> LoadCertificate(const std::filesystem::path& path) {
  FILE* file = std::fopen(path.c_str(), "r");
  if (file == nullptr) return nullptr;
  std::unique_ptr<X509, X509Free> certificate(PEM_read_X509(file, nullptr, nullptr, nullptr));
  std::fclose(file);
  return certificate;
}

std::unique_ptr<EVP_PKEY, X509Free> LoadKey(const std::filesystem::path& path) {
  FILE* file = std::fopen(path.c_str(), "r");
  if (file == nullptr) return nullptr;
  std::unique_ptr<EVP_PKEY, X509Free> key(PEM_read_PrivateKey(file, nullptr, nullptr, nullptr));
  std::fclose(file);
  return key;
}

TEST(TlsCertificateTest, CreatesVerifiableSelfSignedCertificate) {
  testing::TempDir dir;
  const auto cert_file = dir.path() / "server.crt";
  const auto key_file = dir.path() / "server.key";
  CertificateOptions options;
  options.common_name = "pacs.local";
  options.dns_names = {"pacs.local", "localhost"};
  options.ip_addresses = {"127.0.0.1", "::1", "192.168.1.20"};
  options.days = 30;
  ASSERT_TRUE(CreateSelfSignedCertificate(cert_file, key_file, options));

  struct stat key_stat {};
  ASSERT_EQ(::stat(key_file.c_str(), &key_stat), 0);
  EXPECT_EQ(key_stat.st_mode & 0777, 0600u);

  const auto certificate = LoadCertificate(cert_file);
  const auto key = LoadKey(key_file);
  ASSERT_NE(certificate, nullptr);
  ASSERT_NE(key, nullptr);
  EXPECT_EQ(X509_check_private_key(certificate.get(), key.get()), 1);
  EXPECT_EQ(X509_verify(certificate.get(), key.get()), 1);  // self-signed
  EXPECT_EQ(EVP_PKEY_get_base_id(key.get()), EVP_PKEY_EC);
  EXPECT_EQ(X509_get_signature_nid(certificate.get()), NID_ecdsa_with_SHA256);
  EXPECT_EQ(X509_get_version(certificate.get()), 2);  // v3

  EXPECT_EQ(X509_check_host(certificate.get(), "pacs.local", 0, 0, nullptr), 1);
  EXPECT_EQ(X509_check_host(certificate.get(), "localhost", 0, 0, nullptr), 1);
  EXPECT_NE(X509_check_host(certificate.get(), "other.local", 0, 0, nullptr), 1);
  EXPECT_EQ(X509_check_ip_asc(certificate.get(), "127.0.0.1", 0), 1);
  EXPECT_EQ(X509_check_ip_asc(certificate.get(), "::1", 0), 1);
  EXPECT_EQ(X509_check_ip_asc(certificate.get(), "192.168.1.20", 0), 1);
  EXPECT_NE(X509_check_ip_asc(certificate.get(), "10.0.0.1", 0), 1);

  std::unique_ptr<BASIC_CONSTRAINTS, X509Free> constraints(static_cast<BASIC_CONSTRAINTS*>(
      X509_get_ext_d2i(certificate.get(), NID_basic_constraints, nullptr, nullptr)));
  ASSERT_NE(constraints, nullptr);
  EXPECT_EQ(constraints->ca, 0);
  EXPECT_NE(X509_get_extended_key_usage(certificate.get()) & XKU_SSL_SERVER, 0u);

  // Valid now, expiring within the requested days.
  EXPECT_LT(X509_cmp_current_time(X509_get0_notBefore(certificate.get())), 0);
  EXPECT_GT(X509_cmp_current_time(X509_get0_notAfter(certificate.get())), 0);
  int days = 0;
  int seconds = 0;
  ASSERT_EQ(ASN1_TIME_diff(&days, &seconds, nullptr, X509_get0_notAfter(certificate.get())), 1);
  EXPECT_GE(days, 29);
  EXPECT_LE(days, 30);

  // No temporary files left behind.
  std::size_t files = 0;
  for ([[maybe_unused]] const auto& entry : std::filesystem::directory_iterator(dir.path()))
    ++files;
  EXPECT_EQ(files, 2u);
}

TEST(TlsCertificateTest, SerialsAreRandom) {
  testing::TempDir dir;
  CertificateOptions options;
  options.common_name = "x";
  ASSERT_TRUE(CreateSelfSignedCertificate(dir.path() / "a.crt", dir.path() / "a.key", options));
  ASSERT_TRUE(CreateSelfSignedCertificate(dir.path() / "b.crt", dir.path() / "b.key", options));
  const auto a = LoadCertificate(dir.path() / "a.crt");
  const auto b = LoadCertificate(dir.path() / "b.crt");
  ASSERT_TRUE(a && b);
  EXPECT_NE(ASN1_INTEGER_cmp(X509_get0_serialNumber(a.get()), X509_get0_serialNumber(b.get())), 0);
}

TEST(TlsCertificateTest, OverwritesExistingFilesKeepingKeyPrivate) {
  testing::TempDir dir;
  const auto key_file = dir.path() / "k.pem";
  testing::WriteFile(key_file, "old");
  ::chmod(key_file.c_str(), 0644);
  ASSERT_TRUE(CreateSelfSignedCertificate(dir.path() / "c.pem", key_file, CertificateOptions{}));
  struct stat key_stat {};
  ASSERT_EQ(::stat(key_file.c_str(), &key_stat), 0);
  EXPECT_EQ(key_stat.st_mode & 0777, 0600u);
  EXPECT_NE(LoadKey(key_file), nullptr);
}

TEST(TlsCertificateTest, RejectsBadInput) {
  testing::TempDir dir;
  CertificateOptions bad_ip;
  bad_ip.ip_addresses = {"300.1.1.1"};
  EXPECT_EQ(CreateSelfSignedCertificate(dir.path() / "c", dir.path() / "k", bad_ip).error().code,
            ErrorCode::kInvalidArgument);
  CertificateOptions bad_days;
  bad_days.days = 0;
  EXPECT_EQ(CreateSelfSignedCertificate(dir.path() / "c", dir.path() / "k", bad_days).error().code,
            ErrorCode::kInvalidArgument);
  EXPECT_EQ(CreateSelfSignedCertificate(dir.path() / "no/such/dir/c", dir.path() / "no/such/k",
                                        CertificateOptions{})
                .error()
                .code,
            ErrorCode::kIo);
}

TEST(TlsCertificateTest, LocalIpAddressesExcludeLoopback) {
  for (const std::string& address : LocalIpAddresses()) {
    EXPECT_NE(address, "127.0.0.1");
    EXPECT_NE(address, "::1");
    EXPECT_FALSE(address.starts_with("fe80")) << address;
  }
}

}  // namespace
}  // namespace tessera::http
