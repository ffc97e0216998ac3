// tessera-bench: the benchmark's HTTP load client and null server. Prints one JSON
// object per run on stdout; bench/bench.py drives it (see bench/README.md).
//
//   tessera-bench get  --url http://127.0.0.1:8042 --paths urls.txt -c 4 -n 1000 -H "Accept: ..."
//   tessera-bench post --url http://127.0.0.1:8042 --path /dicom-web/studies --files list.txt
//                      --per-request 50 -c 4
//   tessera-bench serve --port 9000
//   tessera-bench serve --port 9000 --sink /data/probe --sink-file-bytes 525000

#include <fstream>
#include <iostream>

#include <CLI/CLI.hpp>

#include "client/load_runner.h"
#include "client/null_server.h"
#include "client/stow_body.h"

namespace {

using tessera::bench::LoadOptions;

std::vector<std::string> ReadLines(const std::string& file) {
  std::ifstream in(file);
  if (!in) throw std::runtime_error("cannot read " + file);
  std::vector<std::string> lines;
  for (std::string line; std::getline(in, line);) {
    if (!line.empty()) lines.push_back(line);
  }
  return lines;
}

struct CommonArgs {
  std::string url;
  unsigned connections = 1;
  unsigned threads = 1;
  std::vector<std::string> headers;
};

void AddCommon(CLI::App& command, CommonArgs& args) {
  command.add_option("--url", args.url, "Server base, http://HOST:PORT or https://HOST:PORT")
      ->required();
  command.add_option("-c,--connections", args.connections, "Keep-alive connections")
      ->capture_default_str();
  command.add_option("--threads", args.threads, "Client event-loop threads")->capture_default_str();
  command.add_option("-H,--header", args.headers, "Extra request header, 'Name: value'");
}

LoadOptions ToOptions(const CommonArgs& args) {
  LoadOptions options;
  options.endpoint = tessera::bench::Endpoint::Parse(args.url);
  options.connections = std::max(1u, args.connections);
  options.threads = std::max(1u, args.threads);
  options.headers = args.headers;
  return options;
}

}  // namespace

int main(int argc, char** argv) {
  CLI::App app{"Tessera benchmark load client"};
  app.require_subcommand(1);

  CommonArgs get_args;
  std::string paths_file;
  std::vector<std::string> paths;
  std::uint64_t requests = 0;
  double seconds = 0;
  auto* get = app.add_subcommand("get", "GET paths over keep-alive connections, discard bodies");
  AddCommon(*get, get_args);
  get->add_option("--paths", paths_file, "File with one path per line (cycled)");
  get->add_option("--path", paths, "A path to GET (repeatable; cycled)");
  get->add_option("-n,--requests", requests, "Total requests (0: until --duration)");
  get->add_option("-d,--duration", seconds, "Stop after this many seconds");

  CommonArgs post_args;
  std::string post_path;
  std::string files_file;
  std::size_t per_request = 1;
  auto* post = app.add_subcommand("post",
                                  "STOW-RS: POST each group of files once as "
                                  "multipart/related, streamed from disk");
  AddCommon(*post, post_args);
  post->add_option("--path", post_path, "Target path, e.g. /dicom-web/studies")->required();
  post->add_option("--files", files_file, "File with one DICOM file path per line")->required();
  post->add_option("--per-request", per_request, "Instances per request")->capture_default_str();

  std::uint16_t serve_port = 0;
  unsigned serve_threads = 1;
  auto* serve = app.add_subcommand("serve", "Null HTTP server: GET /bytes/N, anything else []");
  serve->add_option("--port", serve_port, "Port on 127.0.0.1")->required();
  serve->add_option("--threads", serve_threads, "Threads")->capture_default_str();
  std::string serve_source;
  serve->add_option("--source", serve_source,
                    "File whose bytes /bytes/N sends (default: a memory file)");
  std::string sink_dir;
  std::uint64_t sink_file_bytes = 0;
  serve->add_option("--sink", sink_dir,
                    "Write request bodies into new files here, each fsynced before the answer");
  serve->add_option("--sink-file-bytes", sink_file_bytes,
                    "Split each body into files of at most this size (0: one file per body)");

  CLI11_PARSE(app, argc, argv);

  try {
    if (*get) {
      LoadOptions options = ToOptions(get_args);
      if (!paths_file.empty()) {
        const auto listed = ReadLines(paths_file);
        paths.insert(paths.end(), listed.begin(), listed.end());
      }
      options.requests = requests;
      if (seconds > 0) {
        options.duration = std::chrono::milliseconds(static_cast<std::int64_t>(seconds * 1000));
      }
      std::cout << tessera::bench::RunGets(options, paths).dump() << std::endl;
      return 0;
    }
    if (*post) {
      const LoadOptions options = ToOptions(post_args);
      const auto files = tessera::bench::LoadFileList(files_file);
      const auto bodies =
          tessera::bench::SplitIntoBodies(files, std::max<std::size_t>(1, per_request));
      std::cout << tessera::bench::RunPosts(options, post_path, bodies).dump() << std::endl;
      return 0;
    }
    tessera::bench::RunNullServer(serve_port, std::max(1u, serve_threads), serve_source, sink_dir,
                                  sink_file_bytes);
  } catch (const std::exception& e) {
    std::cerr << "tessera-bench: " << e.what() << "\n";
    return 1;
  }
  return 0;
}
