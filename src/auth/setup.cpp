#include "auth/setup.h"

#include <cerrno>
#include <system_error>

#include <fcntl.h>
#include <termios.h>
#include <unistd.h>

#include "auth/auth_database.h"
#include "auth/auth_files.h"
#include "auth/crypto_util.h"
#include "auth/password_policy.h"
#include "auth/signing_key.h"
#include "base/unique_fd.h"

namespace tessera::auth {
namespace {

constexpr mode_t kSecretMode = 0600;
constexpr mode_t kPublicMode = 0644;

Status CreatePrivateDirectory(const std::filesystem::path& dir) {
  std::error_code ec;
  std::filesystem::create_directories(dir, ec);
  if (ec) return Fail(ErrorCode::kIo, "create " + dir.string() + ": " + ec.message());
  std::filesystem::permissions(dir, std::filesystem::perms::owner_all,
                               std::filesystem::perm_options::replace, ec);
  if (ec) return Fail(ErrorCode::kIo, "chmod " + dir.string() + ": " + ec.message());
  return Ok();
}

// Also removes the file a generated first password was kept in: it no longer
// opens anything.
Status WriteAdminHash(const AuthFiles& files, std::string_view password,
                      const Argon2Params& argon2) {
  if (auto status = CheckPasswordPolicy(password); !status) return status;
  auto hash = PasswordHasher(argon2).Hash(password);
  if (!hash) return std::move(hash).error();
  if (auto status = WriteFileAtomically(files.admin_password(), *hash + "\n", kSecretMode);
      !status) {
    return status;
  }
  std::error_code ec;
  std::filesystem::remove(files.initial_admin_password(), ec);
  if (ec) {
    return Fail(ErrorCode::kIo, "the admin password is set, but " +
                                    files.initial_admin_password().string() +
                                    " (an earlier one) could not be removed: " + ec.message());
  }
  return Ok();
}

// Restores the terminal's echo however the read ends.
class EchoOff {
 public:
  explicit EchoOff(int fd) : fd_(fd) {
    if (::tcgetattr(fd_, &saved_) != 0) return;
    termios quiet = saved_;
    quiet.c_lflag &= ~static_cast<tcflag_t>(ECHO);
    quiet.c_lflag |= ECHONL;
    active_ = ::tcsetattr(fd_, TCSAFLUSH, &quiet) == 0;
  }
  ~EchoOff() {
    if (active_) ::tcsetattr(fd_, TCSAFLUSH, &saved_);
  }
  EchoOff(const EchoOff&) = delete;
  EchoOff& operator=(const EchoOff&) = delete;
  bool active() const { return active_; }

 private:
  int fd_;
  termios saved_{};
  bool active_ = false;
};

std::string_view FirstLine(std::string_view text) {
  text = text.substr(0, text.find('\n'));
  if (text.ends_with('\r')) text.remove_suffix(1);
  return text;
}

}  // namespace

bool IsInitialized(const std::filesystem::path& auth_dir) {
  const AuthFiles files(auth_dir);
  std::error_code ec;
  return std::filesystem::exists(files.signing_key(), ec) &&
         std::filesystem::exists(files.admin_password(), ec);
}

Status InitializeAuth(const std::filesystem::path& auth_dir, const InitOptions& options) {
  if (IsInitialized(auth_dir) && !options.force) {
    return Fail(ErrorCode::kAlreadyExists,
                auth_dir.string() + " is already initialised (use --force to replace it)");
  }
  if (auto status = CheckPasswordPolicy(options.admin_password); !status) return status;
  auto algorithm = ParseSigningAlgorithm(options.algorithm);
  if (!algorithm) return std::move(algorithm).error();
  if (auto status = CreatePrivateDirectory(auth_dir); !status) return status;

  const AuthFiles files(auth_dir);
  auto key = SigningKey::Generate(*algorithm);
  if (!key) return std::move(key).error();
  if (auto status = WriteFileAtomically(files.signing_key(), key->private_pem(), kSecretMode);
      !status) {
    return status;
  }
  if (auto status = WriteFileAtomically(files.key_id(), key->kid() + "\n", kPublicMode); !status) {
    return status;
  }
  if (auto status = WriteAdminHash(files, options.admin_password, options.argon2); !status) {
    return status;
  }
  auto db = OpenAuthDatabase(files.database());
  if (!db) return std::move(db).error();
  return Ok();
}

Status SetAdminPassword(const std::filesystem::path& auth_dir, std::string_view password,
                        const Argon2Params& argon2) {
  if (!IsInitialized(auth_dir)) {
    return Fail(ErrorCode::kNotFound, auth_dir.string() + " is not initialised (run tessera init)");
  }
  return WriteAdminHash(AuthFiles(auth_dir), password, argon2);
}

Result<std::filesystem::path> WriteInitialAdminPassword(const std::filesystem::path& auth_dir,
                                                        std::string_view password) {
  const auto file = AuthFiles(auth_dir).initial_admin_password();
  if (auto status = WriteFileAtomically(file, std::string(password) + "\n", 0600); !status) {
    return std::move(status).error();
  }
  return file;
}

std::string GeneratePassword() {
  // No 0/O/o, 1/l/I: read aloud or copied from paper without mistakes.
  static constexpr std::string_view kAlphabet =
      "ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnpqrstuvwxyz23456789";
  constexpr int kGroups = 4;
  constexpr int kGroupLength = 5;
  while (true) {
    auto random = RandomBytes(kGroups * kGroupLength * 2);
    if (!random) continue;  // RAND_bytes only fails when the system has no entropy source
    std::string password;
    std::size_t next = 0;
    for (int group = 0; group < kGroups; ++group) {
      if (group > 0) password.push_back('-');
      for (int i = 0; i < kGroupLength; ++i) {
        // Two bytes per character keep the modulo bias negligible (< 0.1%).
        const unsigned value = (static_cast<unsigned char>((*random)[next]) << 8) |
                               static_cast<unsigned char>((*random)[next + 1]);
        next += 2;
        password.push_back(kAlphabet[value % kAlphabet.size()]);
      }
    }
    if (CheckPasswordPolicy(password)) return password;
  }
}

Result<std::string> ReadPasswordFromTerminal(std::string_view prompt) {
  UniqueFd tty(::open("/dev/tty", O_RDWR | O_NOCTTY | O_CLOEXEC));
  if (!tty.valid()) return Fail(ErrorCode::kUnavailable, "no terminal to ask for a password");
  if (::write(tty.get(), prompt.data(), prompt.size()) < 0) {
    return Fail(ErrorCode::kIo, "cannot write to the terminal");
  }
  const EchoOff quiet(tty.get());
  if (!quiet.active()) return Fail(ErrorCode::kUnavailable, "cannot turn off terminal echo");
  std::string line;
  char c = 0;
  while (true) {
    const ssize_t n = ::read(tty.get(), &c, 1);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) return Fail(ErrorCode::kIo, "cannot read from the terminal");
    if (n == 0 || c == '\n') break;
    line.push_back(c);
  }
  return std::string(FirstLine(line));
}

Result<std::string> ReadPasswordFile(const std::filesystem::path& file) {
  auto contents = ReadSmallFile(file);
  if (!contents) return std::move(contents).error();
  const auto line = FirstLine(*contents);
  if (line.empty()) return Fail(ErrorCode::kInvalidArgument, file.string() + " holds no password");
  return std::string(line);
}

}  // namespace tessera::auth
