#include "config/config.h"

namespace tessera::config {

std::filesystem::path Config::CertificateFile() const {
  return http.certificate.empty() ? data_dir / "tls" / "server.crt" : http.certificate;
}

std::filesystem::path Config::PrivateKeyFile() const {
  return http.private_key.empty() ? data_dir / "tls" / "server.key" : http.private_key;
}

}  // namespace tessera::config
