#include "auth/setup.h"

#include <fstream>
#include <set>

#include <gtest/gtest.h>
#include <sys/stat.h>

#include "auth/auth_files.h"
#include "auth/password_hasher.h"
#include "auth/password_policy.h"
#include "auth/signing_key.h"
#include "test_support.h"

namespace tessera::auth {
namespace {

using testing::kFastArgon2;

mode_t ModeOf(const std::filesystem::path& path) {
  struct stat info {};
  EXPECT_EQ(::stat(path.c_str(), &info), 0) << path;
  return info.st_mode & 0777;
}

class SetupTest : public ::testing::Test {
 protected:
  InitOptions Options(std::string password = "Admin-passw0rd") {
    InitOptions options;
    options.admin_password = std::move(password);
    options.argon2 = kFastArgon2;
    return options;
  }

  std::filesystem::path auth_dir() const { return dir_.path() / "data" / "auth"; }

  testing::TempDir dir_;
};

TEST_F(SetupTest, CreatesKeyKidAndAdminHashWithPrivateModes) {
  EXPECT_FALSE(IsInitialized(auth_dir()));
  ASSERT_TRUE(InitializeAuth(auth_dir(), Options()));
  EXPECT_TRUE(IsInitialized(auth_dir()));
  const AuthFiles files(auth_dir());
  EXPECT_EQ(ModeOf(auth_dir()), 0700u);
  EXPECT_EQ(ModeOf(files.signing_key()), 0600u);
  EXPECT_EQ(ModeOf(files.admin_password()), 0600u);
  EXPECT_TRUE(std::filesystem::exists(files.database()));

  auto key = SigningKey::FromPrivatePem(ReadSmallFile(files.signing_key()).value());
  ASSERT_TRUE(key);
  EXPECT_EQ(key->algorithm(), SigningAlgorithm::kRs256);
  EXPECT_EQ(ReadSmallFile(files.key_id()).value(), key->kid() + "\n");

  const auto hash = ReadSmallFile(files.admin_password()).value();
  EXPECT_TRUE(hash.starts_with("$argon2id$"));
  EXPECT_EQ(hash.find("Admin-passw0rd"), std::string::npos);
  EXPECT_TRUE(PasswordHasher().Verify(hash.substr(0, hash.size() - 1), "Admin-passw0rd"));
}

TEST_F(SetupTest, MakesEs256KeysOnRequest) {
  auto options = Options();
  options.algorithm = "ES256";
  ASSERT_TRUE(InitializeAuth(auth_dir(), options));
  auto key = SigningKey::FromPrivatePem(ReadSmallFile(AuthFiles(auth_dir()).signing_key()).value());
  ASSERT_TRUE(key);
  EXPECT_EQ(key->algorithm(), SigningAlgorithm::kEs256);
}

TEST_F(SetupTest, RefusesToOverwriteWithoutForce) {
  ASSERT_TRUE(InitializeAuth(auth_dir(), Options()));
  const AuthFiles files(auth_dir());
  const auto key_before = ReadSmallFile(files.signing_key()).value();
  const auto hash_before = ReadSmallFile(files.admin_password()).value();

  const auto again = InitializeAuth(auth_dir(), Options("Other-passw0rd"));
  ASSERT_FALSE(again);
  EXPECT_EQ(again.error().code, ErrorCode::kAlreadyExists);
  EXPECT_EQ(ReadSmallFile(files.signing_key()).value(), key_before);
  EXPECT_EQ(ReadSmallFile(files.admin_password()).value(), hash_before);

  auto forced = Options("Other-passw0rd");
  forced.force = true;
  ASSERT_TRUE(InitializeAuth(auth_dir(), forced));
  EXPECT_NE(ReadSmallFile(files.signing_key()).value(), key_before);
  EXPECT_NE(ReadSmallFile(files.key_id()).value(), "");
  const auto hash = ReadSmallFile(files.admin_password()).value();
  EXPECT_TRUE(PasswordHasher().Verify(hash.substr(0, hash.size() - 1), "Other-passw0rd"));
}

TEST_F(SetupTest, RefusesWeakAdminPasswordAndUnknownAlgorithm) {
  EXPECT_EQ(InitializeAuth(auth_dir(), Options("admin")).error().code, ErrorCode::kInvalidArgument);
  auto options = Options();
  options.algorithm = "HS256";
  EXPECT_EQ(InitializeAuth(auth_dir(), options).error().code, ErrorCode::kInvalidArgument);
  EXPECT_FALSE(IsInitialized(auth_dir()));
}

TEST_F(SetupTest, SetAdminPasswordReplacesTheHash) {
  EXPECT_EQ(SetAdminPassword(auth_dir(), "New-passw0rd", kFastArgon2).error().code,
            ErrorCode::kNotFound);
  ASSERT_TRUE(InitializeAuth(auth_dir(), Options()));
  EXPECT_EQ(SetAdminPassword(auth_dir(), "weak", kFastArgon2).error().code,
            ErrorCode::kInvalidArgument);
  ASSERT_TRUE(SetAdminPassword(auth_dir(), "New-passw0rd", kFastArgon2));
  const auto file = AuthFiles(auth_dir()).admin_password();
  const auto hash = ReadSmallFile(file).value();
  EXPECT_TRUE(PasswordHasher().Verify(hash.substr(0, hash.size() - 1), "New-passw0rd"));
  EXPECT_FALSE(PasswordHasher().Verify(hash.substr(0, hash.size() - 1), "Admin-passw0rd"));
  EXPECT_EQ(ModeOf(file), 0600u);
}

TEST_F(SetupTest, GeneratedPasswordsAreStrongReadableAndDifferent) {
  std::set<std::string> seen;
  for (int i = 0; i < 200; ++i) {
    const auto password = GeneratePassword();
    EXPECT_TRUE(CheckPasswordPolicy(password)) << password;
    ASSERT_EQ(password.size(), 23u);
    EXPECT_EQ(password[5], '-');
    EXPECT_EQ(password.find_first_of("0O1lI"), std::string::npos) << password;
    seen.insert(password);
  }
  EXPECT_EQ(seen.size(), 200u);
}

TEST_F(SetupTest, ReadsThePasswordFileFirstLine) {
  const auto file = dir_.path() / "pw.txt";
  std::ofstream(file) << "Secret-passw0rd\r\nignored\n";
  EXPECT_EQ(ReadPasswordFile(file).value(), "Secret-passw0rd");
  std::ofstream(file, std::ios::trunc) << "\n";
  EXPECT_EQ(ReadPasswordFile(file).error().code, ErrorCode::kInvalidArgument);
  EXPECT_EQ(ReadPasswordFile(dir_.path() / "missing").error().code, ErrorCode::kNotFound);
}

TEST_F(SetupTest, ReadingFromTerminalFailsCleanlyWithoutOne) {
  // Under ctest there is usually no controlling terminal; with one, skip.
  if (::isatty(0)) GTEST_SKIP() << "a terminal is attached";
  const auto password = ReadPasswordFromTerminal("Password: ");
  if (password) GTEST_SKIP() << "/dev/tty is available";
  EXPECT_EQ(password.error().code, ErrorCode::kUnavailable);
}

TEST_F(SetupTest, AtomicWriteReplacesContentsAndLeavesNoTemporaries) {
  std::filesystem::create_directories(auth_dir());
  const auto file = auth_dir() / "x";
  ASSERT_TRUE(WriteFileAtomically(file, "one", 0600));
  ASSERT_TRUE(WriteFileAtomically(file, "two", 0644));
  EXPECT_EQ(ReadSmallFile(file).value(), "two");
  EXPECT_EQ(ModeOf(file), 0644u);
  int entries = 0;
  for ([[maybe_unused]] const auto& entry : std::filesystem::directory_iterator(auth_dir())) {
    ++entries;
  }
  EXPECT_EQ(entries, 1);
}

}  // namespace
}  // namespace tessera::auth
