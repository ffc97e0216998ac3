#include "client/null_server.h"

#include <atomic>
#include <cerrno>
#include <charconv>
#include <filesystem>
#include <optional>
#include <string>
#include <system_error>
#include <thread>
#include <utility>
#include <vector>

#include <boost/asio.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <fcntl.h>
#include <sys/mman.h>
#include <sys/sendfile.h>
#include <sys/stat.h>
#include <unistd.h>

namespace tessera::bench {
namespace {

namespace net = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
using tcp = net::ip::tcp;

// Large bodies go out with sendfile(2), the path a server that sends stored files
// takes (Tessera does), so the figure is the loopback's, not a copy's. The source is
// a given file (best: one on the archive's filesystem, in the page cache) or a memory
// file.
constexpr std::size_t kMemorySourceBytes = 64 << 20;

class SourceFile {
 public:
  explicit SourceFile(const std::string& path) {
    if (!path.empty()) {
      fd_ = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
      struct stat info {};
      if (fd_ < 0 || ::fstat(fd_, &info) != 0 || info.st_size <= 0) {
        throw std::system_error(errno, std::generic_category(), path);
      }
      size_ = static_cast<std::uint64_t>(info.st_size);
      return;
    }
    fd_ = ::memfd_create("tessera-bench-source", MFD_CLOEXEC);
    size_ = kMemorySourceBytes;
    if (fd_ < 0 || ::ftruncate(fd_, kMemorySourceBytes) != 0) {
      throw std::system_error(errno, std::generic_category(), "memfd");
    }
    // Touch every page so the first request does not pay for the allocation.
    const std::vector<char> block(1 << 20, 'x');
    for (std::size_t at = 0; at < kMemorySourceBytes; at += block.size()) {
      if (::pwrite(fd_, block.data(), block.size(), static_cast<off_t>(at)) < 0) {
        throw std::system_error(errno, std::generic_category(), "memfd write");
      }
    }
  }
  SourceFile(const SourceFile&) = delete;
  SourceFile& operator=(const SourceFile&) = delete;
  ~SourceFile() { ::close(fd_); }
  int get() const { return fd_; }
  std::uint64_t size() const { return size_; }

 private:
  int fd_ = -1;
  std::uint64_t size_ = 0;
};

// What a server that stores each instance durably must do at the least, with no
// parsing: the received bytes go into new files of at most `file_bytes` each, and
// every file is fsynced (and its pages dropped, as Tessera drops them) before the
// answer. Its throughput for a STOW workload is the ceiling that this machine's
// loopback, page cache and disk set together, on the same two vCPUs as the client.
class Sink {
 public:
  Sink(std::filesystem::path dir, std::uint64_t file_bytes)
      : dir_(std::move(dir)), file_bytes_(file_bytes) {}
  std::string NewFileName() { return (dir_ / std::to_string(next_++)).string(); }
  std::uint64_t file_bytes() const { return file_bytes_; }

 private:
  std::filesystem::path dir_;
  std::uint64_t file_bytes_;
  std::atomic<std::uint64_t> next_{0};
};

// One body's files, on one connection. Blocking calls: the server runs a thread
// per connection for a sink.
class SinkWriter {
 public:
  explicit SinkWriter(Sink& sink) : sink_(sink) {}
  SinkWriter(const SinkWriter&) = delete;
  SinkWriter& operator=(const SinkWriter&) = delete;
  ~SinkWriter() {
    if (fd_ >= 0) ::close(fd_);
  }

  void Write(const char* data, std::size_t size) {
    while (size > 0) {
      if (fd_ < 0) Open();
      const std::size_t room =
          static_cast<std::size_t>(std::min<std::uint64_t>(size, sink_.file_bytes() - in_file_));
      const ssize_t written = ::write(fd_, data, room);
      if (written < 0 && errno == EINTR) continue;
      if (written <= 0) throw std::system_error(errno, std::generic_category(), "sink write");
      data += written;
      size -= static_cast<std::size_t>(written);
      in_file_ += static_cast<std::uint64_t>(written);
      if (in_file_ == sink_.file_bytes()) Close();
    }
  }

  // Makes the body's last file durable.
  void Close() {
    if (fd_ < 0) return;
    if (::fsync(fd_) != 0) throw std::system_error(errno, std::generic_category(), "sink fsync");
    (void)::posix_fadvise(fd_, 0, 0, POSIX_FADV_DONTNEED);
    ::close(fd_);
    fd_ = -1;
  }

 private:
  void Open() {
    const std::string name = sink_.NewFileName();
    fd_ = ::open(name.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0644);
    if (fd_ < 0) throw std::system_error(errno, std::generic_category(), name);
    in_file_ = 0;
  }

  Sink& sink_;
  int fd_ = -1;
  std::uint64_t in_file_ = 0;
};

std::uint64_t RequestedBytes(std::string_view target) {
  constexpr std::string_view kPrefix = "/bytes/";
  if (!target.starts_with(kPrefix)) return 0;
  target.remove_prefix(kPrefix.size());
  std::uint64_t bytes = 0;
  std::from_chars(target.data(), target.data() + target.size(), bytes);
  return bytes;
}

// Sends `bytes` bytes of `source` (cycling through it) with sendfile(2).
net::awaitable<void> SendBytes(tcp::socket& socket, const SourceFile& source, std::uint64_t bytes,
                               beast::error_code& ec) {
  socket.native_non_blocking(true);
  while (bytes > 0) {
    off_t offset = 0;
    const ssize_t sent =
        ::sendfile(socket.native_handle(), source.get(), &offset,
                   static_cast<std::size_t>(std::min<std::uint64_t>(bytes, source.size())));
    if (sent > 0) {
      bytes -= static_cast<std::uint64_t>(sent);
      continue;
    }
    if (sent < 0 && errno == EINTR) continue;
    if (sent < 0 && errno == EAGAIN) {
      co_await socket.async_wait(tcp::socket::wait_write,
                                 net::redirect_error(net::use_awaitable, ec));
      if (ec) co_return;
      continue;
    }
    ec = beast::error_code(errno, beast::system_category());
    co_return;
  }
}

net::awaitable<void> Serve(tcp::socket socket, const SourceFile& source, Sink* sink) {
  socket.set_option(tcp::no_delay(true));
  beast::flat_buffer buffer;
  std::vector<char> scratch(256 * 1024);
  beast::error_code ec;
  for (;;) {
    http::request_parser<http::buffer_body> parser;
    parser.body_limit(std::numeric_limits<std::uint64_t>::max());
    co_await http::async_read_header(socket, buffer, parser,
                                     net::redirect_error(net::use_awaitable, ec));
    if (ec) co_return;
    // Bodies with a length are drained straight from the socket, as the client reads.
    if (const auto length = parser.content_length(); length && !parser.is_done()) {
      std::optional<SinkWriter> writer;
      if (sink != nullptr) writer.emplace(*sink);
      std::uint64_t remaining = *length;
      const std::uint64_t buffered = std::min<std::uint64_t>(buffer.size(), remaining);
      if (writer) writer->Write(static_cast<const char*>(buffer.data().data()), buffered);
      buffer.consume(buffered);
      remaining -= buffered;
      while (remaining > 0 && !ec) {
        const std::size_t want = std::min<std::uint64_t>(remaining, scratch.size());
        const std::size_t got = co_await socket.async_read_some(
            net::buffer(scratch.data(), want), net::redirect_error(net::use_awaitable, ec));
        if (writer) writer->Write(scratch.data(), got);
        remaining -= got;
      }
      if (ec) co_return;
      if (writer) writer->Close();
    }
    while (!parser.is_done() && !parser.content_length()) {
      parser.get().body().data = scratch.data();
      parser.get().body().size = scratch.size();
      co_await http::async_read(socket, buffer, parser,
                                net::redirect_error(net::use_awaitable, ec));
      if (ec == http::error::need_buffer) ec = {};
      if (ec) co_return;
    }
    const std::uint64_t bytes = RequestedBytes(
        std::string_view(parser.get().target().data(), parser.get().target().size()));
    if (bytes == 0) {
      static constexpr std::string_view kSmall =
          "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: 2\r\n\r\n[]";
      co_await net::async_write(socket, net::buffer(kSmall),
                                net::redirect_error(net::use_awaitable, ec));
      if (ec) co_return;
      continue;
    }
    const std::string head =
        "HTTP/1.1 200 OK\r\nContent-Type: application/octet-stream\r\n"
        "Content-Length: " +
        std::to_string(bytes) + "\r\n\r\n";
    co_await net::async_write(socket, net::buffer(head),
                              net::redirect_error(net::use_awaitable, ec));
    if (!ec) co_await SendBytes(socket, source, bytes, ec);
    if (ec) co_return;
  }
}

net::awaitable<void> Listen(tcp::acceptor& acceptor, const SourceFile& source, Sink* sink) {
  for (;;) {
    tcp::socket socket = co_await acceptor.async_accept(net::use_awaitable);
    if (sink == nullptr) {
      net::co_spawn(acceptor.get_executor(), Serve(std::move(socket), source, nullptr),
                    net::detached);
      continue;
    }
    // The sink's writes and fsyncs block: each connection gets a thread of its own, as
    // a server's connections get their own blocking-pool threads.
    std::thread([socket = std::move(socket), &source, sink]() mutable {
      net::io_context own;
      auto moved = tcp::socket(own, tcp::v4(), socket.release());
      net::co_spawn(own, Serve(std::move(moved), source, sink), net::detached);
      own.run();
    }).detach();
  }
}

}  // namespace

void RunNullServer(std::uint16_t port, unsigned threads, const std::string& source_path,
                   const std::string& sink_dir, std::uint64_t sink_file_bytes) {
  net::io_context ioc(static_cast<int>(threads));
  const SourceFile source(source_path);
  std::optional<Sink> sink;
  if (!sink_dir.empty()) {
    std::filesystem::create_directories(sink_dir);
    sink.emplace(sink_dir,
                 sink_file_bytes > 0 ? sink_file_bytes : std::numeric_limits<std::uint64_t>::max());
  }
  tcp::acceptor acceptor(ioc, tcp::endpoint(net::ip::make_address("127.0.0.1"), port));
  net::co_spawn(ioc, Listen(acceptor, source, sink ? &*sink : nullptr), net::detached);
  std::vector<std::thread> pool;
  for (unsigned i = 1; i < threads; ++i) pool.emplace_back([&ioc] { ioc.run(); });
  ioc.run();
  for (auto& thread : pool) thread.join();
}

}  // namespace tessera::bench
