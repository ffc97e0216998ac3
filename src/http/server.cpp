#include "http/server.h"

#include <cassert>
#include <csignal>
#include <optional>
#include <thread>
#include <vector>

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/ip/v6_only.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/redirect_error.hpp>
#include <boost/asio/signal_set.hpp>
#include <boost/asio/ssl/context.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/strand.hpp>
#include <openssl/ssl.h>
#include <spdlog/spdlog.h>

#include "http/connection_limiter.h"
#include "http/session.h"
#include "http/tls_certificate.h"

namespace tessera::http {

namespace {

using tcp = net::ip::tcp;

// In-flight requests get this long to finish once shutdown begins.
constexpr auto kShutdownGrace = std::chrono::seconds(30);
// After a failed accept (e.g. out of file descriptors), wait before retrying.
constexpr auto kAcceptBackoff = std::chrono::milliseconds(100);
// Connections refused over the limits are logged at most this often.
constexpr auto kRefusalLogInterval = std::chrono::seconds(10);
// TLS 1.2 suites: forward-secret AEAD only (TLS 1.3 suites are OpenSSL's defaults).
constexpr const char* kTls12Ciphers =
    "ECDHE-ECDSA-AES128-GCM-SHA256:ECDHE-RSA-AES128-GCM-SHA256:"
    "ECDHE-ECDSA-AES256-GCM-SHA384:ECDHE-RSA-AES256-GCM-SHA384:"
    "ECDHE-ECDSA-CHACHA20-POLY1305:ECDHE-RSA-CHACHA20-POLY1305";

void LogSessionEnd(std::exception_ptr error) {
  if (!error) return;
  try {
    std::rethrow_exception(error);
  } catch (const std::exception& e) {
    spdlog::warn("connection ended by an exception: {}", e.what());
  } catch (...) {
    spdlog::warn("connection ended by an unknown exception");
  }
}

// One admitted connection: `ticket` keeps its place in the limits until it ends.
Awaitable<void> ServeAdmitted(tcp::socket socket, [[maybe_unused]] ConnectionLimiter::Ticket ticket,
                              net::ssl::context* tls, SessionEnv& env) {
  if (tls != nullptr) {
    co_await ServeTlsConnection(std::move(socket), *tls, env);
  } else {
    co_await ServePlainConnection(std::move(socket), env);
  }
}

}  // namespace

struct Server::Impl {
  Impl(ServerOptions server_options, const Router& router, Guard& guard)
      : options(std::move(server_options)),
        cors(options.cors),
        env{options, router, guard, cors, tracker},
        limiter(std::max<std::size_t>(1, options.max_connections),
                std::max<std::size_t>(1, options.max_connections_per_address)),
        io(static_cast<int>(std::max<std::size_t>(1, options.io_threads))) {}

  ~Impl() { tracker.ForgetDrainedCallback(); }

  Status LoadCertificate();
  Status Listen();
  Awaitable<void> Accept();
  // Closes a connection over the limits; logs at most one line per interval.
  void Refuse(tcp::socket& socket);
  // Runs on `strand`.
  void BeginShutdown();

  // Declared before `io` so that they outlive the sessions destroyed with it.
  ServerOptions options;
  CorsPolicy cors;
  SessionTracker tracker;
  std::optional<net::ssl::context> tls;
  SessionEnv env;
  ConnectionLimiter limiter;
  net::io_context io;
  // Serialises the acceptor, the signal set and the shutdown timer.
  net::strand<net::io_context::executor_type> strand{io.get_executor()};
  tcp::acceptor acceptor{strand};
  net::signal_set signals{strand};
  net::steady_timer shutdown_timer{strand};
  bool shutting_down = false;
  bool started = false;
  std::size_t refused = 0;  // since the last log line about it
  std::chrono::steady_clock::time_point refusal_logged;
  std::uint16_t bound_port = 0;  // set by Start(), read by any thread
};

Status Server::Impl::LoadCertificate() {
  tls.emplace(net::ssl::context::tls_server);
  net::ssl::context& context = *tls;
  context.set_options(net::ssl::context::default_workarounds | net::ssl::context::no_sslv2 |
                      net::ssl::context::no_sslv3 | net::ssl::context::no_tlsv1 |
                      net::ssl::context::no_tlsv1_1 | net::ssl::context::single_dh_use);
  SSL_CTX* native = context.native_handle();
  SSL_CTX_set_min_proto_version(native, TLS1_2_VERSION);
  SSL_CTX_set_options(native, SSL_OP_NO_RENEGOTIATION);
  if (SSL_CTX_set_cipher_list(native, kTls12Ciphers) != 1) {
    return Fail(ErrorCode::kInternal, "OpenSSL rejected the TLS 1.2 cipher list");
  }
  return LoadCertificatePair(native, options.certificate_file, options.private_key_file);
}

Status Server::Impl::Listen() {
  beast::error_code ec;
  const std::string& host = options.address.empty() ? std::string("0.0.0.0") : options.address;
  const auto address = net::ip::make_address(host, ec);
  if (ec) return Fail(ErrorCode::kInvalidArgument, "not an IP address to listen on: " + host);
  const tcp::endpoint endpoint(address, options.port);
  const std::string where = host + ":" + std::to_string(options.port);
  acceptor.open(endpoint.protocol(), ec);
  if (!ec) acceptor.set_option(net::socket_base::reuse_address(true), ec);
  if (!ec && address.is_v6() && address.is_unspecified()) {
    acceptor.set_option(net::ip::v6_only(false), ec);
  }
  if (!ec) acceptor.bind(endpoint, ec);
  if (!ec) acceptor.listen(net::socket_base::max_listen_connections, ec);
  if (ec) {
    beast::error_code ignored;
    acceptor.close(ignored);
    return Fail(ErrorCode::kIo, "cannot listen on " + where + ": " + ec.message());
  }
  return Ok();
}

Awaitable<void> Server::Impl::Accept() {
  for (;;) {
    tcp::socket socket(net::make_strand(io));
    beast::error_code ec;
    co_await acceptor.async_accept(socket, net::redirect_error(net::use_awaitable, ec));
    if (ec == net::error::operation_aborted || !acceptor.is_open()) co_return;
    if (ec) {
      spdlog::warn("accept failed: {}", ec.message());
      net::steady_timer backoff(strand, kAcceptBackoff);
      co_await backoff.async_wait(net::redirect_error(net::use_awaitable, ec));
      continue;
    }
    const tcp::endpoint client = socket.remote_endpoint(ec);
    if (ec) {  // the peer left already
      socket.close(ec);
      continue;
    }
    auto ticket = limiter.TryAdmit(client.address());
    if (!ticket) {
      Refuse(socket);
      continue;
    }
    auto executor = socket.get_executor();
    net::co_spawn(executor,
                  ServeAdmitted(std::move(socket), std::move(*ticket), tls ? &*tls : nullptr, env),
                  LogSessionEnd);
  }
}

void Server::Impl::Refuse(tcp::socket& socket) {
  // Closed at once, unread: answering would cost what the limits protect.
  beast::error_code ignored;
  socket.close(ignored);
  ++refused;
  const auto now = std::chrono::steady_clock::now();
  if (now - refusal_logged < kRefusalLogInterval) return;
  spdlog::warn(
      "refused {} connection(s): the limit of {} in all or {} per client address was "
      "reached (http.max_connections, http.max_connections_per_address)",
      refused, options.max_connections, options.max_connections_per_address);
  refused = 0;
  refusal_logged = now;
}

void Server::Impl::BeginShutdown() {
  if (shutting_down) return;
  shutting_down = true;
  beast::error_code ignored;
  acceptor.close(ignored);
  signals.cancel(ignored);
  shutdown_timer.expires_after(kShutdownGrace);
  shutdown_timer.async_wait([this](beast::error_code ec) {
    if (ec) return;
    spdlog::warn("requests still running {} s after shutdown began; dropping them",
                 kShutdownGrace.count());
    io.stop();
  });
  tracker.BeginShutdown([this] { net::post(strand, [this] { shutdown_timer.cancel(); }); });
}

Server::Server(ServerOptions options, const Router& router, Guard& guard)
    : impl_(std::make_unique<Impl>(std::move(options), router, guard)) {}

Server::~Server() = default;

Status Server::Start() {
  if (impl_->options.tls) {
    if (auto status = impl_->LoadCertificate(); !status) return status;
  }
  if (auto status = impl_->Listen(); !status) return status;
  beast::error_code ec;
  impl_->bound_port = impl_->acceptor.local_endpoint(ec).port();
  impl_->started = true;
  return Ok();
}

std::uint16_t Server::port() const { return impl_->bound_port; }

void Server::Run() {
  assert(impl_->started && "Run() requires a successful Start()");
  Impl& impl = *impl_;
  impl.signals.add(SIGINT);
  impl.signals.add(SIGTERM);
  impl.signals.async_wait([&impl](beast::error_code ec, int signal) {
    if (ec) return;
    spdlog::info("received signal {}, shutting down", signal);
    impl.BeginShutdown();
  });
  net::co_spawn(impl.strand, impl.Accept(), LogSessionEnd);
  const std::size_t extra_threads = std::max<std::size_t>(1, impl.options.io_threads) - 1;
  std::vector<std::thread> threads;
  threads.reserve(extra_threads);
  for (std::size_t i = 0; i < extra_threads; ++i) threads.emplace_back([&impl] { impl.io.run(); });
  impl.io.run();
  for (auto& thread : threads) thread.join();
}

void Server::Stop() {
  Impl& impl = *impl_;
  net::post(impl.strand, [&impl] { impl.BeginShutdown(); });
}

}  // namespace tessera::http
