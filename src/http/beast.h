#pragma once

// One place for the Boost includes every http/ header needs. GCC 12 with Boost
// 1.74 needs <utility> before <boost/asio/awaitable.hpp>.
#include <utility>

#include <boost/asio/awaitable.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/beast/http/fields.hpp>
#include <boost/beast/http/status.hpp>
#include <boost/beast/http/verb.hpp>

namespace tessera::http {

namespace net = boost::asio;
namespace beast = boost::beast;

using Verb = beast::http::verb;
using HttpStatus = beast::http::status;
using Fields = beast::http::fields;
template <class T>
using Awaitable = net::awaitable<T>;

}  // namespace tessera::http
