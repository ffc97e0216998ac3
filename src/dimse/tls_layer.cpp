#include "dimse/tls_layer.h"

#include <string>

namespace tessera::dimse {
namespace {

Error BadFile(std::string_view what, const std::filesystem::path& path, const OFCondition& result) {
  return Fail(ErrorCode::kInvalidArgument,
              std::string(what) + " " + path.string() + ": " + result.text());
}

Status LoadIdentity(DcmTLSTransportLayer& layer, const DimseOptions& options) {
  OFCondition result = layer.setPrivateKeyFile(options.private_key_file.c_str(), DCF_Filetype_PEM);
  if (result.bad()) return BadFile("DICOM TLS private key", options.private_key_file, result);
  result = layer.setCertificateFile(options.certificate_file.c_str(), DCF_Filetype_PEM);
  if (result.bad()) return BadFile("DICOM TLS certificate", options.certificate_file, result);
  if (!layer.checkPrivateKeyMatchesCertificate()) {
    return Fail(ErrorCode::kInvalidArgument,
                "DICOM TLS private key " + options.private_key_file.string() +
                    " does not match certificate " + options.certificate_file.string());
  }
  return Ok();
}

}  // namespace

Status ConfigureTlsLayer(DcmTLSTransportLayer& layer, const DimseOptions& options, bool acceptor) {
  if (!layer) return Fail(ErrorCode::kInternal, "cannot create an OpenSSL context for DICOM TLS");
  // Non-downgrading BCP 195 (PS3.15 B.9): TLS 1.2 or newer, never the retired
  // TLS 1.0/1.1 suites. Its TLS 1.2 suites are RSA-only, and `tessera init`
  // makes an ECDSA certificate: the ECDSA ones of the Extended profile (B.11)
  // too, or a TLS 1.2 modality could not connect (TLS 1.3 suites do not care).
  OFCondition result = layer.setTLSProfile(TSP_Profile_BCP195_ND);
  for (const char* suite :
       {"TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256", "TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384"}) {
    if (result.good()) result = layer.addCipherSuite(suite);
  }
  if (result.good()) result = layer.activateCipherSuites();
  if (result.bad())
    return Fail(ErrorCode::kInternal, std::string("DICOM TLS ciphers: ") + result.text());

  const bool has_identity = !options.certificate_file.empty() && !options.private_key_file.empty();
  if (acceptor && !has_identity) {
    return Fail(ErrorCode::kInvalidArgument, "DICOM TLS needs a certificate and a private key");
  }
  if (has_identity) {
    if (auto loaded = LoadIdentity(layer, options); !loaded) return loaded;
  }
  if (options.client_ca_file.empty()) {
    layer.setCertificateVerification(DCV_ignoreCertificate);
    return Ok();
  }
  result = layer.addTrustedCertificateFile(options.client_ca_file.c_str(), DCF_Filetype_PEM);
  if (result.bad()) return BadFile("DICOM TLS CA certificates", options.client_ca_file, result);
  if (!acceptor && has_identity) {
    result = layer.addTrustedCertificateFile(options.certificate_file.c_str(), DCF_Filetype_PEM);
    if (result.bad()) return BadFile("DICOM TLS certificate", options.certificate_file, result);
  }
  layer.setCertificateVerification(DCV_requireCertificate);
  return Ok();
}

Result<std::unique_ptr<DcmTLSTransportLayer>> MakeRequestorTlsLayer(const DimseOptions& options) {
  auto layer = std::make_unique<DcmTLSTransportLayer>(NET_REQUESTOR, nullptr, OFFalse);
  if (auto configured = ConfigureTlsLayer(*layer, options, false); !configured) {
    return std::move(configured).error();
  }
  return layer;
}

}  // namespace tessera::dimse
