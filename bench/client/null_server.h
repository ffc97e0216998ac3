#pragma once

#include <cstdint>
#include <string>

namespace tessera::bench {

// A trivial HTTP/1.1 keep-alive server for measuring the client and the loopback
// path alone: GET /bytes/<n> answers n bytes, sent with sendfile(2) from
// `source_path` cycled (empty: a memory file), the cheapest a server that sends
// stored files can be; any other request has its body read and discarded and gets
// a 2-byte JSON answer. With `sink_dir`, bodies with a Content-Length are written
// there instead, in files of at most `sink_file_bytes` (0: one per body), each
// fsynced before the answer (a thread per connection): the least a server storing
// what it receives durably must do. Listens on 127.0.0.1:`port` until killed.
// Throws on bind, source-file or sink errors.
void RunNullServer(std::uint16_t port, unsigned threads, const std::string& source_path,
                   const std::string& sink_dir = {}, std::uint64_t sink_file_bytes = 0);

}  // namespace tessera::bench
