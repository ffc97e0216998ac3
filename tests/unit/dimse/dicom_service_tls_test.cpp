// DICOM TLS: storescu/echoscu over TLS, client certificates, C-MOVE to a TLS peer.

#include <map>
#include <set>
#include <string>
#include <vector>

#include <dcmtk/dcmdata/dcdeftag.h>
#include <dcmtk/dcmdata/dcmetinf.h>

#include "dimse/outbound_association.h"
#include "service_test_support.h"

namespace tessera::dimse {
namespace {

using namespace service_test;

TEST_F(DicomServiceTlsTest, StorescuStoresOverTls) {
  Start(TlsOptions());
  const auto specs = MakeStudies();
  const fs::path file = WriteInstance(dir_ / "in", specs[0]);
  const ToolResult stored = RunTool("storescu -aec TESSERA +tla +cf " + Quote(dir_ / "server.crt") +
                                    " " + Peer() + " " + Quote(file));
  EXPECT_EQ(stored.exit_code, 0) << stored.output;
  EXPECT_EQ(CountInstances(specs[0].sop_uid), 1u);

  // A plain connection gets nowhere.
  const ToolResult plain = RunTool("echoscu -to 5 -ta 5 -aec TESSERA " + Peer());
  EXPECT_NE(plain.exit_code, 0);
  EXPECT_EQ(RunTool("echoscu -aec TESSERA +tla -ic " + Peer()).exit_code, 0);
}

TEST_F(DicomServiceTlsTest, RequiresAClientCertificateWhenConfigured) {
  DimseOptions options = TlsOptions();
  options.client_ca_file = dir_ / "client.crt";
  Start(options);
  const ToolResult anonymous = RunTool("echoscu -aec TESSERA +tla -ic " + Peer());
  EXPECT_NE(anonymous.exit_code, 0) << anonymous.output;
  const ToolResult authenticated =
      RunTool("echoscu -aec TESSERA +tls " + Quote(dir_ / "client.key") + " " +
              Quote(dir_ / "client.crt") + " +cf " + Quote(dir_ / "server.crt") + " " + Peer());
  EXPECT_EQ(authenticated.exit_code, 0) << authenticated.output;
}

TEST_F(DicomServiceTlsTest, MovesToADestinationOverTls) {
  // movescu (3.6.7) has no TLS: the service listens in plain, the destination wants TLS.
  DimseOptions options = TlsOptions();
  options.tls = false;
  for (KnownPeer& peer : options.peers) peer.tls = peer.ae_title == "MOVEDEST";
  Start(options);
  const auto specs = MakeStudies();
  std::string files;
  for (int i = 0; i < 2; ++i) files += " " + Quote(WriteInstance(dir_ / "in", specs[i]));
  ASSERT_EQ(RunTool("storescu -aec TESSERA " + Peer() + files).exit_code, 0);

  const fs::path received = dir_ / "received";
  fs::create_directories(received);
  ChildProcess storescp({"storescp", "-aet", "MOVEDEST", "+tls", (dir_ / "client.key").string(),
                         (dir_ / "client.crt").string(), "+cf", (dir_ / "server.crt").string(),
                         "--bit-preserving", "-od", received.string(), std::to_string(move_port_)},
                        dir_ / "storescp.log");
  ASSERT_TRUE(WaitForPort(move_port_));
  const ToolResult moved = RunTool(
      "movescu -v -aet VIEWER -aec TESSERA -aem MOVEDEST -S "
      "-k QueryRetrieveLevel=STUDY -k StudyInstanceUID=" +
      specs[0].study_uid + " " + Peer());
  EXPECT_NE(moved.output.find("Final Move Response (Success)"), std::string::npos)
      << moved.output << ReadFile(dir_ / "storescp.log");
  std::size_t arrived = 0;
  for (const auto& entry : fs::directory_iterator(received)) arrived += entry.is_regular_file();
  EXPECT_EQ(arrived, 2u);
}

}  // namespace
}  // namespace tessera::dimse
