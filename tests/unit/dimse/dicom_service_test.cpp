// DicomService basics: echo, start-up errors, concurrency, limits, stop.

#include <array>
#include <future>
#include <thread>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include "base/unique_fd.h"
#include "dimse/outbound_association.h"
#include "service_test_support.h"

namespace tessera::dimse {
namespace {

using namespace service_test;

TEST_F(DicomServiceTest, AnswersEchoscu) {
  Start(Options());
  const ToolResult echo = RunTool("echoscu -aec TESSERA " + Peer());
  EXPECT_EQ(echo.exit_code, 0) << echo.output;
}

TEST_F(DicomServiceTest, RejectsAnotherCalledAeTitle) {
  Start(Options());
  const ToolResult echo = RunTool("echoscu -aec SOMEONE " + Peer());
  EXPECT_NE(echo.exit_code, 0);
  EXPECT_NE(echo.output.find("Called AE Title Not Recognized"), std::string::npos) << echo.output;
}

TEST_F(DicomServiceTest, FailsToStartOnATakenPort) {
  Start(Options());
  DimseOptions options = Options();
  options.port = service_->port();
  auto second = DicomService::Start(options, *archive_);
  ASSERT_FALSE(second);
  EXPECT_EQ(second.error().code, ErrorCode::kIo);
}

TEST_F(DicomServiceTest, RefusesInvalidOptions) {
  DimseOptions options = Options();
  options.ae_title = "A-TITLE-THAT-IS-TOO-LONG";
  EXPECT_EQ(DicomService::Start(options, *archive_).error().code, ErrorCode::kInvalidArgument);
  options = Options();
  options.max_pdu_bytes = 1024;
  EXPECT_EQ(DicomService::Start(options, *archive_).error().code, ErrorCode::kInvalidArgument);
  options = Options();
  options.tls = true;
  options.certificate_file = dir_ / "missing.crt";
  options.private_key_file = dir_ / "missing.key";
  EXPECT_EQ(DicomService::Start(options, *archive_).error().code, ErrorCode::kInvalidArgument);
}

TEST_F(DicomServiceTest, ServesParallelStorescuAssociations) {
  Start(Options());
  constexpr int kSenders = 8;
  constexpr int kFilesEach = 3;
  std::vector<std::string> commands;
  for (int sender = 0; sender < kSenders; ++sender) {
    InstanceSpec spec;
    spec.patient_id = "PID-" + std::to_string(sender);
    spec.study_uid = NewUid();
    spec.series_uid = NewUid();
    std::string files;
    for (int i = 0; i < kFilesEach; ++i) {
      spec.sop_uid = NewUid();
      spec.instance_number = i + 1;
      files += " " + Quote(WriteInstance(dir_ / "in", spec));
    }
    commands.push_back("storescu -aet SENDER" + std::to_string(sender) + " -aec TESSERA " + Peer() +
                       files);
  }
  std::vector<std::future<ToolResult>> runs;
  for (const std::string& command : commands) {
    runs.push_back(std::async(std::launch::async, [command] { return RunTool(command); }));
  }
  for (auto& run : runs) {
    const ToolResult result = run.get();
    EXPECT_EQ(result.exit_code, 0) << result.output;
  }
  EXPECT_EQ(CountInstances(), static_cast<std::size_t>(kSenders * kFilesEach));
}

TEST_F(DicomServiceTest, RejectsAssociationsBeyondTheLimit) {
  DimseOptions options = Options();
  options.max_associations = 1;
  Start(options);
  // Hold the only worker with an idle association of our own.
  const fs::path file = WriteInstance(
      dir_ / "in",
      InstanceSpec{.study_uid = NewUid(), .series_uid = NewUid(), .sop_uid = NewUid()});
  archive::InstanceRef instance;
  instance.sop_class_uid = UID_CTImageStorage;
  instance.transfer_syntax_uid = UID_LittleEndianExplicitTransferSyntax;
  instance.path = file;
  KnownPeer peer{.ae_title = "TESSERA", .host = "127.0.0.1", .port = service_->port()};
  DimseOptions client;
  client.ae_title = "HOLDER";
  auto held = OutboundAssociation::Open(peer, client, nullptr,
                                        StorageBatches({instance}).front().proposals);
  ASSERT_TRUE(held) << held.error().message;

  const ToolResult echo = RunTool("echoscu -aec TESSERA " + Peer());
  EXPECT_NE(echo.exit_code, 0);
  EXPECT_NE(echo.output.find("Local Limit Exceeded"), std::string::npos) << echo.output;

  held->reset();  // released: the worker is free again
  bool answered = false;
  for (int attempt = 0; attempt < 50 && !answered; ++attempt) {
    answered = RunTool("echoscu -aec TESSERA " + Peer()).exit_code == 0;
    if (!answered) std::this_thread::sleep_for(100ms);
  }
  EXPECT_TRUE(answered);
}

// A TCP connection from `source` (a loopback address) that sends nothing.
UniqueFd IdleConnection(const char* source, std::uint16_t port) {
  UniqueFd fd(::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0));
  sockaddr_in local{};
  local.sin_family = AF_INET;
  ::inet_pton(AF_INET, source, &local.sin_addr);
  EXPECT_EQ(::bind(fd.get(), reinterpret_cast<sockaddr*>(&local), sizeof local), 0);
  sockaddr_in server{};
  server.sin_family = AF_INET;
  server.sin_port = htons(port);
  ::inet_pton(AF_INET, "127.0.0.1", &server.sin_addr);
  EXPECT_EQ(::connect(fd.get(), reinterpret_cast<sockaddr*>(&server), sizeof server), 0);
  return fd;
}

// Seconds until the server closes `fd` (a read sees its end), at most `limit`.
double SecondsUntilClosed(const UniqueFd& fd, int limit) {
  const auto started = std::chrono::steady_clock::now();
  pollfd waiting{fd.get(), POLLIN, 0};
  if (::poll(&waiting, 1, limit * 1000) != 1) return limit;
  char byte = 0;
  EXPECT_LE(::read(fd.get(), &byte, 1), 0) << "the server sent something";
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
}

TEST_F(DicomServiceTest, WhileEveryWorkerIsBusyCallersAreRejectedUnread) {
  DimseOptions options = Options();
  options.max_associations = 1;
  Start(options);
  UniqueFd holder = IdleConnection("127.0.0.1", service_->port());  // takes the only worker
  std::this_thread::sleep_for(200ms);
  // A caller that has sent nothing yet is told "local limit exceeded" at once;
  // reading its request first would hold the accept loop up for every caller.
  UniqueFd caller = IdleConnection("127.0.0.1", service_->port());
  pollfd waiting{caller.get(), POLLIN, 0};
  ASSERT_EQ(::poll(&waiting, 1, 20'000), 1);
  unsigned char pdu[16] = {};
  const ssize_t n = ::read(caller.get(), pdu, sizeof pdu);
  ASSERT_EQ(n, 10) << "an A-ASSOCIATE-RJ PDU";
  EXPECT_EQ(pdu[0], 0x03);
  EXPECT_EQ(pdu[7], 0x02) << "transient";
  EXPECT_EQ(pdu[8], 0x03) << "service provider (presentation)";
  EXPECT_EQ(pdu[9], 0x02) << "local limit exceeded";
}

TEST_F(DicomServiceTest, OneAddressCannotHoldEveryWorkerWithIdleConnections) {
  DimseOptions options = Options();
  options.max_associations = 2;
  options.max_associations_per_address = 1;
  options.association_timeout = 60s;
  Start(options);
  const UniqueFd idle = IdleConnection("127.0.0.2", service_->port());
  std::this_thread::sleep_for(200ms);  // the service takes it on a worker
  const UniqueFd second = IdleConnection("127.0.0.2", service_->port());
  // Over the address's limit: an A-ASSOCIATE-RJ at once, rejected-transient (2) by the
  // service provider (3) for a local limit (2), so that the caller tries again later.
  pollfd answered{second.get(), POLLIN, 0};
  ASSERT_EQ(::poll(&answered, 1, 5000), 1);
  std::array<unsigned char, 16> reject{};
  ASSERT_EQ(::recv(second.get(), reject.data(), reject.size(), MSG_WAITALL), 10);
  EXPECT_EQ((std::array<unsigned char, 10>{reject[0], reject[1], reject[2], reject[3], reject[4],
                                           reject[5], reject[6], reject[7], reject[8], reject[9]}),
            (std::array<unsigned char, 10>{0x03, 0, 0, 0, 0, 4, 0, 2, 3, 2}));
  EXPECT_LT(SecondsUntilClosed(second, 5), 2.0) << "then closed";

  const ToolResult echo = RunTool("echoscu -aec TESSERA " + Peer());
  EXPECT_EQ(echo.exit_code, 0) << "another address still gets the free worker: " << echo.output;

  // The idle caller never sends its association request: dropped after
  // kFirstPduTimeout, not after the minute of association_timeout.
  const double closed_after = SecondsUntilClosed(idle, 30);
  EXPECT_LT(closed_after, 15.0);
}

TEST_F(DicomServiceTest, ACallerOverItsAddressLimitIsToldToTryAgainLater) {
  DimseOptions options = Options();
  options.max_associations_per_address = 1;
  options.association_timeout = 60s;
  Start(options);
  const UniqueFd idle = IdleConnection("127.0.0.1", service_->port());
  std::this_thread::sleep_for(200ms);  // the service takes it on a worker
  const ToolResult echo = RunTool("echoscu -aec TESSERA " + Peer());
  EXPECT_NE(echo.exit_code, 0);
  EXPECT_NE(echo.output.find("Rejected Transient"), std::string::npos) << echo.output;
  EXPECT_NE(echo.output.find("Local Limit Exceeded"), std::string::npos) << echo.output;
}

TEST_F(DicomServiceTest, AnAssociationRequestTrickledByteByByteIsDroppedInTime) {
  DimseOptions options = Options();
  options.association_timeout = 60s;
  Start(options);
  const UniqueFd trickle = IdleConnection("127.0.0.3", service_->port());
  // The first bytes of an A-ASSOCIATE-RQ (PDU type 1), one every two seconds.
  const auto started = std::chrono::steady_clock::now();
  bool closed = false;
  for (int i = 0; i < 15 && !closed; ++i) {
    const char byte = i == 0 ? '\x01' : '\0';
    closed =
        ::send(trickle.get(), &byte, 1, MSG_NOSIGNAL) != 1 || SecondsUntilClosed(trickle, 2) < 2;
  }
  EXPECT_TRUE(closed);
  EXPECT_LT(std::chrono::steady_clock::now() - started, 15s) << "kFirstPduTimeout is 10 s";
}

TEST_F(DicomServiceTest, StopEndsIdleAssociationsAfterTheGracePeriod) {
  DimseOptions options = Options();
  options.association_timeout = 1s;
  Start(options);
  const fs::path file = WriteInstance(
      dir_ / "in",
      InstanceSpec{.study_uid = NewUid(), .series_uid = NewUid(), .sop_uid = NewUid()});
  archive::InstanceRef instance;
  instance.sop_class_uid = UID_CTImageStorage;
  instance.transfer_syntax_uid = UID_LittleEndianExplicitTransferSyntax;
  instance.path = file;
  KnownPeer peer{.ae_title = "TESSERA", .host = "127.0.0.1", .port = service_->port()};
  DimseOptions client;
  client.ae_title = "HOLDER";
  auto held = OutboundAssociation::Open(peer, client, nullptr,
                                        StorageBatches({instance}).front().proposals);
  ASSERT_TRUE(held) << held.error().message;

  const auto started = std::chrono::steady_clock::now();
  service_->Stop();
  EXPECT_LT(std::chrono::steady_clock::now() - started, 5s);
  (*held)->MarkBroken();
}

}  // namespace
}  // namespace tessera::dimse
