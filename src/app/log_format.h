#pragma once

#include <memory>
#include <string>
#include <string_view>

#include <spdlog/formatter.h>

namespace tessera::app {

// `message` with its control characters escaped ("\n", "\r", "\t", "\xNN") and
// Unicode's line breaks too ("\u0085", "\u2028", "\u2029"), so that it stays
// one log line whatever it quotes (DCMTK's multi-line condition texts, a
// peer's bytes) and cannot forge another line.
std::string OneLine(std::string_view message);

// spdlog's default formatter, writing each message OneLine.
std::unique_ptr<spdlog::formatter> OneLineFormatter();

}  // namespace tessera::app
