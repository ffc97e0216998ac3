#pragma once

// The fixture of the DicomService tests: the service on a loopback port with a
// real archive in a temporary folder, driven by DCMTK's command-line tools
// (echoscu, storescu, findscu, movescu + storescp, getscu) from Debian's dcmtk.

#include <chrono>
#include <cstdint>
#include <cstdlib>
#include <filesystem>
#include <memory>
#include <string>
#include <vector>

#include <dcmtk/config/osconfig.h>
#include <dcmtk/dcmdata/dcfilefo.h>
#include <dcmtk/dcmdata/dcuid.h>
#include <gtest/gtest.h>
#include <signal.h>
#include <sys/types.h>

#include "archive/archive.h"
#include "dicom/codecs.h"
#include "dimse/association_handle.h"
#include "dimse/dicom_service.h"
#include "dimse/outbound_association.h"
#include "dimse/storage_batches.h"
#include "dimse/store_scu.h"

namespace tessera::dimse::service_test {

namespace fs = std::filesystem;
using namespace std::chrono_literals;

inline const fs::path kTestFiles = TESSERA_PYDICOM_TEST_FILES;

struct ToolResult {
  int exit_code = -1;
  std::string output;
};

// Runs a shell command (stdout and stderr together), killed after two minutes.
ToolResult RunTool(const std::string& command);

std::string Quote(const fs::path& path);
std::string ReadFile(const fs::path& path);
// The data set part of a Part 10 file (what travels in C-STORE).
std::string DataSetBytes(const fs::path& path);
std::uint16_t FreePort();
bool WaitForPort(std::uint16_t port);

// A background process (storescp) stopped by the destructor.
class ChildProcess {
 public:
  ChildProcess(const std::vector<std::string>& args, const fs::path& log);
  ~ChildProcess();
  ChildProcess(const ChildProcess&) = delete;
  ChildProcess& operator=(const ChildProcess&) = delete;

 private:
  pid_t pid_ = -1;
};

struct InstanceSpec {
  std::string sop_class = UID_CTImageStorage;
  std::string patient_name = "Doe^John";
  std::string patient_id = "PID-1";
  std::string study_uid;
  std::string series_uid;
  std::string sop_uid;
  std::string study_date = "20240115";
  std::string modality = "CT";
  std::string accession = "ACC-1";
  int series_number = 1;
  int instance_number = 1;
};

std::string NewUid();
// Writes a small CT image in explicit VR little endian.
fs::path WriteInstance(const fs::path& folder, const InstanceSpec& spec);
// The storescu option that proposes a file's own (compressed) transfer syntax;
// storescu proposes only uncompressed ones unless told.
std::string ProposeOption(const std::string& transfer_syntax);
// Response data sets findscu -X wrote, read back.
std::vector<std::unique_ptr<DcmFileFormat>> ReadResponses(const fs::path& folder);
std::string StringOf(DcmItem& item, const DcmTagKey& tag);

class DicomServiceTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() { ::signal(SIGPIPE, SIG_IGN); }

  void SetUp() override {
    char pattern[] = "/tmp/tessera-dimse-test-XXXXXX";
    ASSERT_NE(::mkdtemp(pattern), nullptr);
    dir_ = pattern;
    fs::create_directories(dir_ / "in");
    archive::ArchiveOptions archive_options;
    archive_options.data_dir = dir_ / "data";
    auto archive = archive::Archive::Open(archive_options);
    ASSERT_TRUE(archive) << archive.error().message;
    archive_ = std::move(*archive);
    move_port_ = FreePort();
  }

  void TearDown() override {
    service_.reset();
    archive_.reset();
    fs::remove_all(dir_);
  }

  DimseOptions Options() const {
    DimseOptions options;
    options.address = "127.0.0.1";
    options.port = 0;
    options.ae_title = "TESSERA";
    options.association_timeout = 10s;
    options.dimse_timeout = 30s;
    options.max_associations = 8;
    KnownPeer viewer;
    viewer.ae_title = "VIEWER";
    viewer.host = "127.0.0.1";
    viewer.port = move_port_;
    viewer.allowed = {Operation::kEcho, Operation::kFind, Operation::kMove, Operation::kGet};
    KnownPeer destination;
    destination.ae_title = "MOVEDEST";
    destination.host = "127.0.0.1";
    destination.port = move_port_;
    destination.allowed = {Operation::kEcho};
    // Our own SCU in SendRaw: configured, so that a re-sent UID replaces.
    KnownPeer raw_scu;
    raw_scu.ae_title = "RAWSCU";
    raw_scu.host = "127.0.0.1";
    raw_scu.allowed = {Operation::kEcho, Operation::kStore};
    options.peers = {viewer, destination, raw_scu};
    return options;
  }

  void Start(DimseOptions options) {
    auto service = DicomService::Start(std::move(options), *archive_);
    ASSERT_TRUE(service) << service.error().message;
    service_ = std::move(*service);
  }

  std::string Peer() const { return "127.0.0.1 " + std::to_string(service_->port()); }

  // Three studies: two for Doe^John (CT, 2 instances each), one for Smith^Anna (MR).
  std::vector<InstanceSpec> MakeStudies() {
    std::vector<InstanceSpec> specs;
    const struct {
      const char* name;
      const char* id;
      const char* date;
      const char* modality;
      int instances;
    } studies[] = {{"Doe^John", "PID-1", "20240115", "CT", 2},
                   {"Doe^John", "PID-1", "20240220", "CT", 2},
                   {"Smith^Anna", "PID-2", "20230310", "MR", 1}};
    for (const auto& study : studies) {
      InstanceSpec spec;
      spec.patient_name = study.name;
      spec.patient_id = study.id;
      spec.study_date = study.date;
      spec.modality = study.modality;
      spec.study_uid = NewUid();
      spec.series_uid = NewUid();
      for (int i = 1; i <= study.instances; ++i) {
        spec.sop_uid = NewUid();
        spec.instance_number = i;
        specs.push_back(spec);
      }
    }
    return specs;
  }

  // Writes the instances and sends them with storescu.
  void StoreWithStorescu(const std::vector<InstanceSpec>& specs) {
    std::string files;
    for (const InstanceSpec& spec : specs) files += " " + Quote(WriteInstance(dir_ / "in", spec));
    const ToolResult stored = RunTool("storescu -aec TESSERA " + Peer() + files);
    ASSERT_EQ(stored.exit_code, 0) << stored.output;
  }

  // Stores through the archive, for SOP classes no DICOM tool proposes.
  void StoreInArchive(const std::vector<InstanceSpec>& specs) {
    for (const InstanceSpec& spec : specs) {
      auto incoming = archive_->NewIncomingFile();
      ASSERT_TRUE(incoming) << incoming.error().message;
      ASSERT_TRUE(incoming->Write(ReadFile(WriteInstance(dir_ / "in", spec))));
      auto stored = archive_->Store(std::move(*incoming), "");
      ASSERT_TRUE(stored) << stored.error().message;
    }
  }

  std::size_t CountInstances(const std::string& sop_uid = "") const {
    archive::Query query;
    query.level = archive::QueryLevel::kInstance;
    if (!sop_uid.empty()) {
      query.conditions.push_back({0x00080018, archive::MatchType::kSingleValue, {sop_uid}});
    }
    auto found = archive_->Find(query);
    EXPECT_TRUE(found) << found.error().message;
    return found ? found->matches.size() : 0;
  }

  // An association from `calling_ae` proposing one presentation context, ID 1,
  // for `abstract_syntax` in explicit VR little endian: for messages DCMTK's
  // tools would not send. `association` is null when the request failed.
  struct RawAssociation {
    NetworkHandle network;  // outlives the association
    RequestedAssociation association;
  };
  RawAssociation OpenRawAssociation(const char* calling_ae, const char* abstract_syntax) const {
    RawAssociation opened;
    T_ASC_Network* network = nullptr;
    if (!ASC_initializeNetwork(NET_REQUESTOR, 0, 10, &network).good()) return opened;
    opened.network.reset(network);
    T_ASC_Parameters* params = nullptr;
    if (!ASC_createAssociationParameters(&params, 16384).good()) return opened;
    ASC_setAPTitles(params, calling_ae, "TESSERA", nullptr);
    const std::string address = "127.0.0.1:" + std::to_string(service_->port());
    ASC_setPresentationAddresses(params, "localhost", address.c_str());
    const char* syntaxes[] = {UID_LittleEndianExplicitTransferSyntax};
    ASC_addPresentationContext(params, 1, abstract_syntax, syntaxes, 1);
    T_ASC_Association* association = nullptr;
    const bool accepted = ASC_requestAssociation(network, params, &association).good();
    RequestedAssociation owned(association);
    if (accepted) opened.association = std::move(owned);
    return opened;
  }

  fs::path StoredPath(const InstanceSpec& spec) const {
    auto instances = archive_->Instances({spec.study_uid, spec.series_uid, spec.sop_uid});
    EXPECT_TRUE(instances) << instances.error().message;
    if (!instances || instances->empty()) return {};
    return instances->front().path;
  }

  // Sends `file` byte for byte as our own SCU would, returning the C-STORE status.
  // `sop_uid` is what the request names; empty: a fresh UID that does not match
  // (the archive refuses it, 0xA900, if the data set parses).
  Result<std::uint16_t> SendRaw(const fs::path& file, const std::string& sop_class,
                                const std::string& transfer_syntax,
                                const std::string& sop_uid = "") {
    archive::InstanceRef instance;
    instance.sop_class_uid = sop_class;
    instance.sop_instance_uid = sop_uid.empty() ? NewUid() : sop_uid;
    instance.transfer_syntax_uid = transfer_syntax;
    instance.path = file;
    KnownPeer peer;
    peer.ae_title = "TESSERA";
    peer.host = "127.0.0.1";
    peer.port = service_->port();
    DimseOptions options;
    options.ae_title = "RAWSCU";
    auto outbound = OutboundAssociation::Open(peer, options, nullptr,
                                              StorageBatches({instance}).front().proposals);
    if (!outbound) return std::move(outbound).error();
    StoreScu scu((*outbound)->association(), StoreScuOptions{});
    auto sent = scu.Send(instance);
    if (!sent) return std::move(sent).error();
    return sent->status;
  }

  fs::path dir_;
  dicom::CodecRegistry codecs_;
  std::unique_ptr<archive::Archive> archive_;
  std::unique_ptr<DicomService> service_;
  std::uint16_t move_port_ = 0;
};

class DicomServiceTlsTest : public DicomServiceTest {
 protected:
  void SetUp() override {
    DicomServiceTest::SetUp();
    MakeCertificate("server");
    MakeCertificate("client");
  }

  void MakeCertificate(const std::string& name) {
    const ToolResult made = RunTool(
        "openssl req -x509 -newkey rsa:2048 -nodes -days 2 -subj /CN=" + name + " -keyout " +
        Quote(dir_ / (name + ".key")) + " -out " + Quote(dir_ / (name + ".crt")));
    ASSERT_EQ(made.exit_code, 0) << made.output;
  }

  DimseOptions TlsOptions() const {
    DimseOptions options = Options();
    options.tls = true;
    options.certificate_file = dir_ / "server.crt";
    options.private_key_file = dir_ / "server.key";
    return options;
  }
};

}  // namespace tessera::dimse::service_test
