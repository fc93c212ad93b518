#include "clients/reliefctl/options.h"

#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <regex>
#include <set>
#include <string>

#include "gtest/gtest.h"

namespace reliefctl {
namespace {

class TempFile {
 public:
  explicit TempFile(const std::string& content) {
    char name[] = "/tmp/reliefctl_test_XXXXXX";
    const int fd = mkstemp(name);
    EXPECT_GE(fd, 0);
    close(fd);
    path_ = name;
    std::ofstream(path_, std::ios::binary) << content;
  }
  ~TempFile() { std::remove(path_.c_str()); }
  const std::string& path() const { return path_; }

 private:
  std::string path_;
};

TEST(ResolveTokenTest, ExplicitTokenWins) {
  GlobalOptions options;
  options.token = "abc";
  options.token_file = "/nonexistent/admin.token";
  EXPECT_EQ(*ResolveToken(options), "abc");
}

TEST(ResolveTokenTest, Precedence) {
  TempFile file("from-file\n");
  GlobalOptions options;
  options.env_token = "from-env";
  EXPECT_EQ(*ResolveToken(options), "from-env");  // env beats the default file
  options.token_file = file.path();
  EXPECT_EQ(*ResolveToken(options), "from-file");  // explicit file beats env
  options.token = "from-flag";
  EXPECT_EQ(*ResolveToken(options), "from-flag");
}

TEST(ResolveTokenTest, ReadsAndTrimsTheTokenFile) {
  TempFile file("  r1-0123456789abcdef\n\n");
  GlobalOptions options;
  options.token_file = file.path();
  EXPECT_EQ(*ResolveToken(options), "r1-0123456789abcdef");
}

TEST(ResolveTokenTest, RefusesTokensThatCannotBeAHeader) {
  GlobalOptions options;
  options.env_token = "done token issued\nrlf_secret";
  const absl::StatusOr<std::string> token = ResolveToken(options);
  ASSERT_FALSE(token.ok());
  EXPECT_NE(token.status().message().find("RELIEF_TOKEN"), std::string::npos);
  EXPECT_EQ(token.status().message().find("rlf_secret"), std::string::npos);
  options.env_token = " rlf_abc\n";  // surrounding whitespace is trimmed
  EXPECT_EQ(*ResolveToken(options), "rlf_abc");
  options.token = "a b";
  EXPECT_FALSE(ResolveToken(options).ok());
}

TEST(ResolveTokenTest, MissingFileSaysWhereItLooked) {
  GlobalOptions options;
  options.token_file = "/nonexistent/dir/admin.token";
  const auto token = ResolveToken(options);
  ASSERT_FALSE(token.ok());
  const std::string message(token.status().message());
  EXPECT_NE(message.find("/nonexistent/dir/admin.token"), std::string::npos);
  EXPECT_NE(message.find("RELIEF_TOKEN"), std::string::npos);
  EXPECT_NE(message.find("--token"), std::string::npos);
}

TEST(ResolveTokenTest, DefaultFileIsNamed) {
  // Run where no ./data/admin.token can exist: a fresh empty directory.
  std::string dir = ::testing::TempDir() + "/resolve_XXXXXX";
  ASSERT_NE(mkdtemp(dir.data()), nullptr);
  char previous[4096];
  ASSERT_NE(getcwd(previous, sizeof(previous)), nullptr);
  ASSERT_EQ(chdir(dir.c_str()), 0);
  const char* env = std::getenv("RELIEF_TOKEN");
  const std::string saved = env != nullptr ? env : "";
  unsetenv("RELIEF_TOKEN");
  GlobalOptions options;  // no token, no file: ./data/admin.token
  const auto token = ResolveToken(options);
  if (env != nullptr) setenv("RELIEF_TOKEN", saved.c_str(), 1);
  ASSERT_EQ(chdir(previous), 0);
  ASSERT_FALSE(token.ok());
  EXPECT_NE(std::string(token.status().message()).find("./data/admin.token"),
            std::string::npos);
}

TEST(ResolveTokenTest, EmptyOrHugeFileIsAnError) {
  TempFile empty(" \n");
  GlobalOptions options;
  options.token_file = empty.path();
  EXPECT_FALSE(ResolveToken(options).ok());
  TempFile huge(std::string(kMaxTokenFileBytes + 1, 'x'));
  options.token_file = huge.path();
  EXPECT_FALSE(ResolveToken(options).ok());
}

TEST(RequestIdTest, FreshIdsAreUuidV4) {
  const std::regex uuid_v4(
      "[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}");
  std::set<std::string> seen;
  for (int i = 0; i < 100; ++i) {
    const std::string id = NewRequestId();
    EXPECT_TRUE(std::regex_match(id, uuid_v4)) << id;
    EXPECT_EQ(CheckRequestId(id), "");
    seen.insert(id);
  }
  EXPECT_EQ(seen.size(), 100u);
}

TEST(RequestIdTest, ChecksLikeTheServer) {
  EXPECT_EQ(CheckRequestId("retry-2024-11-24#1"), "");
  EXPECT_NE(CheckRequestId("retry 1"), "");
  EXPECT_EQ(CheckRequestId(std::string(64, 'a')), "");
  EXPECT_NE(CheckRequestId(""), "");
  EXPECT_NE(CheckRequestId(std::string(65, 'a')), "");
  EXPECT_NE(CheckRequestId("请求"), "");
  EXPECT_NE(CheckRequestId("a\tb"), "");
}

}  // namespace
}  // namespace reliefctl
