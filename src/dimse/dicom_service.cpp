#include "dimse/dicom_service.h"

#include <csignal>
#include <cstdlib>

#include <dcmtk/dcmnet/assoc.h>
#include <dcmtk/dcmnet/dcmtrans.h>
#include <dcmtk/dcmnet/dul.h>
#include <spdlog/fmt/fmt.h>
#include <spdlog/spdlog.h>
#include <sys/socket.h>

#include "dicom/attribute_dictionary.h"
#include "dimse/tls_layer.h"

namespace tessera::dimse {
namespace {

constexpr std::size_t kMaxAeTitleLength = 16;

Status Validate(const DimseOptions& options) {
  if (options.ae_title.empty() || options.ae_title.size() > kMaxAeTitleLength ||
      options.ae_title.find('\\') != std::string::npos) {
    return Fail(ErrorCode::kInvalidArgument,
                "the DICOM AE title must have 1 to 16 characters and no backslash");
  }
  if (options.max_pdu_bytes < ASC_MINIMUMPDUSIZE || options.max_pdu_bytes > ASC_MAXIMUMPDUSIZE) {
    return Fail(ErrorCode::kInvalidArgument, "the maximum PDU size must be between " +
                                                 std::to_string(ASC_MINIMUMPDUSIZE) + " and " +
                                                 std::to_string(ASC_MAXIMUMPDUSIZE) + " bytes");
  }
  if (options.max_associations == 0 || options.max_associations_per_address == 0) {
    return Fail(ErrorCode::kInvalidArgument,
                "max_associations and max_associations_per_address must be at least 1");
  }
  if (options.association_timeout.count() <= 0 || options.dimse_timeout.count() <= 0) {
    return Fail(ErrorCode::kInvalidArgument, "DICOM timeouts must be at least one second");
  }
  for (const KnownPeer& peer : options.peers) {
    if (peer.ae_title.empty() || peer.ae_title.size() > kMaxAeTitleLength) {
      return Fail(ErrorCode::kInvalidArgument,
                  "a DICOM modality needs an AE title of 1 to 16 characters");
    }
  }
  return Ok();
}

// Process-wide settings DCMTK needs. Reverse DNS on every association would be
// slow and the log wants addresses; outgoing connects (C-MOVE) otherwise wait
// for the operating system's TCP timeout.
void ConfigureDcmtk(const DimseOptions& options) {
  // DCMTK writes to sockets with write(2): a peer that resets its connection
  // would otherwise kill the whole process with SIGPIPE.
  std::signal(SIGPIPE, SIG_IGN);
  dcmDisableGethostbyaddr.set(OFTrue);
  dcmConnectionTimeout.set(static_cast<Sint32>(options.association_timeout.count()));
  // A read that stalls inside a PDU waits this long (DCMTK's default is 60 s):
  // a half-sent association request is dropped after the association timeout.
  // AcceptorNetwork::Receive gives an established association the DIMSE timeout.
  dcmSocketReceiveTimeout.set(static_cast<Sint32>(options.association_timeout.count()));
  // DCMTK turns Nagle's algorithm off for the associations it opens (C-MOVE
  // destinations) only when asked through the environment; with it on, every
  // C-STORE sub-operation waits for a delayed ACK. An operator's value stays.
  ::setenv("TCP_NODELAY", "1", /*overwrite=*/0);
}

bool AnyTlsPeer(const DimseOptions& options) {
  for (const KnownPeer& peer : options.peers) {
    if (peer.tls) return true;
  }
  return false;
}

}  // namespace

DicomService::DicomService(DimseOptions options, archive::Archive& archive)
    : options_(std::move(options)), archive_(archive), policy_(options_) {}

Result<std::unique_ptr<DicomService>> DicomService::Start(DimseOptions options,
                                                          archive::Archive& archive) {
  if (auto valid = Validate(options); !valid) return std::move(valid).error();
  if (auto dictionary = dicom::EnsureDataDictionary(); !dictionary) {
    return std::move(dictionary).error();
  }
  ConfigureDcmtk(options);
  std::unique_ptr<DicomService> service(new DicomService(std::move(options), archive));
  const DimseOptions& opts = service->options_;

  auto network = AcceptorNetwork::Create(opts);
  if (!network) return std::move(network).error();
  service->network_ = std::move(*network);
  if (opts.tls || AnyTlsPeer(opts)) {
    auto tls = MakeRequestorTlsLayer(opts);
    if (!tls) return std::move(tls).error();
    service->requestor_tls_ = std::move(*tls);
    if (opts.client_ca_file.empty() && AnyTlsPeer(opts)) {
      spdlog::warn(
          "dimse: certificates of C-MOVE destinations reached over TLS are not "
          "verified (no client CA file configured)");
    }
  }
  auto listener = SocketListener::Open(opts.address, opts.port);
  if (!listener) return std::move(listener).error();
  service->listener_ = std::move(*listener);
  service->port_ = service->listener_->port();

  service->commitments_ = std::make_unique<CommitmentReporter>(archive, service->options_,
                                                               service->requestor_tls_.get());
  if (auto resumed = service->commitments_->Resume(service->policy_); !resumed) {
    return std::move(resumed).error();
  }
  service->environment_.reset(new ServiceEnvironment{
      archive, service->options_, service->policy_, *service->network_,
      service->requestor_tls_.get(), service->shutdown_, *service->commitments_});
  const ServiceEnvironment* environment = service->environment_.get();
  service->slots_ = std::make_unique<AddressSlots>(opts.max_associations_per_address);
  AddressSlots* slots = service->slots_.get();
  service->pool_ = std::make_unique<ConnectionPool>(
      opts.max_associations, [environment, slots](AcceptedSocket socket) {
        const std::string address = socket.peer_address;
        ServeConnection(*environment, std::move(socket));
        slots->Release(address);
      });
  DicomService* self = service.get();
  service->accept_thread_ = std::thread([self] { self->AcceptLoop(); });
  spdlog::info("dimse: {} listening on {}:{}{}", opts.ae_title,
               opts.address.empty() ? "*" : opts.address, service->port_,
               opts.tls ? " (DICOM TLS)" : "");
  return service;
}

DicomService::~DicomService() { Stop(); }

namespace {

// An A-ASSOCIATE-RJ (PS3.8 9.3.4), so that a caller over a limit is told to try
// again later rather than see the connection drop: rejected transient (2), by
// the service provider's presentation layer (3), local limit exceeded (2). Sent
// without reading the request, which could hold the accept loop up; what has
// arrived of it is then discarded, so that the close does not reset the
// connection before the caller reads the rejection. (Under TLS it could only be
// sent encrypted, after a handshake: such callers are just closed.)
void RejectUnread(int fd) {
  static constexpr unsigned char kReject[] = {0x03, 0x00, 0x00, 0x00, 0x00,
                                              0x04, 0x00, 0x02, 0x03, 0x02};
  if (::send(fd, kReject, sizeof(kReject), MSG_NOSIGNAL | MSG_DONTWAIT) < 0) return;
  ::shutdown(fd, SHUT_WR);
  char sink[4096];
  for (int chunk = 0; chunk < 16 && ::recv(fd, sink, sizeof(sink), MSG_DONTWAIT) > 0; ++chunk) {
  }
}

}  // namespace

void DicomService::AcceptLoop() {
  while (true) {
    auto accepted = listener_->Accept();
    if (!accepted && accepted.error().code == ErrorCode::kUnavailable) return;
    if (!accepted) {
      spdlog::error("dimse: {}", accepted.error().message);
      std::this_thread::sleep_for(std::chrono::milliseconds(100));  // do not spin on it
      continue;
    }
    const std::string address = accepted->peer_address;
    if (!slots_->TryTake(address)) {
      if (!options_.tls) RejectUnread(accepted->fd.get());
      if (const auto held_back = crowded_log_.Allow()) {
        spdlog::warn("dimse: connection from {} closed: it has {} associations already{}", address,
                     options_.max_associations_per_address,
                     *held_back == 0 ? "" : fmt::format(" ({} more closed)", *held_back));
      }
      continue;
    }
    if (pool_->TrySubmit(*accepted)) continue;
    slots_->Release(address);
    if (!options_.tls) RejectUnread(accepted->fd.get());
    if (const auto held_back = busy_log_.Allow()) {
      spdlog::warn("dimse: connection from {} closed: {} associations already running{}", address,
                   options_.max_associations,
                   *held_back == 0 ? "" : fmt::format(" ({} more closed)", *held_back));
    }
  }
}

void DicomService::Stop() {
  std::lock_guard lock(stop_mutex_);
  if (stopped_) return;
  stopped_ = true;
  if (!pool_) return;  // Start failed before serving
  shutdown_.Begin(options_.association_timeout);
  listener_->Wake();
  if (accept_thread_.joinable()) accept_thread_.join();
  pool_->Shutdown();
  commitments_->Stop();
  spdlog::info("dimse: stopped");
}

}  // namespace tessera::dimse
