#include "dimse/acceptor_network.h"

#include <atomic>
#include <chrono>
#include <climits>
#include <condition_variable>
#include <mutex>
#include <thread>
#include <utility>

#include <dcmtk/dcmnet/dul.h>
#include <dcmtk/dcmtls/tlslayer.h>
#include <poll.h>
#include <sys/socket.h>
#include <sys/time.h>

#include "dimse/implementation_identity.h"
#include "dimse/tls_layer.h"

namespace tessera::dimse {
namespace {

// Guards DCMTK's process-wide dcmExternalSocketHandle from the moment a thread
// sets it until DCMTK has read it. Process-wide on purpose: it guards a
// process-wide variable, shared by every AcceptorNetwork.
class ExternalSocketSlot {
 public:
  static ExternalSocketSlot& Instance() {
    static ExternalSocketSlot slot;
    return slot;
  }

  void Acquire(DcmNativeSocketType socket) {
    mutex_.lock();
    owner_.store(std::this_thread::get_id());
    dcmExternalSocketHandle.set(socket);
  }

  // Returns true when this thread held the slot (and now released it).
  bool ReleaseIfHeld() {
    if (owner_.load() != std::this_thread::get_id()) return false;
    dcmExternalSocketHandle.set(-1);
    owner_.store(std::thread::id());
    mutex_.unlock();
    return true;
  }

 private:
  std::mutex mutex_;
  std::atomic<std::thread::id> owner_{};
};

// A transport layer that frees the slot when DCMTK hands it the socket: from
// here on the socket belongs to the connection object DCMTK creates.
template <class Base>
class HandoffLayer final : public Base {
 public:
  template <class... Args>
  explicit HandoffLayer(Args&&... args) : Base(std::forward<Args>(args)...) {}

  DcmTransportConnection* createConnection(DcmNativeSocketType socket, OFBool secure) override {
    ExternalSocketSlot::Instance().ReleaseIfHeld();
    return Base::createConnection(socket, secure);
  }
};

Error DcmtkError(std::string_view what, const OFCondition& condition) {
  return Fail(ErrorCode::kInternal, std::string(what) + ": " + condition.text());
}

}  // namespace

Result<std::unique_ptr<AcceptorNetwork>> AcceptorNetwork::Create(const DimseOptions& options) {
  std::unique_ptr<AcceptorNetwork> network(new AcceptorNetwork());
  network->max_pdu_bytes_ = static_cast<long>(options.max_pdu_bytes);
  network->tls_ = options.tls;
  network->transfer_timeout_ = options.dimse_timeout;
  if (options.tls) {
    auto layer =
        std::make_unique<HandoffLayer<DcmTLSTransportLayer>>(NET_ACCEPTOR, nullptr, OFFalse);
    if (auto configured = ConfigureTlsLayer(*layer, options, true); !configured) {
      return std::move(configured).error();
    }
    network->layer_ = std::move(layer);
  } else {
    network->layer_ = std::make_unique<HandoffLayer<DcmTransportLayer>>();
  }

  // With an external socket set, DCMTK skips creating its own listening socket.
  ExternalSocketSlot& slot = ExternalSocketSlot::Instance();
  slot.Acquire(INT_MAX);
  T_ASC_Network* raw = nullptr;
  const OFCondition created = ASC_initializeNetwork(
      NET_ACCEPTOR, 0, static_cast<int>(options.association_timeout.count()), &raw);
  slot.ReleaseIfHeld();
  network->network_.reset(raw);
  if (created.bad()) return DcmtkError("initializing the DICOM network", created);
  const OFCondition layered = ASC_setTransportLayer(raw, network->layer_.get(), 0);
  if (layered.bad()) return DcmtkError("setting the DICOM transport layer", layered);
  return network;
}

AcceptorNetwork::~AcceptorNetwork() { network_.reset(); }

namespace {

// Shuts a socket down when the association request is not in by its deadline:
// DCMTK gives each stalled read a timeout of its own, so a request sent a byte
// at a time would otherwise hold a worker for as long as the caller likes.
class RequestDeadline {
 public:
  RequestDeadline(int fd, std::chrono::seconds limit)
      : thread_([this, fd, limit] {
          std::unique_lock lock(mutex_);
          if (wake_.wait_for(lock, limit, [this] { return disarmed_; })) return;
          expired_ = true;
          ::shutdown(fd, SHUT_RDWR);
        }) {}
  ~RequestDeadline() { Disarm(); }
  RequestDeadline(const RequestDeadline&) = delete;
  RequestDeadline& operator=(const RequestDeadline&) = delete;

  // Stops the watch; true when the deadline had passed already.
  bool Disarm() {
    {
      std::lock_guard lock(mutex_);
      disarmed_ = true;
    }
    wake_.notify_one();
    if (thread_.joinable()) thread_.join();
    return expired_;
  }

 private:
  std::mutex mutex_;
  std::condition_variable wake_;
  bool disarmed_ = false;
  bool expired_ = false;
  std::thread thread_;  // last: it uses the members above
};

}  // namespace

Result<AcceptedAssociation> AcceptorNetwork::Receive(UniqueFd socket,
                                                     std::chrono::seconds timeout) {
  const int fd = socket.get();
  // DCMTK's own wait is for the connection, which an external socket already
  // is; then it reads with the socket receive timeout. So the wait for the
  // caller's first byte is ours.
  pollfd first_byte{fd, POLLIN, 0};
  const int ready = ::poll(&first_byte, 1, static_cast<int>(timeout.count() * 1000));
  if (ready == 0) {
    return Fail(ErrorCode::kUnavailable,
                "no association request within " + std::to_string(timeout.count()) + " s");
  }
  ExternalSocketSlot& slot = ExternalSocketSlot::Instance();
  slot.Acquire(socket.get());
  T_ASC_Association* raw = nullptr;
  RequestDeadline deadline(fd, timeout);
  const OFCondition received = ASC_receiveAssociation(network_.get(), &raw, max_pdu_bytes_, nullptr,
                                                      nullptr, tls_ ? OFTrue : OFFalse, DUL_NOBLOCK,
                                                      static_cast<int>(timeout.count()));
  const bool late = deadline.Disarm();
  // Still held: DCMTK failed before creating its connection and left the socket to us.
  const bool handed_over = !slot.ReleaseIfHeld();
  if (handed_over) (void)socket.release();
  AcceptedAssociation association(raw);
  if (received.bad()) {
    return Fail(ErrorCode::kUnavailable,
                late ? "the association request was not complete within " +
                           std::to_string(timeout.count()) + " s"
                     : std::string("receiving the association request: ") + received.text());
  }
  UseTesseraImplementation(*raw->params);  // for the acceptance or rejection it gets
  // DCMTK keeps the descriptor for the association's lifetime. Advisory: should
  // this fail, a stall keeps the association timeout.
  const timeval transfer{static_cast<time_t>(transfer_timeout_.count()), 0};
  (void)::setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &transfer, sizeof transfer);
  return association;
}

}  // namespace tessera::dimse
