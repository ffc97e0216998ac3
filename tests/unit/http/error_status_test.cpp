#include "http/error_status.h"

#include <gtest/gtest.h>

namespace tessera::http {
namespace {

TEST(ErrorStatusTest, MapsErrorCodesToStatuses) {
  EXPECT_EQ(ToHttpStatus(ErrorCode::kInvalidArgument), HttpStatus::bad_request);
  EXPECT_EQ(ToHttpStatus(ErrorCode::kNotFound), HttpStatus::not_found);
  EXPECT_EQ(ToHttpStatus(ErrorCode::kAlreadyExists), HttpStatus::conflict);
  EXPECT_EQ(ToHttpStatus(ErrorCode::kUnauthenticated), HttpStatus::unauthorized);
  EXPECT_EQ(ToHttpStatus(ErrorCode::kPermissionDenied), HttpStatus::forbidden);
  EXPECT_EQ(ToHttpStatus(ErrorCode::kTooLarge), HttpStatus::payload_too_large);
  EXPECT_EQ(ToHttpStatus(ErrorCode::kUnsupported), HttpStatus::unsupported_media_type);
  EXPECT_EQ(ToHttpStatus(ErrorCode::kNotAcceptable), HttpStatus::not_acceptable);
  EXPECT_EQ(ToHttpStatus(ErrorCode::kRateLimited), HttpStatus::too_many_requests);
  EXPECT_EQ(ToHttpStatus(ErrorCode::kUnavailable), HttpStatus::service_unavailable);
  EXPECT_EQ(ToHttpStatus(ErrorCode::kIo), HttpStatus::internal_server_error);
  EXPECT_EQ(ToHttpStatus(ErrorCode::kStorageFull), HttpStatus::insufficient_storage);
}

TEST(ErrorStatusTest, ErrorResponseIsJsonMessage) {
  const Response response = ErrorResponse(Error{ErrorCode::kNotFound, "No \"such\" study"});
  EXPECT_EQ(response.status, HttpStatus::not_found);
  EXPECT_EQ(response.headers["Content-Type"], "application/json");
  EXPECT_EQ(std::get<std::string>(response.body), R"({"message": "No \"such\" study"})");
}

TEST(ErrorStatusTest, ErrorMessagesStayValidJsonAndUtf8) {
  const Response response = Response::Error(HttpStatus::bad_request, "unknown key \xFF\x01=1");
  EXPECT_EQ(std::get<std::string>(response.body),
            "{\"message\": \"unknown key \xEF\xBF\xBD\\u0001=1\"}");
}

TEST(ErrorStatusTest, StorageErrorsDoNotNameServerPaths) {
  const Response response =
      ErrorResponse(Error{ErrorCode::kIo, "create /srv/pacs/incoming/4e15.part: Too many open files"});
  EXPECT_EQ(response.status, HttpStatus::internal_server_error);
  const auto& body = std::get<std::string>(response.body);
  EXPECT_EQ(body.find("/srv/pacs"), std::string::npos) << body;
  EXPECT_NE(body.find("storage"), std::string::npos) << body;
  EXPECT_EQ(PublicMessage(Error{ErrorCode::kInvalidArgument, "bad date"}), "bad date");

  const Response full = ErrorResponse(
      Error{ErrorCode::kStorageFull, "write /srv/pacs/incoming/7a.part: No space left on device"});
  EXPECT_EQ(full.status, HttpStatus::insufficient_storage);
  const auto& full_body = std::get<std::string>(full.body);
  EXPECT_EQ(full_body.find("/srv/pacs"), std::string::npos) << full_body;
  EXPECT_NE(full_body.find("storage is full"), std::string::npos) << full_body;
}

}  // namespace
}  // namespace tessera::http
