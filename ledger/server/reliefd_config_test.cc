// The config file of reliefd on an App shaped like reliefd's: where each
// value comes from, the errors a person sees for a bad file, masking of
// secrets, and that the printed configuration reads back as the same.
// tests/integration/config_test.cc drives the real binary.
#include "ledger/server/reliefd_config.h"

#include <cstdlib>
#include <fstream>
#include <memory>
#include <string>
#include <vector>

#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace relief {
namespace {

using ::testing::HasSubstr;
using ::testing::Not;

struct Values {
  std::string data_dir = "./data";
  size_t queue_capacity = 65536;
  uint64_t snapshot_every = 1000000;
  bool insecure = false;
  std::string api_token;    // a secret by its name
  std::string tls_key;      // a path: not a secret
  bool print_config = false;
};

class ConfigTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = ::testing::TempDir() + "/config_XXXXXX";
    ASSERT_NE(mkdtemp(dir_.data()), nullptr);
    path_ = dir_ + "/reliefd.toml";
  }

  // A fresh App bound to a fresh `values_`, as reliefd_main builds it.
  void MakeApp() {
    values_ = std::make_unique<Values>();
    app_ = std::make_unique<CLI::App>("test");
    app_->option_defaults()->always_capture_default();
    AddConfigFileOptions(*app_, &values_->print_config);
    app_->add_option("--data-dir", values_->data_dir, "d");
    app_->add_option("--queue-capacity", values_->queue_capacity, "q")
        ->check(CLI::Range(1, 10'000'000));
    app_->add_option("--snapshot-every", values_->snapshot_every, "s")
        ->check(CLI::Range(uint64_t{1}, uint64_t{1'000'000'000}));
    app_->add_flag("--insecure", values_->insecure, "i");
    app_->add_option("--api-token", values_->api_token, "t");
    app_->add_option("--tls-key", values_->tls_key, "k");
    app_->add_subcommand("verify", "v");
  }

  void WriteFile(const std::string& text) {
    std::ofstream(path_) << text;
  }

  absl::StatusOr<CommandLineSources> Parse(std::vector<std::string> args) {
    MakeApp();
    args.insert(args.begin(), "reliefd");
    std::vector<const char*> argv;
    for (const std::string& a : args) argv.push_back(a.c_str());
    return ParseCommandLineAndConfig(*app_, static_cast<int>(argv.size()),
                                     argv.data());
  }

  std::string ErrorOf(const std::string& file_text,
                      std::vector<std::string> flags = {}) {
    WriteFile(file_text);
    flags.insert(flags.begin(), {"--config", path_});
    auto parsed = Parse(flags);
    EXPECT_FALSE(parsed.ok()) << file_text;
    if (parsed.ok()) return "";
    EXPECT_EQ(parsed.status().code(), absl::StatusCode::kInvalidArgument);
    return std::string(parsed.status().message());
  }

  const ConfigEntry& Entry(const std::vector<ConfigEntry>& entries,
                           const std::string& key) {
    for (const ConfigEntry& e : entries) {
      if (e.key == key) return e;
    }
    ADD_FAILURE() << "no entry " << key;
    return entries.front();
  }

  std::string dir_;
  std::string path_;
  std::unique_ptr<Values> values_;
  std::unique_ptr<CLI::App> app_;
};

TEST_F(ConfigTest, ValidFileSetsStringsNumbersAndFlags) {
  WriteFile(
      "# a comment\n"
      "\n"
      "data-dir = \"/var/lib/relief\"   # where the ledger lives\n"
      "queue-capacity = 1000\n"
      "insecure = true\n"
      "tls-key = '/etc/relief/tls/server.key'\n");
  auto parsed = Parse({"--config", path_});
  ASSERT_TRUE(parsed.ok()) << parsed.status();
  EXPECT_EQ(values_->data_dir, "/var/lib/relief");
  EXPECT_EQ(values_->queue_capacity, 1000u);
  EXPECT_TRUE(values_->insecure);
  EXPECT_EQ(values_->tls_key, "/etc/relief/tls/server.key");
  EXPECT_EQ(values_->snapshot_every, 1000000u);
  EXPECT_EQ(parsed->config_path, path_);
  EXPECT_EQ(parsed->file_lines.at("data-dir"), 3);
  EXPECT_EQ(parsed->file_lines.at("tls-key"), 6);

  auto entries = EffectiveConfig(*app_, *parsed);
  EXPECT_EQ(Entry(entries, "data-dir").value, "\"/var/lib/relief\"");
  EXPECT_EQ(Entry(entries, "data-dir").origin, "file");
  EXPECT_EQ(Entry(entries, "queue-capacity").value, "1000");
  EXPECT_EQ(Entry(entries, "snapshot-every").value, "1000000");
  EXPECT_EQ(Entry(entries, "snapshot-every").origin, "default");
  EXPECT_EQ(Entry(entries, "insecure").value, "true");
  // Neither --config nor --print-config nor --help is a setting.
  for (const ConfigEntry& e : entries) {
    EXPECT_NE(e.key, "config");
    EXPECT_NE(e.key, "print-config");
    EXPECT_NE(e.key, "help");
  }
}

TEST_F(ConfigTest, FlagsOverrideTheFile) {
  WriteFile("data-dir = \"/from/file\"\nqueue-capacity = 1000\n");
  auto parsed = Parse({"--queue-capacity", "7", "--config", path_,
                       "--data-dir=/from/flag"});
  ASSERT_TRUE(parsed.ok()) << parsed.status();
  EXPECT_EQ(values_->data_dir, "/from/flag");
  EXPECT_EQ(values_->queue_capacity, 7u);
  auto entries = EffectiveConfig(*app_, *parsed);
  EXPECT_EQ(Entry(entries, "data-dir").origin, "flag");
  EXPECT_EQ(Entry(entries, "queue-capacity").value, "7");
  EXPECT_EQ(Entry(entries, "queue-capacity").origin, "flag");
  // A flag's own bad value is reported as the flag's, not the file's.
  EXPECT_THAT(ErrorOf("queue-capacity = 1000\n", {"--queue-capacity", "0"}),
              Not(HasSubstr(path_)));
}

TEST_F(ConfigTest, UnknownKeyNamesFileLineAndTheKeys) {
  const std::string error = ErrorOf("data-dir = \"x\"\nqueu-capacity = 5\n");
  EXPECT_THAT(error, HasSubstr(path_ + ":2: unknown key \"queu-capacity\""));
  EXPECT_THAT(error, HasSubstr("queue-capacity"));  // the list of keys
  EXPECT_THAT(ErrorOf("config = \"other.toml\"\n"),
              HasSubstr(":1: config cannot be set in a config file"));
  EXPECT_THAT(ErrorOf("[verify]\ndata-dir = \"x\"\n"),
              HasSubstr(":1: sections ([verify]) are not used"));
}

TEST_F(ConfigTest, WrongTypeNamesLineKeyAndWhatWasExpected) {
  EXPECT_THAT(ErrorOf("\nqueue-capacity = \"many\"\n"),
              HasSubstr(path_ + ":2: queue-capacity = \"many\": expected a "
                                "whole number"));
  EXPECT_THAT(ErrorOf("insecure = maybe\n"),
              HasSubstr(":1: insecure = maybe: expected true or false"));
  EXPECT_THAT(ErrorOf("data-dir = \"unterminated\n"),
              HasSubstr(":1: data-dir = \"unterminated: the closing \" is "
                        "missing"));
  EXPECT_THAT(ErrorOf("data-dir = \"/a#b\"\n"),
              HasSubstr(":1: data-dir: a '#' inside a value is not supported"));
  EXPECT_THAT(ErrorOf("listen 127.0.0.1:1\n"),
              HasSubstr(":1: expected `key = value`"));
  EXPECT_THAT(ErrorOf("data-dir =\n"), HasSubstr(":1: data-dir has no value"));
  EXPECT_THAT(ErrorOf("data-dir = \"a\"\n\ndata-dir = \"b\"\n"),
              HasSubstr(":3: data-dir is already set on line 1"));
}

TEST_F(ConfigTest, OutOfRangeValueNamesFileLineAndKey) {
  const std::string error = ErrorOf("# x\n\nqueue-capacity = 0\n");
  EXPECT_THAT(error, HasSubstr(path_ + ":3: queue-capacity"));
  EXPECT_THAT(error, HasSubstr("not in range 1 to 10000000"));
  EXPECT_THAT(ErrorOf("snapshot-every = 2000000000\n"),
              HasSubstr(":1: snapshot-every"));
}

TEST_F(ConfigTest, MissingConfigFileIsAnError) {
  auto parsed = Parse({"--config", dir_ + "/absent.toml"});
  ASSERT_FALSE(parsed.ok());
  EXPECT_THAT(std::string(parsed.status().message()),
              HasSubstr("cannot read the config file " + dir_ +
                        "/absent.toml"));
}

TEST_F(ConfigTest, SecretsAreMaskedInTheConfigAndInErrors) {
  EXPECT_TRUE(IsSecretKey("api-token"));
  EXPECT_TRUE(IsSecretKey("admin-token-file"));
  EXPECT_TRUE(IsSecretKey("db_Password"));
  EXPECT_TRUE(IsSecretKey("smtp-secret"));
  EXPECT_FALSE(IsSecretKey("tls-key"));
  EXPECT_FALSE(IsSecretKey("data-dir"));

  WriteFile("api-token = \"s3cr3t-value\"\ntls-key = \"/k.pem\"\n");
  auto parsed = Parse({"--config", path_});
  ASSERT_TRUE(parsed.ok()) << parsed.status();
  EXPECT_EQ(values_->api_token, "s3cr3t-value");  // read, only not shown
  const std::string printed =
      FormatConfig(EffectiveConfig(*app_, *parsed), *parsed);
  EXPECT_THAT(printed, Not(HasSubstr("s3cr3t")));
  EXPECT_THAT(printed, HasSubstr("api-token = \"********\""));
  EXPECT_THAT(printed, HasSubstr("tls-key = \"/k.pem\""));

  // Also from a flag, and in an error about it.
  parsed = Parse({"--api-token", "fl4g-s3cr3t"});
  ASSERT_TRUE(parsed.ok()) << parsed.status();
  EXPECT_THAT(FormatConfig(EffectiveConfig(*app_, *parsed), *parsed),
              Not(HasSubstr("fl4g")));
  const std::string error =
      AttributeError("Could not convert: --api-token = fl4g-s3cr3t", *parsed);
  EXPECT_THAT(error, Not(HasSubstr("fl4g")));
  EXPECT_THAT(error, HasSubstr("--api-token"));
  EXPECT_THAT(ErrorOf("api-token =\n"), Not(HasSubstr("s3cr3t")));
}

TEST_F(ConfigTest, PrintedConfigReadsBackAsTheSame) {
  WriteFile("data-dir = \"/d i r\"\nqueue-capacity = 99\ninsecure = true\n");
  auto parsed = Parse({"--config", path_, "--snapshot-every", "5"});
  ASSERT_TRUE(parsed.ok()) << parsed.status();
  const std::string printed =
      FormatConfig(EffectiveConfig(*app_, *parsed), *parsed);
  EXPECT_THAT(printed, HasSubstr("# reliefd effective configuration"));
  EXPECT_THAT(printed, HasSubstr("snapshot-every = 5"));

  WriteFile(printed);
  auto again = Parse({"--config", path_});
  ASSERT_TRUE(again.ok()) << again.status() << "\n" << printed;
  EXPECT_EQ(values_->data_dir, "/d i r");
  EXPECT_EQ(values_->queue_capacity, 99u);
  EXPECT_EQ(values_->snapshot_every, 5u);
  EXPECT_TRUE(values_->insecure);
  std::vector<ConfigEntry> before = EffectiveConfig(*app_, *again);
  ASSERT_FALSE(before.empty());
  for (const ConfigEntry& e : before) EXPECT_EQ(e.origin, "file") << e.key;
}

TEST_F(ConfigTest, SubcommandFlagsAreNotServerFlags) {
  auto parsed = Parse({"--data-dir", "/x", "verify"});
  ASSERT_TRUE(parsed.ok()) << parsed.status();
  EXPECT_EQ(parsed->flag_keys.count("data-dir"), 1u);
  EXPECT_TRUE(app_->got_subcommand("verify"));
}

}  // namespace
}  // namespace relief
