// A preloaded library (LD_PRELOAD) that makes the server's own calls that make
// data durable or change names fail with a chosen errno, as a failing disk
// would: fsync, fdatasync, syncfs, sync_file_range, rename, link and unlink.
// Only for tests (test_io_faults.py), which switch faults on and off while the
// server runs.
//
// The environment variable TESSERA_IO_FAULTS names a control file, read again at
// every intercepted call. Each of its lines is "<call> <path fragment> <errno>":
// that call fails with that errno when the path it acts on (a descriptor's path
// through /proc/self/fd; a rename's or link's source or target) contains the
// fragment; a fragment ending in '$' must end the path. An empty or missing file
// injects nothing, and every other call goes straight to the C library.
//
// Limits: calls the C library makes internally cannot be intercepted, so
// std::filesystem::remove (remove(3)) and remove_all (unlinkat) never fail here,
// nor do renameat, linkat and unlinkat, which the archive does not use. SQLite
// makes its files durable with fdatasync only.

#include <cerrno>
#include <cstdlib>
#include <fstream>
#include <sstream>
#include <string>
#include <string_view>

#include <dlfcn.h>
#include <fcntl.h>
#include <unistd.h>

namespace {

bool Matches(std::string_view path, std::string_view fragment) {
  if (!fragment.empty() && fragment.back() == '$') {
    fragment.remove_suffix(1);
    return path.ends_with(fragment);
  }
  return path.find(fragment) != std::string_view::npos;
}

// The errno that `call` on `path` (or `other`) must fail with, or 0. Leaves
// errno as it found it: a call that goes through must not see ours.
int InjectedError(std::string_view call, std::string_view path, std::string_view other = {}) {
  // Read once: the server may setenv() while other threads make these calls.
  static const char* const control = std::getenv("TESSERA_IO_FAULTS");
  if (control == nullptr) return 0;
  const int saved_errno = errno;
  int injected = 0;
  try {
    std::ifstream file(control);
    std::string line;
    while (injected == 0 && std::getline(file, line)) {
      std::istringstream fields(line);
      std::string name, fragment;
      int error = 0;
      if (!(fields >> name >> fragment >> error) || name != call) continue;
      if (Matches(path, fragment) || (!other.empty() && Matches(other, fragment))) {
        injected = error;
      }
    }
  } catch (...) {
    injected = 0;  // the callers are C code: nothing may escape into them
  }
  errno = saved_errno;
  return injected;
}

// "" when unknown. Leaves errno as it found it.
std::string PathOf(int fd) {
  const int saved_errno = errno;
  char buffer[4096];
  const std::string link = "/proc/self/fd/" + std::to_string(fd);
  const ssize_t length = ::readlink(link.c_str(), buffer, sizeof(buffer));
  errno = saved_errno;
  return length > 0 ? std::string(buffer, static_cast<std::size_t>(length)) : std::string();
}

template <class Fn>
Fn Next(const char* name) {
  return reinterpret_cast<Fn>(::dlsym(RTLD_NEXT, name));
}

int Refuse(int error) {
  errno = error;
  return -1;
}

}  // namespace

extern "C" {

int fsync(int fd) {
  if (const int error = InjectedError("fsync", PathOf(fd))) return Refuse(error);
  static const auto next = Next<int (*)(int)>("fsync");
  return next(fd);
}

int fdatasync(int fd) {
  if (const int error = InjectedError("fdatasync", PathOf(fd))) return Refuse(error);
  static const auto next = Next<int (*)(int)>("fdatasync");
  return next(fd);
}

int syncfs(int fd) {
  if (const int error = InjectedError("syncfs", PathOf(fd))) return Refuse(error);
  static const auto next = Next<int (*)(int)>("syncfs");
  return next(fd);
}

int sync_file_range(int fd, off64_t offset, off64_t bytes, unsigned int flags) {
  if (const int error = InjectedError("sync_file_range", PathOf(fd))) return Refuse(error);
  static const auto next = Next<int (*)(int, off64_t, off64_t, unsigned int)>("sync_file_range");
  return next(fd, offset, bytes, flags);
}

int rename(const char* from, const char* to) {
  if (const int error = InjectedError("rename", from, to)) return Refuse(error);
  static const auto next = Next<int (*)(const char*, const char*)>("rename");
  return next(from, to);
}

int unlink(const char* path) {
  if (const int error = InjectedError("unlink", path)) return Refuse(error);
  static const auto next = Next<int (*)(const char*)>("unlink");
  return next(path);
}

int link(const char* from, const char* to) {
  if (const int error = InjectedError("link", from, to)) return Refuse(error);
  static const auto next = Next<int (*)(const char*, const char*)>("link");
  return next(from, to);
}

}  // extern "C"
