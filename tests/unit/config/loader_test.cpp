#include "config/loader.h"

#include <fstream>
#include <map>

#include <gtest/gtest.h>

#include "config/config_file.h"
#include "config/listen_address.h"
#include "config/validate.h"

namespace tessera::config {
namespace {

class LoaderTest : public ::testing::Test {
 protected:
  void SetUp() override {
    file_ = std::filesystem::temp_directory_path() /
            ("tessera-config-test-" + std::to_string(::getpid()) + ".toml");
  }
  void TearDown() override { std::filesystem::remove(file_); }

  std::filesystem::path Write(const std::string& text) {
    std::ofstream(file_) << text;
    return file_;
  }
  EnvironmentLookup Env() {
    return [this](std::string_view name) -> std::optional<std::string> {
      auto it = env_.find(std::string(name));
      if (it == env_.end()) return std::nullopt;
      return it->second;
    };
  }

  std::filesystem::path file_;
  std::map<std::string, std::string> env_;
};

TEST_F(LoaderTest, DefaultsAreValid) {
  auto config = Load(std::nullopt, Env());
  ASSERT_TRUE(config);
  EXPECT_TRUE(Validate(*config)) << Validate(*config).error().message;
  EXPECT_EQ(config->DicomwebPath(), "/zhiva/pacs");
  EXPECT_EQ(config->AppPath(), "/zhiva/app");
  EXPECT_EQ(config->http.max_upload_mib, 2000u);
}

TEST_F(LoaderTest, ReadsFileValues) {
  auto config = Load(Write(R"(
data_dir = "/srv/pacs"
[http]
listen = "127.0.0.1:9443"
tls = false
allowed_origins = ["https://*.example.org"]
[paths]
prefix = "/archive"
[[dicom.modalities]]
ae_title = "CT1"
host = "10.0.0.5"
port = 11112
allow = ["store", "find"]
)"),
                     Env());
  ASSERT_TRUE(config) << config.error().message;
  EXPECT_EQ(config->data_dir, "/srv/pacs");
  EXPECT_EQ(config->http.listen, "127.0.0.1:9443");
  EXPECT_FALSE(config->http.tls);
  ASSERT_EQ(config->http.allowed_origins.size(), 1u);
  EXPECT_EQ(config->DicomwebPath(), "/archive/pacs");
  ASSERT_EQ(config->dicom.modalities.size(), 1u);
  EXPECT_EQ(config->dicom.modalities[0].port, 11112);
  EXPECT_EQ(config->dicom.modalities[0].allow.size(), 2u);
  EXPECT_TRUE(Validate(*config));
}

TEST_F(LoaderTest, EnvironmentOverridesFile) {
  env_["TESSERA_HTTP_LISTEN"] = "127.0.0.1:1234";
  env_["TESSERA_HTTP_TLS"] = "false";
  env_["TESSERA_HTTP_ALLOWED_ORIGINS"] = "https://a.org, https://*.b.org";
  env_["TESSERA_DATA_DIR"] = "/tmp/x";
  auto config = Load(Write("[http]\nlisten = \"0.0.0.0:1\"\n"), Env());
  ASSERT_TRUE(config) << config.error().message;
  EXPECT_EQ(config->http.listen, "127.0.0.1:1234");
  EXPECT_FALSE(config->http.tls);
  EXPECT_EQ(config->data_dir, "/tmp/x");
  ASSERT_EQ(config->http.allowed_origins.size(), 2u);
  EXPECT_EQ(config->http.allowed_origins[1], "https://*.b.org");
}

TEST_F(LoaderTest, UnknownKeyNamesTheKey) {
  auto config = Load(Write("[http]\nlistn = \"x\"\n"), Env());
  ASSERT_FALSE(config);
  EXPECT_NE(config.error().message.find("http.listn"), std::string::npos);
}

TEST_F(LoaderTest, WrongTypeNamesTheKey) {
  auto config = Load(Write("[http]\nmax_upload_mib = \"lots\"\n"), Env());
  ASSERT_FALSE(config);
  EXPECT_NE(config.error().message.find("http.max_upload_mib"), std::string::npos);
}

TEST_F(LoaderTest, BadEnvironmentValueNamesTheVariable) {
  env_["TESSERA_HTTP_TLS"] = "maybe";
  auto config = Load(std::nullopt, Env());
  ASSERT_FALSE(config);
  EXPECT_NE(config.error().message.find("TESSERA_HTTP_TLS"), std::string::npos);
}

TEST_F(LoaderTest, SyntaxErrorIsReportedNotThrown) {
  auto config = Load(Write("[http\nlisten = 1\n"), Env());
  ASSERT_FALSE(config);
  EXPECT_EQ(config.error().code, ErrorCode::kInvalidArgument);
}

TEST_F(LoaderTest, ValidationNamesTheKey) {
  const std::pair<std::string, std::string> cases[] = {
      {"TESSERA_HTTP_LISTEN", "nonsense"},
      {"TESSERA_PATHS_PREFIX", "zhiva"},
      {"TESSERA_PATHS_DICOMWEB_ROOT", "/pacs/../x"},
      {"TESSERA_ARCHIVE_DUPLICATES", "merge"},
      {"TESSERA_AUTH_ALGORITHM", "none"},
      {"TESSERA_DICOM_AE_TITLE", "A_TITLE_THAT_IS_TOO_LONG"},
      {"TESSERA_DICOM_UNKNOWN_CALLERS_ALLOW", "echo,delete"},
      {"TESSERA_HTTP_ALLOWED_ORIGINS", "evil.com"},
      {"TESSERA_HTTP_MAX_UPLOAD_MIB", "0"},
      {"TESSERA_HTTP_MAX_CONNECTIONS", "0"},
      {"TESSERA_HTTP_MAX_CONNECTIONS_PER_ADDRESS", "5000"},
      {"TESSERA_DICOM_LISTEN", "0.0.0.0:8443"},
  };
  for (const auto& [name, value] : cases) {
    env_.clear();
    env_[name] = value;
    auto config = Load(std::nullopt, Env());
    ASSERT_TRUE(config) << name;
    auto status = Validate(*config);
    ASSERT_FALSE(status) << name << "=" << value;
    // "TESSERA_HTTP_LISTEN" -> "http.listen"
    std::string key = name.substr(8);
    for (auto& c : key) c = c == '_' ? '.' : static_cast<char>(std::tolower(c));
    const auto section_end = key.find('.');
    const auto expected_key = key.substr(0, section_end);
    EXPECT_NE(status.error().message.find(expected_key + "."), std::string::npos)
        << status.error().message;
  }
}

// One route inside another would hand its requests to the other (QIDO answering
// WADO-URI); a shared first part of a segment is no overlap.
TEST_F(LoaderTest, RoutePathsMustNotOverlap) {
  const std::map<std::string, std::string> overlapping[] = {
      {{"TESSERA_PATHS_WADO_URI", "/pacs/studies"}},
      {{"TESSERA_PATHS_APP", "/pacs"}},
      {{"TESSERA_PATHS_AUTH", "/zhiva/pacs"}},
      {{"TESSERA_PATHS_AUTH", "/zhiva"}, {"TESSERA_PATHS_PREFIX", "/zhiva/x"}},
  };
  for (const auto& env : overlapping) {
    env_ = env;
    auto config = Load(std::nullopt, Env());
    ASSERT_TRUE(config);
    auto status = Validate(*config);
    ASSERT_FALSE(status) << env.begin()->second;
    EXPECT_NE(status.error().message.find("overlaps"), std::string::npos) << status.error().message;
  }
  env_ = {{"TESSERA_PATHS_WADO_URI", "/pacs2"}, {"TESSERA_PATHS_AUTH", "/zhiva-auth"}};
  auto config = Load(std::nullopt, Env());
  ASSERT_TRUE(config);
  EXPECT_TRUE(Validate(*config)) << Validate(*config).error().message;
}

TEST_F(LoaderTest, TheDicomPortMayNotBeTheHttpPortOnAnOverlappingAddress) {
  const std::map<std::string, std::string> clash[] = {
      {{"TESSERA_HTTP_LISTEN", "0.0.0.0:4242"}},
      {{"TESSERA_HTTP_LISTEN", "127.0.0.1:4242"}, {"TESSERA_DICOM_LISTEN", "127.0.0.1:4242"}},
      {{"TESSERA_HTTP_LISTEN", "127.0.0.1:4242"}, {"TESSERA_DICOM_LISTEN", "[::]:4242"}},
  };
  for (const auto& env : clash) {
    env_ = env;
    auto config = Load(std::nullopt, Env());
    ASSERT_TRUE(config);
    EXPECT_FALSE(Validate(*config)) << env.begin()->second;
  }
  const std::map<std::string, std::string> apart[] = {
      {{"TESSERA_HTTP_LISTEN", "0.0.0.0:4242"}, {"TESSERA_DICOM_ENABLED", "false"}},
      {{"TESSERA_HTTP_LISTEN", "0.0.0.0:4242"}, {"TESSERA_DICOM_LISTEN", "[::1]:4242"}},
      {{"TESSERA_HTTP_LISTEN", "127.0.0.1:4242"}, {"TESSERA_DICOM_LISTEN", "127.0.0.2:4242"}},
  };
  for (const auto& env : apart) {
    env_ = env;
    auto config = Load(std::nullopt, Env());
    ASSERT_TRUE(config);
    EXPECT_TRUE(Validate(*config)) << env.begin()->second << " " << env.rbegin()->second;
  }
}

// The allow-list is read by the parser CORS uses: what passes here is what the
// server applies, none of it dropped on the way.
TEST_F(LoaderTest, AllowedOriginsAreCheckedAsCorsReadsThem) {
  for (const std::string entry :
       {"null", "*", "https://*.zhiva.ai", "http://localhost:*", "https://[::1]:8443"}) {
    env_ = {{"TESSERA_HTTP_ALLOWED_ORIGINS", entry}};
    auto config = Load(std::nullopt, Env());
    ASSERT_TRUE(config);
    EXPECT_TRUE(Validate(*config)) << entry;
  }
  for (const std::string entry :
       {"https://a b", "https://user@host", "https://host/path", "https://host:port"}) {
    env_ = {{"TESSERA_HTTP_ALLOWED_ORIGINS", entry}};
    auto config = Load(std::nullopt, Env());
    ASSERT_TRUE(config);
    EXPECT_FALSE(Validate(*config)) << entry;
  }
}

TEST_F(LoaderTest, AMisspeltSettingVariableIsRefused) {
  const std::vector<std::string> fine = {"TESSERA_HTTP_LISTEN", "TESSERA_DATA_DIR",
                                         "TESSERA_ADMIN_PASSWORD", "TESSERA_BINARY"};
  EXPECT_TRUE(CheckEnvironmentNames(fine));
  for (const std::string name : {"TESSERA_HTTP_LISTN", "TESSERA_DICOM_AETITLE"}) {
    const std::vector<std::string> names = {"TESSERA_HTTP_LISTEN", name};
    auto status = CheckEnvironmentNames(names);
    ASSERT_FALSE(status) << name;
    EXPECT_EQ(status.error().message.rfind(name + ": no such setting", 0), 0u)
        << status.error().message;
  }
}

TEST_F(LoaderTest, DefaultFileLoadsBackToDefaults) {
  const Config defaults;
  auto config = Load(Write(DefaultConfigFile(defaults)), Env());
  ASSERT_TRUE(config) << config.error().message;
  EXPECT_EQ(config->http.listen, defaults.http.listen);
  EXPECT_EQ(config->http.allowed_origins, defaults.http.allowed_origins);
  EXPECT_EQ(config->dicom.ae_title, defaults.dicom.ae_title);
  EXPECT_TRUE(Validate(*config));
}

TEST_F(LoaderTest, ValidateWantsAnIpToListenOnAndExistingCertificateFiles) {
  Config config;
  config.http.listen = "localhost:8443";
  auto status = Validate(config);
  ASSERT_FALSE(status);
  EXPECT_NE(status.error().message.find("http.listen"), std::string::npos);
  config.http.listen = "[::1]:8443";
  EXPECT_TRUE(Validate(config));
  config.http.certificate = "/nonexistent/server.crt";
  status = Validate(config);
  ASSERT_FALSE(status);
  EXPECT_NE(status.error().message.find("http.certificate: no such file"), std::string::npos);
  config.http.tls = false;  // plain HTTP: the files are not used
  EXPECT_TRUE(Validate(config));
}

TEST_F(LoaderTest, WrittenFileKeepsTheModalities) {
  Config config;
  Modality modality;
  modality.ae_title = "CT1";
  modality.host = "10.0.0.5";
  modality.port = 11112;
  modality.tls = true;
  modality.allow = {"echo", "store"};
  config.dicom.modalities = {modality};
  auto loaded = Load(Write(DefaultConfigFile(config)), Env());
  ASSERT_TRUE(loaded) << loaded.error().message;
  ASSERT_EQ(loaded->dicom.modalities.size(), 1u);
  const Modality& back = loaded->dicom.modalities[0];
  EXPECT_EQ(back.ae_title, "CT1");
  EXPECT_EQ(back.host, "10.0.0.5");
  EXPECT_EQ(back.port, 11112);
  EXPECT_TRUE(back.tls);
  EXPECT_EQ(back.allow, (std::vector<std::string>{"echo", "store"}));
}

TEST(ListenAddressTest, ParsesHostPortAndBracketedIpv6) {
  auto v4 = ParseListenAddress("127.0.0.1:8443");
  ASSERT_TRUE(v4);
  EXPECT_EQ(v4->host, "127.0.0.1");
  EXPECT_EQ(v4->port, 8443);
  auto v6 = ParseListenAddress("[::1]:80");
  ASSERT_TRUE(v6);
  EXPECT_EQ(v6->host, "::1");
  EXPECT_FALSE(ParseListenAddress("::1:80"));
  EXPECT_FALSE(ParseListenAddress("host:99999"));
  EXPECT_FALSE(ParseListenAddress(":80"));
}

}  // namespace
}  // namespace tessera::config
