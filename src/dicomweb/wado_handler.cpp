#include "dicomweb/wado_handler.h"

#include <algorithm>
#include <memory>
#include <numeric>
#include <optional>

#include "base/strings.h"
#include "dicom/codecs.h"
#include "dicom/frames.h"
#include "dicom/transcoder.h"
#include "dicomweb/file_streaming.h"
#include "dicomweb/media_types.h"
#include "dicomweb/multipart_body.h"
#include "dicomweb/urls.h"
#include "dicomweb/zip_writer.h"
#include "http/error_status.h"
#include "http/etag.h"

namespace tessera::dicomweb {
namespace {

constexpr std::string_view kPixelDataPath = "7FE00010";

archive::Scope ScopeOf(const PathUids& uids) {
  return archive::Scope{uids.study, uids.series, uids.instance};
}

std::string DicomPartType(std::string_view transfer_syntax) {
  return "application/dicom; transfer-syntax=" + std::string(transfer_syntax);
}

bool CanTranscode(std::string_view from, std::string_view to) {
  return dicom::CanTranscode(from, to);
}

// "1,3,5" -> {1, 3, 5}. Errors: kInvalidArgument.
Result<std::vector<std::uint32_t>> ParseFrameList(std::string_view text) {
  std::vector<std::uint32_t> frames;
  for (const auto item : Split(text, ',')) {
    const auto number = ParseUint(Trim(item));
    if (!number || *number == 0 || *number > 0xffffffffu) {
      return Fail(ErrorCode::kInvalidArgument,
                  "frame numbers are whole numbers from 1, separated by commas");
    }
    frames.push_back(static_cast<std::uint32_t>(*number));
  }
  return frames;
}

// One instance of a retrieval and how it is sent.
struct Planned {
  archive::InstanceRef ref;
  std::string syntax;  // what the client gets
  // The client named no transfer syntax, or also accepts any: if converting fails
  // (a codec that refuses the image, a corrupt bitstream), the stored form is an
  // acceptable answer.
  bool stored_acceptable = false;
  // Converted before the response began (see RetrieveInstances).
  std::optional<std::string> converted;
  bool as_stored() const { return syntax == ref.transfer_syntax_uid; }
};

// A conversion to a syntax the client named failed: it asked for what cannot be
// produced (a codec that refuses this image's bit depth, a corrupt bitstream).
Error NotConvertible(const Planned& planned, const Error& why) {
  return Fail(ErrorCode::kNotAcceptable, "instance " + planned.ref.sop_instance_uid +
                                             " cannot be converted to " + planned.syntax + ": " +
                                             why.message);
}

// Builds a zip response of `refs`, named study/series/instance.dcm. Every entry is
// sent as stored, streamed from the files while the zip is written.
http::Response ZipResponse(std::vector<archive::InstanceRef> refs, std::string filename) {
  std::vector<std::pair<std::string, std::uint64_t>> entries;
  entries.reserve(refs.size());
  for (const auto& ref : refs) {
    entries.emplace_back(ref.study_uid + "/" + ref.series_uid + "/" + ref.sop_instance_uid + ".dcm",
                         ref.size);
  }
  auto shared = std::make_shared<std::pair<std::vector<archive::InstanceRef>,
                                           std::vector<std::pair<std::string, std::uint64_t>>>>(
      std::move(refs), std::move(entries));
  http::Response response;
  response.headers.set("Content-Type", "application/zip");
  response.headers.set("Content-Disposition", "attachment; filename=\"" + filename + "\"");
  response.body = http::StreamBody([shared](http::BodyWriter& writer) -> http::Awaitable<Status> {
    ZipWriter zip;
    const auto& [refs, entries] = *shared;
    for (std::size_t i = 0; i < refs.size(); ++i) {
      const auto header = zip.BeginEntry(entries[i].first, entries[i].second);
      if (auto status = co_await writer.Write(header); !status) co_return status;
      auto streamed = co_await StreamFile(writer, refs[i].path, 0, refs[i].size,
                                          [&zip](std::string_view piece) { zip.Update(piece); });
      if (!streamed) co_return streamed;
      const auto descriptor = zip.EndEntry();
      if (auto status = co_await writer.Write(descriptor); !status) co_return status;
    }
    const auto tail = zip.Finish();
    co_return co_await writer.Write(tail);
  });
  return response;
}

// How each instance is sent: the syntax chosen for it among those the request
// accepts. Errors: kNotAcceptable naming an instance that no accepted syntax fits.
Result<std::vector<Planned>> PlanRetrieval(std::vector<archive::InstanceRef> refs,
                                           const SyntaxChoice& choice) {
  std::vector<Planned> plan;
  plan.reserve(refs.size());
  const bool stored_acceptable = choice.defaulted || choice.any;
  for (auto& ref : refs) {
    auto syntax = choice.Choose(ref.transfer_syntax_uid, CanTranscode);
    if (!syntax) {
      return Fail(ErrorCode::kNotAcceptable,
                  "instance " + ref.sop_instance_uid + " is stored as " + ref.transfer_syntax_uid +
                      " and cannot be converted to a transfer syntax the request accepts");
    }
    plan.push_back(Planned{std::move(ref), std::move(*syntax), stored_acceptable, {}});
  }
  return plan;
}

// One instance as the whole body (Accept: application/dicom): the file as
// stored, or converted on the pool, or as stored after all where that will do.
http::Awaitable<http::Response> SingleInstanceResponse(http::BlockingPool& pool,
                                                       const Planned& one) {
  http::Response response;
  response.headers.set("Content-Type", DicomPartType(one.syntax));
  if (one.as_stored()) {
    response.body = http::Segments{http::FileRange{one.ref.path, 0, one.ref.size}};
    co_return response;
  }
  auto bytes = co_await pool.Run([&] { return dicom::TranscodePart10(one.ref.path, one.syntax); });
  if (!bytes && one.stored_acceptable) {
    response.headers.set("Content-Type", DicomPartType(one.ref.transfer_syntax_uid));
    response.body = http::Segments{http::FileRange{one.ref.path, 0, one.ref.size}};
    co_return response;
  }
  if (!bytes) co_return http::ErrorResponse(NotConvertible(one, bytes.error()));
  response.body = std::move(*bytes);
  co_return response;
}

// Every instance as stored: a multipart of file ranges, sent with sendfile.
http::Response StoredMultipart(const std::vector<Planned>& plan, const std::string& root) {
  MultipartBody body("application/dicom");
  http::Response response;
  response.headers.set("Content-Type", body.ContentType());
  for (const auto& planned : plan) {
    body.AddPart(DicomPartType(planned.syntax),
                 http::FileRange{planned.ref.path, 0, planned.ref.size},
                 InstanceUrl(root, planned.ref.study_uid, planned.ref.series_uid,
                             planned.ref.sop_instance_uid));
  }
  response.body = body.TakeSegments();
  return response;
}

// Some instances need transcoding: stream, converting one at a time on the pool.
// What a header read rules out is settled before the response begins — sent as
// stored where the client accepts that, else a 406 — and so is the first
// conversion, so that a series the codec refuses gets a 406 rather than a 200
// cut short.
http::Awaitable<http::Response> TranscodingMultipart(http::BlockingPool& pool,
                                                     std::vector<Planned> plan, std::string root) {
  auto settled = co_await pool.Run([&]() -> Status {
    for (auto& planned : plan) {
      if (planned.as_stored()) continue;
      auto checked = dicom::CheckTranscodable(planned.ref.path, planned.syntax);
      if (checked) continue;
      if (!planned.stored_acceptable) return NotConvertible(planned, checked.error());
      planned.syntax = planned.ref.transfer_syntax_uid;
    }
    return Ok();
  });
  if (!settled) co_return http::ErrorResponse(settled.error());
  for (auto& planned : plan) {
    if (planned.as_stored()) continue;
    auto bytes =
        co_await pool.Run([&] { return dicom::TranscodePart10(planned.ref.path, planned.syntax); });
    if (bytes) {
      planned.converted = std::move(*bytes);
    } else if (!planned.stored_acceptable) {
      co_return http::ErrorResponse(NotConvertible(planned, bytes.error()));
    } else {
      planned.syntax = planned.ref.transfer_syntax_uid;  // as stored: not converted twice
    }
    break;
  }
  auto body = std::make_shared<MultipartBody>("application/dicom");
  http::Response response;
  response.headers.set("Content-Type", body->ContentType());
  auto shared_plan = std::make_shared<std::vector<Planned>>(std::move(plan));
  response.body = http::StreamBody(
      [body, shared_plan, root, &pool](http::BodyWriter& writer) -> http::Awaitable<Status> {
        for (auto& planned : *shared_plan) {
          const auto location = InstanceUrl(root, planned.ref.study_uid, planned.ref.series_uid,
                                            planned.ref.sop_instance_uid);
          Result<std::string> bytes = std::string();
          if (planned.converted) {
            bytes = std::move(*planned.converted);
          } else if (!planned.as_stored()) {
            bytes = co_await pool.Run(
                [&] { return dicom::TranscodePart10(planned.ref.path, planned.syntax); });
            // Too late for an error status: unless the stored form will do, the
            // failure ends the body early, which the client sees as a truncated multipart.
            if (!bytes && !planned.stored_acceptable) co_return bytes.error();
          }
          if (planned.as_stored() || !bytes) {
            const auto header =
                body->PartHeader(DicomPartType(planned.ref.transfer_syntax_uid), location);
            if (auto s = co_await writer.Write(header); !s) co_return s;
            if (auto s = co_await StreamFile(writer, planned.ref.path, 0, planned.ref.size); !s) {
              co_return s;
            }
          } else {
            const auto header = body->PartHeader(DicomPartType(planned.syntax), location);
            if (auto s = co_await writer.Write(header); !s) co_return s;
            if (auto s = co_await writer.Write(*bytes); !s) co_return s;
          }
          if (auto s = co_await writer.Write(std::string_view("\r\n")); !s) co_return s;
        }
        const auto closing = body->Closing();
        co_return co_await writer.Write(closing);
      });
  co_return response;
}

}  // namespace

http::Awaitable<http::Response> WadoHandler::RetrieveInstances(http::Request& request) {
  auto uids = ReadPathUids(request);
  if (!uids) co_return http::ErrorResponse(uids.error());
  const bool single = !uids->instance.empty();
  auto representation = NegotiateInstances(request, single);
  if (!representation) co_return http::ErrorResponse(representation.error());

  auto refs =
      co_await context_.pool.Run([&] { return context_.archive.Instances(ScopeOf(*uids)); });
  if (!refs) co_return http::ErrorResponse(refs.error());
  if (representation->kind == InstancesRepresentation::Kind::kZip) {
    co_return ZipResponse(std::move(*refs), uids->study + ".zip");
  }

  auto plan = PlanRetrieval(std::move(*refs), representation->syntax);
  if (!plan) co_return http::ErrorResponse(plan.error());
  if (representation->kind == InstancesRepresentation::Kind::kSingleDicom) {
    co_return co_await SingleInstanceResponse(context_.pool, plan->front());
  }
  std::string root = DicomwebRoot(context_.options, request);
  const bool all_as_stored = std::all_of(
      plan->begin(), plan->end(), [](const Planned& planned) { return planned.as_stored(); });
  // The common case: files go out as stored, with a Content-Length and no copies.
  if (all_as_stored) co_return StoredMultipart(*plan, root);
  co_return co_await TranscodingMultipart(context_.pool, std::move(*plan), std::move(root));
}

http::Awaitable<http::Response> WadoHandler::RetrieveMetadata(http::Request& request) {
  if (!AcceptsDicomJson(request)) {
    co_return http::Response::Error(http::HttpStatus::not_acceptable,
                                    "metadata is available as application/dicom+json");
  }
  auto uids = ReadPathUids(request);
  if (!uids) co_return http::ErrorResponse(uids.error());
  auto document =
      co_await context_.pool.Run([&] { return context_.archive.Metadata(ScopeOf(*uids)); });
  if (!document) co_return http::ErrorResponse(document.error());

  const auto if_none_match = request.header("If-None-Match");
  if (!if_none_match.empty() && http::EtagListMatches(if_none_match, document->etag)) {
    auto not_modified = http::Response::Empty(http::HttpStatus::not_modified);
    not_modified.headers.set("ETag", document->etag);
    co_return not_modified;
  }
  // Stored BulkDataURIs read "<marker>studies/.../bulkdata/<tag path>".
  const std::string root = DicomwebRoot(context_.options, request) + "/";
  auto response = http::Response::Json(
      http::HttpStatus::ok, ReplaceAll(document->json, archive::Archive::kBulkDataMarker, root),
      "application/dicom+json");
  response.headers.set("ETag", document->etag);
  // Revalidated with the ETag, never kept by a shared cache (it holds patient data).
  response.headers.set("Cache-Control", "private, no-cache");
  co_return response;
}

http::Awaitable<http::Response> WadoHandler::RetrieveBulkData(http::Request& request) {
  auto uids = ReadPathUids(request);
  if (!uids) co_return http::ErrorResponse(uids.error());
  const auto representation = NegotiateBulkData(request);
  if (!representation) co_return http::ErrorResponse(representation.error());
  const std::string tag_path(request.param("path"));
  auto refs =
      co_await context_.pool.Run([&] { return context_.archive.Instances(ScopeOf(*uids)); });
  if (!refs) co_return http::ErrorResponse(refs.error());
  const auto& ref = refs->front();
  auto bytes = co_await context_.pool.Run([&] { return dicom::ReadBulkData(ref.path, tag_path); });
  // Encapsulated Pixel Data has no single value to send (dicom/frames.h): its bulk
  // data is all of its frames, compressed one part each or decompressed as one value.
  if (!bytes && bytes.error().code == ErrorCode::kUnsupported && tag_path == kPixelDataPath &&
      ref.number_of_frames > 0) {
    std::vector<std::uint32_t> all_frames(ref.number_of_frames);
    std::iota(all_frames.begin(), all_frames.end(), 1u);
    co_return co_await FramesResponse(request, ref, all_frames, /*whole_value=*/true);
  }
  if (!bytes) co_return http::ErrorResponse(bytes.error());

  const bool multipart = representation->multipart;
  // ReadBulkData answers little endian whatever the stored byte order.
  const auto part_type = "application/octet-stream; transfer-syntax=" +
                         std::string(dicom::transfer_syntax::kExplicitVrLittleEndian);
  if (!multipart) {
    co_return http::Response::WithBody(http::HttpStatus::ok, std::move(*bytes),
                                       "application/octet-stream");
  }
  MultipartBody body("application/octet-stream");
  body.AddPart(part_type, std::move(*bytes));
  co_return body.TakeResponse();
}

http::Awaitable<http::Response> WadoHandler::RetrieveFrames(http::Request& request) {
  auto uids = ReadPathUids(request);
  if (!uids) co_return http::ErrorResponse(uids.error());
  auto frame_numbers = ParseFrameList(request.param("frames"));
  if (!frame_numbers) co_return http::ErrorResponse(frame_numbers.error());

  auto refs =
      co_await context_.pool.Run([&] { return context_.archive.Instances(ScopeOf(*uids)); });
  if (!refs) co_return http::ErrorResponse(refs.error());
  const auto& ref = refs->front();
  if (ref.number_of_frames == 0) {
    co_return http::Response::Error(http::HttpStatus::bad_request,
                                    "instance " + ref.sop_instance_uid + " has no pixel data");
  }
  co_return co_await FramesResponse(request, ref, *frame_numbers, /*whole_value=*/false);
}

http::Awaitable<http::Response> WadoHandler::FramesResponse(
    http::Request& request, const archive::InstanceRef& ref,
    const std::vector<std::uint32_t>& frame_numbers, bool whole_value) {
  auto representation = NegotiateFrames(request, ref.transfer_syntax_uid);
  if (!representation) co_return http::ErrorResponse(representation.error());

  bool as_stored = representation->as_stored;
  // No decoder: the stored bitstream beats a 406 for a client without preference.
  if (representation->defaulted && IsEncapsulated(ref.transfer_syntax_uid) &&
      !dicom::CanTranscode(ref.transfer_syntax_uid,
                           dicom::transfer_syntax::kExplicitVrLittleEndian)) {
    as_stored = true;
  }
  const auto encoding =
      as_stored ? dicom::FrameEncoding::kAsStored : dicom::FrameEncoding::kUncompressed;
  auto frames = co_await context_.pool.Run(
      [&] { return dicom::ReadFrames(ref.path, frame_numbers, encoding); });
  if (!frames) co_return http::ErrorResponse(frames.error());

  const std::string root = DicomwebRoot(context_.options, request);
  const auto instance_url = InstanceUrl(root, ref.study_uid, ref.series_uid, ref.sop_instance_uid);
  if (whole_value && !as_stored) {
    // Native frames of a value are the value itself, end to end.
    std::size_t size = 0;
    for (const auto& frame : *frames) size += frame.bytes.size();
    std::string value;
    value.reserve(size);
    for (const auto& frame : *frames) value += frame.bytes;
    frames->resize(1);
    frames->front().bytes = std::move(value);
  }

  const auto part_content_type = [](const dicom::Frame& frame) {
    return std::string(MediaTypeOfSyntax(frame.transfer_syntax_uid)) +
           "; transfer-syntax=" + frame.transfer_syntax_uid;
  };
  if (!representation->multipart) {
    if (frames->size() != 1) {
      co_return http::Response::Error(http::HttpStatus::not_acceptable,
                                      "several frames need a multipart/related Accept");
    }
    auto& frame = frames->front();
    const auto content_type = part_content_type(frame);
    co_return http::Response::WithBody(http::HttpStatus::ok, std::move(frame.bytes), content_type);
  }
  const std::string_view part_type = MediaTypeOfSyntax(frames->front().transfer_syntax_uid);
  MultipartBody body(part_type);
  for (std::size_t i = 0; i < frames->size(); ++i) {
    auto& frame = (*frames)[i];
    const auto content_type = part_content_type(frame);
    const auto location = frames->size() == frame_numbers.size()
                              ? instance_url + "/frames/" + std::to_string(frame_numbers[i])
                              : instance_url + "/bulkdata/" + std::string(kPixelDataPath);
    body.AddPart(content_type, std::move(frame.bytes), location);
  }
  co_return body.TakeResponse();
}

http::Awaitable<http::Response> WadoHandler::RetrieveStudyArchive(http::Request& request) {
  auto uids = ReadPathUids(request);
  if (!uids) co_return http::ErrorResponse(uids.error());
  auto refs =
      co_await context_.pool.Run([&] { return context_.archive.Instances(ScopeOf(*uids)); });
  if (!refs) co_return http::ErrorResponse(refs.error());
  co_return ZipResponse(std::move(*refs), uids->study + ".zip");
}

}  // namespace tessera::dicomweb
