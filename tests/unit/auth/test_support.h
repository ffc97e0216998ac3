#pragma once

#include <atomic>
#include <chrono>
#include <filesystem>
#include <string>

#include <gtest/gtest.h>
#include <unistd.h>

#include "auth/password_hasher.h"
#include "auth/signing_key.h"
#include "base/clock.h"

namespace tessera::auth::testing {

// A clock the test moves by hand.
class FakeClock final : public Clock {
 public:
  explicit FakeClock(std::chrono::system_clock::time_point now =
                         std::chrono::sys_days(std::chrono::year(2024) / 3 / 1) +
                         std::chrono::hours(9))
      : now_(now.time_since_epoch().count()) {}
  std::chrono::system_clock::time_point Now() const override {
    return std::chrono::system_clock::time_point(std::chrono::system_clock::duration(now_.load()));
  }
  void Advance(std::chrono::system_clock::duration d) { now_ += d.count(); }

 private:
  std::atomic<std::chrono::system_clock::duration::rep> now_;
};

// A fresh directory per test, removed afterwards.
class TempDir {
 public:
  TempDir() {
    const auto* info = ::testing::UnitTest::GetInstance()->current_test_info();
    path_ = std::filesystem::temp_directory_path() /
            ("tessera-auth-" + std::to_string(::getpid()) + "-" + info->test_suite_name() + "-" +
             info->name());
    std::filesystem::remove_all(path_);
    std::filesystem::create_directories(path_);
  }
  ~TempDir() { std::filesystem::remove_all(path_); }
  const std::filesystem::path& path() const { return path_; }

 private:
  std::filesystem::path path_;
};

// Keys made once per test process (RSA generation takes a while): `index`
// picks one of a few distinct keys per algorithm.
inline const SigningKey& TestKey(SigningAlgorithm algorithm, int index = 0) {
  static const auto make = [](SigningAlgorithm a) { return SigningKey::Generate(a).value(); };
  static const SigningKey keys[2][2] = {
      {make(SigningAlgorithm::kRs256), make(SigningAlgorithm::kRs256)},
      {make(SigningAlgorithm::kEs256), make(SigningAlgorithm::kEs256)}};
  return keys[algorithm == SigningAlgorithm::kEs256 ? 1 : 0][index % 2];
}

// Argon2 as cheap as libargon2 allows, so tests that hash do not crawl.
inline constexpr Argon2Params kFastArgon2{8, 1, 1};

}  // namespace tessera::auth::testing
