// Feeds http::MultipartParser (http/multipart.h), the STOW-RS / upload body parser.
// Input: a Content-Type line (its boundary, via BoundaryFromContentType), one byte
// seeding the chunking, then the body. The body is parsed twice, whole and in
// pieces split at input-chosen points; the header promises that bytes may arrive
// in any chunking, so both parses must report the same parts (headers and
// content), the same outcome and the same part count.

#include <cstddef>
#include <cstdint>
#include <span>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "fuzz/fuzz_support.h"
#include "http/multipart.h"

namespace {

using tessera::Ok;
using tessera::Status;
using tessera::http::MultipartParser;
using tessera::http::PartHeaders;

// Records what the parser reports, as one comparable transcript.
class Recorder final : public tessera::http::PartSink {
 public:
  Status OnPartBegin(const PartHeaders& headers) override {
    FUZZ_CHECK(!in_part_);
    in_part_ = true;
    log_ += "B";
    for (const auto& [name, value] : headers.fields) log_ += name + ":" + value + "\n";
    log_ += "name=" + headers.name + "\nfilename=" + headers.filename + "\n";
    return Ok();
  }
  Status OnPartData(std::span<const char> bytes) override {
    FUZZ_CHECK(in_part_);
    FUZZ_CHECK(!bytes.empty());
    log_.append(bytes.data(), bytes.size());  // pieces concatenate: chunking must not show
    return Ok();
  }
  Status OnPartEnd() override {
    FUZZ_CHECK(in_part_);
    in_part_ = false;
    log_ += "E";
    return Ok();
  }
  const std::string& log() const { return log_; }

 private:
  bool in_part_ = false;
  std::string log_;
};

struct Outcome {
  std::string log;
  bool fed = false;
  bool finished = false;
  std::size_t parts = 0;
};

Outcome Parse(const std::string& boundary, std::string_view body,
              const std::vector<std::size_t>& cuts) {
  MultipartParser parser(boundary);
  Recorder recorder;
  bool fed = true;
  std::size_t from = 0;
  for (const std::size_t cut : cuts) {
    if (!parser.Feed(std::span<const char>(body.data() + from, cut - from), recorder)) fed = false;
    from = cut;
  }
  if (!parser.Feed(std::span<const char>(body.data() + from, body.size() - from), recorder)) {
    fed = false;
  }
  return {recorder.log(), fed, static_cast<bool>(parser.Finish()), parser.part_count()};
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  tessera::fuzz::Bytes input(tessera::fuzz::AsText(data, size));
  auto boundary = tessera::http::BoundaryFromContentType(input.Line());
  if (!boundary) return 0;
  FUZZ_CHECK(!boundary->empty() && boundary->size() <= 70);
  std::uint32_t seed = input.Byte() | 1u;
  const std::string_view body = input.Rest();

  const Outcome whole = Parse(*boundary, body, {});
  // Cut points from a small LCG: chunks of 0..16 bytes mostly, sometimes larger.
  std::vector<std::size_t> cuts;
  for (std::size_t at = 0;;) {
    seed = seed * 1103515245u + 12345u;
    const std::size_t step = (seed >> 16) % 8 == 0 ? (seed >> 8) % 512 : (seed >> 16) % 17;
    at += step;
    if (at >= body.size()) break;
    cuts.push_back(at);
  }
  const Outcome pieces = Parse(*boundary, body, cuts);
  FUZZ_CHECK(whole.fed == pieces.fed);
  FUZZ_CHECK(whole.finished == pieces.finished);
  FUZZ_CHECK(whole.parts == pieces.parts);
  FUZZ_CHECK(whole.log == pieces.log);
  // One byte at a time, the worst chunking, on short bodies.
  if (body.size() <= 256) {
    std::vector<std::size_t> every;
    for (std::size_t i = 1; i < body.size(); ++i) every.push_back(i);
    const Outcome bytes = Parse(*boundary, body, every);
    FUZZ_CHECK(whole.log == bytes.log && whole.finished == bytes.finished);
  }
  return 0;
}
