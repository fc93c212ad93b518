// reliefd driven by a config file: a real start from the file alone, the
// effective configuration it prints, --print-config as a check before a
// restart, errors that name the file and line (exit 2, nothing started),
// flags that override the file, subcommands that read the file's data dir,
// and the example deploy/reliefd.toml, so it cannot rot.
#include <filesystem>
#include <fstream>
#include <regex>
#include <set>
#include <sstream>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "harness/test_util.h"

namespace relief::testing {
namespace {

using ::testing::HasSubstr;
using ::testing::Not;

void WriteFile(const std::string& path, const std::string& text) {
  std::ofstream out(path);
  out << text;
  ASSERT_TRUE(out.good()) << path;
}

std::string ReadFile(const std::string& path) {
  std::ifstream in(path);
  std::stringstream buffer;
  buffer << in.rdbuf();
  return buffer.str();
}

// A directory for files that are not a running server's.
class ConfigFileTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = ::testing::TempDir() + "/config_file_XXXXXX";
    ASSERT_NE(mkdtemp(dir_.data()), nullptr);
  }
  void TearDown() override {
    std::error_code ignored;
    std::filesystem::remove_all(dir_, ignored);
  }

  // `reliefd <args...>`, e.g. --config F --print-config.
  CommandOutput Reliefd(std::vector<std::string> args) {
    args.insert(args.begin(), DefaultReliefdPath());
    auto out = RunCommand(args);
    EXPECT_TRUE(out.ok()) << out.status();
    return out.ok() ? *out : CommandOutput{};
  }

  std::string dir_;
};

TEST_F(ConfigFileTest, ConfigFileAloneDrivesARealStart) {
  ReliefdOptions options;
  options.config_file_only = true;
  ReliefdProcess server(options);
  WriteFile(server.config_path(),
            absl::StrCat("# a test server\n"
                         "data-dir = \"", server.data_dir(), "\"\n"
                         "listen = \"127.0.0.1:0\"\n"
                         "port-file = \"", server.port_file(), "\"\n"
                         "snapshot-every = 3\n"
                         "queue-capacity = 500\n"));
  RELIEF_ASSERT_OK(server.Start());
  ReliefClient admin(server.channel(), server.admin_token());
  Register(admin, "nat", v1::ORG_LEVEL_NATIONAL, "");
  Register(admin, "nat.a", v1::ORG_LEVEL_PROVINCE, "nat");
  Register(admin, "nat.b", v1::ORG_LEVEL_PROVINCE, "nat");
  const v1::GetStatusResponse status = Status(admin);
  EXPECT_EQ(status.queue_capacity(), 500u) << "queue-capacity from the file";
  EXPECT_EQ(status.head_sequence(), 4u);
  EXPECT_GE(status.snapshot_sequence(), 3u) << "snapshot-every from the file";

  // One block at start-up: every key, its value and where it came from.
  const std::string log = ReadFile(server.log_path());
  EXPECT_THAT(log, HasSubstr("reliefd: configuration:\n"));
  EXPECT_THAT(log, HasSubstr("config file " + server.config_path()));
  EXPECT_THAT(log, HasSubstr("queue-capacity = 500"));
  EXPECT_TRUE(std::regex_search(
      log, std::regex("\n  snapshot-every = 3 +# file\n")))
      << log;
  EXPECT_TRUE(std::regex_search(
      log, std::regex("\n  max-group = 16384 +# default\n")))
      << log;
  EXPECT_TRUE(std::regex_search(
      log, std::regex("\n  data-dir = \"" + server.data_dir() + "\" +# file\n")))
      << log;
  RELIEF_ASSERT_OK(server.Stop());

  // The subcommands take the data dir from the file too.
  CommandOutput verify = Reliefd({"--config", server.config_path(), "verify"});
  EXPECT_EQ(verify.exit_code, 0) << verify.output;
  EXPECT_THAT(verify.output, HasSubstr("ok: 4 events verified"));
}

TEST_F(ConfigFileTest, PrintConfigChecksWithoutStartingAndFlagsOverride) {
  const std::string data = dir_ + "/data";
  const std::string config = dir_ + "/reliefd.toml";
  WriteFile(config, absl::StrCat("data-dir = \"", data,
                                 "\"\nqueue-capacity = 1000\n"));
  CommandOutput out = Reliefd({"--queue-capacity", "7", "--config", config,
                               "--print-config"});
  EXPECT_EQ(out.exit_code, 0) << out.output;
  EXPECT_TRUE(std::regex_search(out.output,
                                std::regex("\nqueue-capacity = 7 +# flag\n")))
      << out.output;
  EXPECT_TRUE(std::regex_search(
      out.output, std::regex("\ndata-dir = \"" + data + "\" +# file\n")))
      << out.output;
  EXPECT_TRUE(std::regex_search(
      out.output, std::regex("\nlisten = \"127.0.0.1:50051\" +# default\n")))
      << out.output;
  EXPECT_FALSE(std::filesystem::exists(data)) << "--print-config starts nothing";

  // What --print-config prints is a config file that says the same.
  const std::string printed = dir_ + "/printed.toml";
  WriteFile(printed, out.output);
  CommandOutput again = Reliefd({"--config", printed, "--print-config"});
  EXPECT_EQ(again.exit_code, 0) << again.output;
  EXPECT_TRUE(std::regex_search(again.output,
                                std::regex("\nqueue-capacity = 7 +# file\n")))
      << again.output;
}

TEST_F(ConfigFileTest, BadFilesAreRefusedNamingFileLineAndKey) {
  const std::string data = dir_ + "/data";
  const std::string config = dir_ + "/reliefd.toml";
  struct Case {
    std::string file_text;
    std::string expected;
  };
  const std::vector<Case> cases = {
      {"data-dir = \"" + data + "\"\nqueu-capacity = 5\n",
       config + ":2: unknown key \"queu-capacity\""},
      {"data-dir = \"" + data + "\"\n\nqueue-capacity = 0\n",
       config + ":3: queue-capacity: Value 0 not in range 1 to 10000000"},
      {"data-dir = \"" + data + "\"\nmax-group = \"lots\"\n",
       config + ":2: max-group = \"lots\": expected a whole number"},
      {"data-dir = \"" + data + "\"\ninsecure = yes\n",
       config + ":2: insecure = yes: expected true or false"},
      {"data-dir = \"" + data + "\"\ntls-cert = \"" + dir_ +
           "/absent.crt\"\ntls-key = \"" + dir_ + "/absent.key\"\n",
       config + ":2: tls-cert " + dir_ + "/absent.crt: cannot read the file"},
      {"data-dir = \"" + data + "\"\nlisten = \"0.0.0.0:50051\"\n",
       config + ":2: refusing to listen on 0.0.0.0:50051 (listen) without TLS"},
  };
  for (const Case& c : cases) {
    WriteFile(config, c.file_text);
    for (const bool print : {false, true}) {
      std::vector<std::string> args = {"--config", config};
      if (print) args.push_back("--print-config");
      CommandOutput out = Reliefd(args);
      EXPECT_EQ(out.exit_code, 2) << c.file_text << out.output;
      EXPECT_THAT(out.output, HasSubstr("reliefd: cannot start: " + c.expected))
          << c.file_text;
      EXPECT_FALSE(std::filesystem::exists(data)) << "nothing was started";
    }
  }
  CommandOutput missing = Reliefd({"--config", dir_ + "/absent.toml"});
  EXPECT_EQ(missing.exit_code, 2) << missing.output;
  EXPECT_THAT(missing.output,
              HasSubstr("cannot read the config file " + dir_ + "/absent.toml"));
  // A bad flag is a bad configuration too (exit 2), named as the flag.
  CommandOutput flag = Reliefd({"--data-dir", data, "--max-group", "0",
                                "--print-config"});
  EXPECT_EQ(flag.exit_code, 2) << flag.output;
  EXPECT_THAT(flag.output, HasSubstr("reliefd: cannot start: --max-group"));
}

// The example that deploy/reliefd.service uses: reliefd accepts it as it is
// shipped, and it mentions every key reliefd has (set or commented out), so
// a new flag cannot be left out of it.
TEST_F(ConfigFileTest, ExampleDeployConfigIsValidAndComplete) {
  const std::string example =
      std::string(RELIEF_SOURCE_DIR) + "/deploy/reliefd.toml";
  CommandOutput out = Reliefd({"--config", example, "--print-config"});
  ASSERT_EQ(out.exit_code, 0) << out.output;
  EXPECT_TRUE(std::regex_search(
      out.output, std::regex("\ndata-dir = \"/var/lib/relief\" +# file\n")))
      << out.output;
  const std::string text = ReadFile(example);
  std::set<std::string> keys;
  const std::regex line("(^|\n)([a-z0-9-]+) = ");
  for (auto it = std::sregex_iterator(out.output.begin(), out.output.end(),
                                      line);
       it != std::sregex_iterator(); ++it) {
    keys.insert((*it)[2]);
  }
  EXPECT_GE(keys.size(), 10u) << out.output;
  for (const std::string& key : keys) {
    EXPECT_TRUE(std::regex_search(
        text, std::regex("(^|\n)(# )?" + key + " = ")))
        << "deploy/reliefd.toml does not mention " << key
        << ": add it, documented, with a production value";
  }
  // And the service unit uses it.
  EXPECT_THAT(ReadFile(std::string(RELIEF_SOURCE_DIR) +
                       "/deploy/reliefd.service"),
              HasSubstr("ExecStart=/usr/local/bin/reliefd --config "
                        "/etc/relief/reliefd.toml\n"));
}

}  // namespace
}  // namespace relief::testing
