#include "auth/admin_commands.h"

#include <algorithm>
#include <cstdio>

#include "auth/auth_database.h"
#include "auth/auth_files.h"
#include "auth/auth_service.h"
#include "auth/password_policy.h"
#include "auth/setup.h"
#include "base/strings.h"

namespace tessera::auth {
namespace {

// The users of an initialised folder; the database handle lives as long as it.
struct OpenedUsers {
  std::unique_ptr<db::Database> db;
  std::unique_ptr<UserStore> users;
};

Result<OpenedUsers> OpenUsers(const std::filesystem::path& auth_dir, const Clock& clock) {
  if (!IsInitialized(auth_dir)) {
    return Fail(ErrorCode::kNotFound, auth_dir.string() + " is not initialised (run tessera init)");
  }
  auto db = OpenAuthDatabase(AuthFiles(auth_dir).database());
  if (!db) return std::move(db).error();
  auto users = UserStore::Open(**db, clock);
  if (!users) return std::move(users).error();
  return OpenedUsers{std::move(*db), std::move(*users)};
}

std::string DateTime(std::optional<std::chrono::sys_seconds> t) {
  if (!t) return "-";
  const auto day = std::chrono::floor<std::chrono::days>(*t);
  const std::chrono::year_month_day date(day);
  const std::chrono::hh_mm_ss time(*t - day);
  char text[32];
  std::snprintf(text, sizeof(text), "%04d-%02u-%02u %02d:%02d", static_cast<int>(date.year()),
                static_cast<unsigned>(date.month()), static_cast<unsigned>(date.day()),
                static_cast<int>(time.hours().count()), static_cast<int>(time.minutes().count()));
  return text;
}

// Terminal columns of one code point: 0 for combining marks, 2 for the wide
// East Asian ranges and emoji, 1 otherwise (Markus Kuhn's wcwidth, in short;
// wcwidth itself would depend on the process's locale).
std::size_t CodePointColumns(long c) {
  if ((c >= 0x0300 && c <= 0x036F) || (c >= 0x1AB0 && c <= 0x1AFF) ||
      (c >= 0x1DC0 && c <= 0x1DFF) || (c >= 0x20D0 && c <= 0x20FF) ||
      (c >= 0xFE20 && c <= 0xFE2F)) {
    return 0;
  }
  const bool wide = (c >= 0x1100 && c <= 0x115F) || (c >= 0x2E80 && c <= 0x303E) ||
                    (c >= 0x3041 && c <= 0x33FF) || (c >= 0x3400 && c <= 0x4DBF) ||
                    (c >= 0x4E00 && c <= 0x9FFF) || (c >= 0xA000 && c <= 0xA4CF) ||
                    (c >= 0xAC00 && c <= 0xD7A3) || (c >= 0xF900 && c <= 0xFAFF) ||
                    (c >= 0xFE30 && c <= 0xFE4F) || (c >= 0xFF00 && c <= 0xFF60) ||
                    (c >= 0xFFE0 && c <= 0xFFE6) || (c >= 0x1F300 && c <= 0x1F64F) ||
                    (c >= 0x1F900 && c <= 0x1F9FF) || (c >= 0x20000 && c <= 0x3FFFD);
  return wide ? 2 : 1;
}

// Terminal columns of UTF-8 text, so that the table's columns line up.
std::size_t Columns(std::string_view text) {
  std::size_t columns = 0;
  for (std::size_t i = 0; i < text.size();) {
    const long c = DecodeUtf8(text, i);
    if (c < 0) {  // not UTF-8 (names are checked when made): a byte a column
      ++i;
      ++columns;
      continue;
    }
    columns += CodePointColumns(c);
  }
  return columns;
}

}  // namespace

Result<User> AddUser(const std::filesystem::path& auth_dir, const AddUserOptions& options,
                     const Argon2Params& argon2) {
  if (!CheckUsername(options.username)) {
    // The HTTP API keeps zhiva's bare "username not valid"; a person at a
    // terminal is told the rule.
    return Fail(ErrorCode::kInvalidArgument,
                "username not valid: 1 to " + std::to_string(kMaxUsernameBytes) +
                    " bytes of UTF-8 without spaces, control or invisible characters");
  }
  const std::string name = options.name.empty() ? options.username : options.name;
  if (auto status = CheckDisplayName(name); !status) return std::move(status).error();
  std::optional<std::string> hash;
  if (options.password) {
    if (auto status = CheckPasswordPolicy(*options.password); !status) {
      return std::move(status).error();
    }
    auto hashed = PasswordHasher(argon2).Hash(*options.password);
    if (!hashed) return std::move(hashed).error();
    hash = std::move(*hashed);
  }
  const SystemClock clock;
  auto opened = OpenUsers(auth_dir, clock);
  if (!opened) return std::move(opened).error();
  return opened->users->Create(UserChange{options.username, name, options.can_edit, hash});
}

Result<std::vector<User>> ListUsers(const std::filesystem::path& auth_dir) {
  const SystemClock clock;
  auto opened = OpenUsers(auth_dir, clock);
  if (!opened) return std::move(opened).error();
  return opened->users->List();
}

std::string FormatUserTable(const std::vector<User>& users) {
  const std::vector<std::string> headings = {"USERNAME", "NAME",       "CAN-EDIT",
                                             "PASSWORD", "LAST-LOGIN", "CREATED"};
  std::vector<std::vector<std::string>> rows = {headings};
  for (const auto& user : users) {
    rows.push_back({user.username, user.name, user.can_edit ? "yes" : "no",
                    user.password_hash ? "set" : "none", DateTime(user.last_login),
                    DateTime(user.created_at)});
  }
  std::vector<std::size_t> widths(headings.size(), 0);
  for (const auto& row : rows) {
    for (std::size_t i = 0; i < row.size(); ++i) widths[i] = std::max(widths[i], Columns(row[i]));
  }
  std::string out;
  for (const auto& row : rows) {
    std::string line;
    for (std::size_t i = 0; i < row.size(); ++i) {
      line += row[i];
      if (i + 1 < row.size()) line.append(widths[i] - Columns(row[i]) + 2, ' ');
    }
    out += std::string(TrimRight(line, " ")) + "\n";
  }
  return out;
}

Status RemoveUser(const std::filesystem::path& auth_dir, const std::string& username) {
  const SystemClock clock;
  auto opened = OpenUsers(auth_dir, clock);
  if (!opened) return std::move(opened).error();
  return opened->users->Delete(username);
}

Status SetUserPermission(const std::filesystem::path& auth_dir, const std::string& username,
                         bool can_edit) {
  const SystemClock clock;
  auto opened = OpenUsers(auth_dir, clock);
  if (!opened) return std::move(opened).error();
  auto user = opened->users->SetPermission(username, can_edit);
  if (!user) return std::move(user).error();
  return Ok();
}

Status RevokeUserTokens(const std::filesystem::path& auth_dir, const std::string& username) {
  const SystemClock clock;
  auto opened = OpenUsers(auth_dir, clock);
  if (!opened) return std::move(opened).error();
  return opened->users->RevokeTokens(username);
}

Result<IssuedToken> IssueToken(const AuthOptions& options, const std::string& username,
                               const Clock& clock) {
  if (!IsInitialized(options.auth_dir)) {
    return Fail(ErrorCode::kNotFound,
                options.auth_dir.string() + " is not initialised (run tessera init)");
  }
  AuthOptions quiet = options;
  quiet.enabled = true;
  auto service = AuthService::Open(quiet, clock);
  if (!service) return std::move(service).error();
  const auto user = (*service)->users().Find(username);
  if (!user) return std::move(user).error();
  if (!*user) return Fail(ErrorCode::kNotFound, "no user " + username);
  std::string base =
      options.public_base_url.empty() ? "https://localhost" : options.public_base_url;
  while (base.ends_with('/')) base.pop_back();
  const TokenSubject subject{(*user)->username, (*user)->name, (*user)->can_edit, (*user)->version};
  auto token = (*service)->tokens().IssueOneOff(subject, std::nullopt, base);
  if (!token) return std::move(token).error();
  // A viewer's own login route is /auth/oauth (zhiva's); this server's is under
  // its auth path, which the configuration may have moved.
  std::string login = options.viewer_base_url;
  while (login.ends_with('/')) login.pop_back();
  login = login.empty() ? base + options.auth_prefix + "/oauth" : login + "/auth/oauth";
  return IssuedToken{*token, login + "?token=" + PercentEncode(*token)};
}

}  // namespace tessera::auth
