#include "auth/route_support.h"

#include <spdlog/spdlog.h>

#include "base/strings.h"
#include "http/error_status.h"

namespace tessera::auth {

static constexpr std::size_t kMaxJsonBody = 64 * 1024;

http::Awaitable<Result<nlohmann::json>> ReadJsonObject(http::Request& request) {
  const auto type = Trim(request.header("Content-Type"));
  const bool is_json = IStartsWith(type, "application/json") &&
                       (type.size() == 16 || type[16] == ';' || type[16] == ' ');
  if (!is_json) co_return nlohmann::json::object();
  auto body = co_await http::ReadAll(request.body(), kMaxJsonBody);
  if (!body) co_return std::move(body).error();
  auto json = nlohmann::json::parse(*body, nullptr, /*allow_exceptions=*/false);
  if (!json.is_object()) co_return Fail(ErrorCode::kInvalidArgument, std::string(kInvalidData));
  co_return json;
}

const std::string* NonEmptyString(const nlohmann::json& object, const char* name) {
  const auto it = object.find(name);
  if (it == object.end() || !it->is_string()) return nullptr;
  const auto* value = it->get_ptr<const std::string*>();
  return value->empty() ? nullptr : value;
}

bool Truthy(const nlohmann::json& object, const char* name) {
  const auto it = object.find(name);
  if (it == object.end()) return false;
  if (it->is_boolean()) return it->get<bool>();
  if (it->is_number()) return it->get<double>() != 0;
  if (it->is_string()) {
    const auto text = ToLowerAscii(Trim(it->get_ref<const std::string&>()));
    return !text.empty() && text != "false" && text != "0" && text != "off" && text != "no";
  }
  return it->is_object() || it->is_array();
}

http::Response NoStore(http::Response response) {
  response.headers.set(http::beast::http::field::cache_control, "no-store");
  return response;
}

http::Response Message(http::HttpStatus status, std::string_view message) {
  return NoStore(http::Response::Error(status, message));
}

http::Response JsonOk(const nlohmann::json& body) {
  return NoStore(http::Response::Json(
      http::HttpStatus::ok, body.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace)));
}

http::Response TooManyAttempts(std::chrono::seconds retry_after) {
  auto response =
      Message(http::HttpStatus::too_many_requests, "Too many failed attempts, try again later");
  response.headers.set(http::beast::http::field::retry_after, std::to_string(retry_after.count()));
  return response;
}

http::Response Unexpected(const Error& error) {
  // A full disk is the operator's to fix, and the caller may try again later:
  // a 507 saying so (ErrorResponse logs the cause) rather than a 500.
  if (error.code == ErrorCode::kStorageFull) return NoStore(http::ErrorResponse(error));
  spdlog::error("auth: {} ({})", error.message, ErrorCodeName(error.code));
  return Message(http::HttpStatus::internal_server_error, kUnexpectedError);
}

std::string BaseUrl(const AuthOptions& options, const http::Request& request) {
  std::string base = options.public_base_url.empty() ? request.Origin() : options.public_base_url;
  while (!base.empty() && base.back() == '/') base.pop_back();
  return base;
}

http::Awaitable<std::optional<http::Response>> CheckAdmin(const RouteContext& context,
                                                          const http::Request& request,
                                                          std::string password) {
  const auto& address = request.remote_address();
  const auto attempt = context.admin_throttle.Begin(address, "admin");
  if (attempt.refused_for) co_return TooManyAttempts(*attempt.refused_for);
  const bool valid = co_await context.pool.Run([&] { return context.admin.Verify(password); });
  if (!valid) {
    spdlog::warn("auth: wrong admin password from {}", address);
    co_return Message(http::HttpStatus::bad_request, kInvalidAdminPassword);
  }
  context.admin_throttle.Succeeded(address, "admin", attempt);
  co_return std::nullopt;
}

}  // namespace tessera::auth
