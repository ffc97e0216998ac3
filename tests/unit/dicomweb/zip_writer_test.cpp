#include "dicomweb/zip_writer.h"

#include <cstdio>
#include <filesystem>
#include <fstream>
#include <string>

#include <gtest/gtest.h>

namespace tessera::dicomweb {
namespace {

std::string Build(const std::vector<std::pair<std::string, std::string>>& files) {
  ZipWriter zip;
  std::string out;
  for (const auto& [name, data] : files) {
    out += zip.BeginEntry(name, data.size());
    // Feed in uneven pieces, as a stream would.
    for (std::size_t i = 0; i < data.size(); i += 7) {
      const auto piece = std::string_view(data).substr(i, 7);
      zip.Update(piece);
      out += piece;
    }
    out += zip.EndEntry();
  }
  out += zip.Finish();
  return out;
}

// Lists "name size crc" per entry with Python's zipfile, which verifies CRCs on read.
std::string ReadWithPython(const std::string& archive) {
  const auto path = std::filesystem::temp_directory_path() /
                    ("tessera-zip-test-" + std::to_string(::getpid()) + ".zip");
  std::ofstream(path, std::ios::binary) << archive;
  const std::string command =
      "python3 -c \"import sys,zipfile; z=zipfile.ZipFile(sys.argv[1]); assert z.testzip() is "
      "None; print(';'.join(f'{i.filename}:{len(z.read(i))}' for i in z.infolist()))\" " +
      path.string() + " 2>&1";
  std::string output;
  if (FILE* pipe = ::popen(command.c_str(), "r")) {
    char buffer[4096];
    while (auto n = std::fread(buffer, 1, sizeof buffer, pipe)) output.append(buffer, n);
    ::pclose(pipe);
  }
  std::filesystem::remove(path);
  return std::string(output.substr(0, output.find_last_not_of('\n') + 1));
}

TEST(ZipWriterTest, ProducesArchiveThatPythonReadsWithValidCrcs) {
  const std::string binary("\x00\x01\xff\r\n--\x80", 8);
  const auto archive = Build({{"1.2.3/4.5/6.7.dcm", std::string(100000, 'x')},
                              {"empty.dcm", ""},
                              {"bin.dcm", binary}});
  EXPECT_EQ(ReadWithPython(archive), "1.2.3/4.5/6.7.dcm:100000;empty.dcm:0;bin.dcm:8");
}

TEST(ZipWriterTest, EmptyArchiveIsValid) { EXPECT_EQ(ReadWithPython(Build({})), ""); }

}  // namespace
}  // namespace tessera::dicomweb
