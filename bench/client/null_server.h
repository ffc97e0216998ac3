#pragma once

#include <cstdint>
#include <string>

namespace tessera::bench {

// A trivial HTTP/1.1 keep-alive server for measuring the client and the loopback
// path alone: GET /bytes/<n> answers n bytes, sent with sendfile(2) from
// `source_path` cycled (empty: a memory file), the cheapest a server that sends
// stored files can be; any other request has its body read and discarded and gets
// a 2-byte JSON answer. Listens on 127.0.0.1:`port` until killed. Throws on bind or
// source-file errors.
void RunNullServer(std::uint16_t port, unsigned threads, const std::string& source_path);

}  // namespace tessera::bench
