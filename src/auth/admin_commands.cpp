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

// Display width of UTF-8 text, one column per code point (good enough for names).
std::size_t Columns(std::string_view text) {
  return static_cast<std::size_t>(std::count_if(text.begin(), text.end(), [](char c) {
    return (static_cast<unsigned char>(c) & 0xC0) != 0x80;
  }));
}

}  // namespace

Result<User> AddUser(const std::filesystem::path& auth_dir, const AddUserOptions& options,
                     const Argon2Params& argon2) {
  if (auto status = CheckUsername(options.username); !status) return std::move(status).error();
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
  std::string viewer = options.viewer_base_url.empty() ? base : options.viewer_base_url;
  while (viewer.ends_with('/')) viewer.pop_back();
  return IssuedToken{*token, viewer + "/auth/oauth?token=" + PercentEncode(*token)};
}

}  // namespace tessera::auth
