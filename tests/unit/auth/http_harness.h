#pragma once

#include <algorithm>
#include <cstring>
#include <exception>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/io_context.hpp>
#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "auth/crypto_util.h"
#include "http/guard.h"
#include "http/request.h"
#include "http/response.h"
#include "http/router.h"

namespace tessera::auth::testing {

// A request body held in memory, handed out in small reads so handlers cannot
// rely on getting it in one piece.
class StringBody final : public http::BodyReader {
 public:
  explicit StringBody(std::string data) : data_(std::move(data)) {}
  http::Awaitable<Result<std::size_t>> Read(std::span<char> buffer) override {
    const std::size_t n = std::min({buffer.size(), data_.size() - offset_, std::size_t{7}});
    std::memcpy(buffer.data(), data_.data() + offset_, n);
    offset_ += n;
    co_return n;
  }
  std::optional<std::uint64_t> content_length() const override { return data_.size(); }

 private:
  std::string data_;
  std::size_t offset_ = 0;
};

struct Call {
  http::Verb method = http::Verb::get;
  std::string target;
  std::vector<std::pair<std::string, std::string>> headers;
  std::string body;
  std::string remote_address = "192.0.2.10";
};

inline Call Get(std::string target, std::vector<std::pair<std::string, std::string>> headers = {}) {
  return Call{http::Verb::get, std::move(target), std::move(headers), "", "192.0.2.10"};
}

inline Call PostJson(std::string target, const nlohmann::json& body,
                     std::vector<std::pair<std::string, std::string>> headers = {}) {
  headers.emplace_back("Content-Type", "application/json");
  return Call{http::Verb::post, std::move(target), std::move(headers), body.dump(), "192.0.2.10"};
}

inline Call Post(std::string target,
                 std::vector<std::pair<std::string, std::string>> headers = {}) {
  return Call{http::Verb::post, std::move(target), std::move(headers), "", "192.0.2.10"};
}

inline std::pair<std::string, std::string> Bearer(const std::string& token) {
  return {"Authorization", "Bearer " + token};
}

// Runs a call the way the server does: parse the target, route, ask the guard,
// run the handler coroutine on an io_context until it answers.
inline http::Response Invoke(const http::Router& router, http::Guard& guard, const Call& call) {
  StringBody body(call.body);
  http::Fields fields;
  fields.set(http::beast::http::field::host, "pacs.example:8443");
  for (const auto& [name, value] : call.headers) fields.set(name, value);
  http::Request request(call.method, std::string(http::beast::http::to_string(call.method)),
                        call.target, fields, call.remote_address, /*secure=*/true, body);
  if (!request.ParseTarget()) return http::Response::Error(http::HttpStatus::bad_request, "target");
  auto match = router.Find(call.method, request.path());
  if (match.route == nullptr) return http::Response::Error(http::HttpStatus::not_found, "no route");
  request.set_params(std::move(match.params));
  if (auto refusal = guard.Check(request, match.route->access)) return std::move(*refusal);

  boost::asio::io_context io;
  auto work = boost::asio::make_work_guard(io);
  std::optional<http::Response> response;
  std::exception_ptr failure;
  boost::asio::co_spawn(io, match.route->handler(request),
                        [&](std::exception_ptr e, http::Response r) {
                          failure = e;
                          if (!e) response = std::move(r);
                          work.reset();
                        });
  io.run();
  if (failure) std::rethrow_exception(failure);
  return std::move(*response);
}

inline const std::string& Body(const http::Response& response) {
  return std::get<std::string>(response.body);
}

inline nlohmann::json JsonBody(const http::Response& response) {
  return nlohmann::json::parse(Body(response), nullptr, false);
}

inline std::string Message(const http::Response& response) {
  const auto json = JsonBody(response);
  return json.is_object() && json.contains("message") ? json["message"].get<std::string>() : "";
}

inline std::string Header(const http::Response& response, std::string_view name) {
  return std::string(response.headers[name]);
}

// The payload of a JWT, unverified (for looking at claims in tests).
inline nlohmann::json Payload(const std::string& token) {
  const auto first = token.find('.');
  const auto second = token.find('.', first + 1);
  return nlohmann::json::parse(
      Base64UrlDecode(token.substr(first + 1, second - first - 1)).value());
}

}  // namespace tessera::auth::testing
