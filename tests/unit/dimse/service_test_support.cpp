#include "service_test_support.h"

#include <algorithm>
#include <cstdio>
#include <fstream>
#include <iterator>
#include <map>
#include <thread>

#include <arpa/inet.h>
#include <dcmtk/dcmdata/dcdeftag.h>
#include <dcmtk/dcmdata/dcmetinf.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include "base/unique_fd.h"
#include "dicom/file_meta.h"

namespace tessera::dimse::service_test {

ToolResult RunTool(const std::string& command) {
  ToolResult result;
  FILE* pipe = ::popen(("timeout 120 " + command + " 2>&1").c_str(), "r");
  if (pipe == nullptr) return result;
  char buffer[4096];
  std::size_t got = 0;
  while ((got = std::fread(buffer, 1, sizeof buffer, pipe)) > 0) result.output.append(buffer, got);
  const int status = ::pclose(pipe);
  result.exit_code = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
  return result;
}

std::string Quote(const fs::path& path) { return "'" + path.string() + "'"; }

std::string ReadFile(const fs::path& path) {
  std::ifstream in(path, std::ios::binary);
  return std::string(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
}

std::string DataSetBytes(const fs::path& path) {
  const std::string bytes = ReadFile(path);
  const auto meta = dicom::ReadFileMeta(bytes);
  if (!meta) return "<" + meta.error().message + ">";
  return bytes.substr(meta->data_set_offset);
}

std::uint16_t FreePort() {
  UniqueFd fd(::socket(AF_INET, SOCK_STREAM, 0));
  sockaddr_in address{};
  address.sin_family = AF_INET;
  address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  ::bind(fd.get(), reinterpret_cast<sockaddr*>(&address), sizeof address);
  socklen_t length = sizeof address;
  ::getsockname(fd.get(), reinterpret_cast<sockaddr*>(&address), &length);
  return ntohs(address.sin_port);
}

bool WaitForPort(std::uint16_t port) {
  for (int attempt = 0; attempt < 100; ++attempt) {
    UniqueFd fd(::socket(AF_INET, SOCK_STREAM, 0));
    sockaddr_in address{};
    address.sin_family = AF_INET;
    address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    address.sin_port = htons(port);
    if (::connect(fd.get(), reinterpret_cast<sockaddr*>(&address), sizeof address) == 0) {
      return true;
    }
    std::this_thread::sleep_for(50ms);
  }
  return false;
}

std::string NewUid() {
  char buffer[65];
  return dcmGenerateUniqueIdentifier(buffer, SITE_INSTANCE_UID_ROOT);
}

fs::path WriteInstance(const fs::path& folder, const InstanceSpec& spec) {
  DcmFileFormat file;
  DcmDataset* data = file.getDataset();
  data->putAndInsertString(DCM_SOPClassUID, spec.sop_class.c_str());
  data->putAndInsertString(DCM_SOPInstanceUID, spec.sop_uid.c_str());
  data->putAndInsertString(DCM_StudyInstanceUID, spec.study_uid.c_str());
  data->putAndInsertString(DCM_SeriesInstanceUID, spec.series_uid.c_str());
  data->putAndInsertString(DCM_PatientName, spec.patient_name.c_str());
  data->putAndInsertString(DCM_PatientID, spec.patient_id.c_str());
  data->putAndInsertString(DCM_PatientBirthDate, "19700101");
  data->putAndInsertString(DCM_StudyDate, spec.study_date.c_str());
  data->putAndInsertString(DCM_StudyTime, "101500");
  data->putAndInsertString(DCM_AccessionNumber, spec.accession.c_str());
  data->putAndInsertString(DCM_StudyDescription, "Test study");
  data->putAndInsertString(DCM_StudyID, "1");
  data->putAndInsertString(DCM_Modality, spec.modality.c_str());
  data->putAndInsertString(DCM_SeriesNumber, std::to_string(spec.series_number).c_str());
  data->putAndInsertString(DCM_InstanceNumber, std::to_string(spec.instance_number).c_str());
  data->putAndInsertUint16(DCM_Rows, 4);
  data->putAndInsertUint16(DCM_Columns, 4);
  data->putAndInsertUint16(DCM_SamplesPerPixel, 1);
  data->putAndInsertString(DCM_PhotometricInterpretation, "MONOCHROME2");
  data->putAndInsertUint16(DCM_BitsAllocated, 16);
  data->putAndInsertUint16(DCM_BitsStored, 12);
  data->putAndInsertUint16(DCM_HighBit, 11);
  data->putAndInsertUint16(DCM_PixelRepresentation, 0);
  Uint16 pixels[16];
  for (int i = 0; i < 16; ++i) pixels[i] = static_cast<Uint16>(i * 100 + spec.instance_number);
  data->putAndInsertUint16Array(DCM_PixelData, pixels, 16);
  const fs::path path = folder / (spec.sop_uid + ".dcm");
  EXPECT_TRUE(file.saveFile(path.c_str(), EXS_LittleEndianExplicit).good());
  return path;
}

std::string ProposeOption(const std::string& transfer_syntax) {
  static const std::map<std::string, std::string> kOptions = {
      {UID_JPEGProcess1TransferSyntax, "-xy"},
      {UID_JPEGProcess2_4TransferSyntax, "-xx"},
      {UID_JPEGProcess14SV1TransferSyntax, "-xs"},
      {UID_JPEGLSLosslessTransferSyntax, "-xt"},
      {UID_JPEGLSLossyTransferSyntax, "-xu"},
      {UID_JPEG2000LosslessOnlyTransferSyntax, "-xv"},
      {UID_JPEG2000TransferSyntax, "-xw"},
      {UID_RLELosslessTransferSyntax, "-xr"},
      {UID_DeflatedExplicitVRLittleEndianTransferSyntax, "-xd"},
  };
  const auto found = kOptions.find(transfer_syntax);
  return found == kOptions.end() ? "" : found->second;
}

std::vector<std::unique_ptr<DcmFileFormat>> ReadResponses(const fs::path& folder) {
  std::vector<fs::path> paths;
  for (const auto& entry : fs::directory_iterator(folder)) {
    if (entry.path().filename().string().rfind("rsp", 0) == 0) paths.push_back(entry.path());
  }
  std::sort(paths.begin(), paths.end());
  std::vector<std::unique_ptr<DcmFileFormat>> responses;
  for (const fs::path& path : paths) {
    auto file = std::make_unique<DcmFileFormat>();
    EXPECT_TRUE(file->loadFile(path.c_str()).good()) << path;
    responses.push_back(std::move(file));
  }
  return responses;
}

std::string StringOf(DcmItem& item, const DcmTagKey& tag) {
  OFString value;
  item.findAndGetOFStringArray(tag, value);
  return value.c_str();
}

ChildProcess::ChildProcess(const std::vector<std::string>& args, const fs::path& log) {
  pid_ = ::fork();
  if (pid_ != 0) return;
  const int out = ::open(log.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
  ::dup2(out, 1);
  ::dup2(out, 2);
  std::vector<char*> argv;
  for (const std::string& arg : args) argv.push_back(const_cast<char*>(arg.c_str()));
  argv.push_back(nullptr);
  ::execvp(argv[0], argv.data());
  ::_exit(127);
}

ChildProcess::~ChildProcess() {
  if (pid_ <= 0) return;
  ::kill(pid_, SIGTERM);
  ::waitpid(pid_, nullptr, 0);
}

}  // namespace tessera::dimse::service_test
