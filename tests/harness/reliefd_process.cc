#include "harness/reliefd_process.h"

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdlib.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <deque>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <thread>

#include "absl/strings/str_cat.h"
#include "absl/strings/strip.h"
#include "grpcpp/create_channel.h"
#include "grpcpp/security/credentials.h"
#include "grpcpp/support/channel_arguments.h"

namespace relief::testing {
namespace {

using Clock = std::chrono::steady_clock;

// Polling interval while waiting for a child process to reach a state (port
// file written, exited). It only bounds how late we notice; it never stands
// in for a condition.
constexpr auto kPollInterval = std::chrono::milliseconds(2);

absl::Status ErrnoError(absl::string_view what) {
  return absl::InternalError(absl::StrCat(what, ": ", std::strerror(errno)));
}

absl::StatusOr<std::string> ReadFile(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return absl::NotFoundError(absl::StrCat("cannot open ", path));
  std::stringstream buffer;
  buffer << in.rdbuf();
  return buffer.str();
}

std::vector<char*> MakeArgv(std::vector<std::string>& args) {
  std::vector<char*> argv;
  argv.reserve(args.size() + 1);
  for (std::string& arg : args) argv.push_back(arg.data());
  argv.push_back(nullptr);
  return argv;
}

std::string DescribeWaitStatus(int wait_status) {
  if (WIFEXITED(wait_status)) {
    return absl::StrCat("exit status ", WEXITSTATUS(wait_status));
  }
  if (WIFSIGNALED(wait_status)) {
    return absl::StrCat("signal ", WTERMSIG(wait_status));
  }
  return absl::StrCat("wait status ", wait_status);
}

// With $RELIEF_HARNESS_TRACE set, lifecycle steps and their durations go to
// stderr (to see where a slow test spends its time).
void Trace(const std::string& what, Clock::time_point since) {
  static const bool enabled = std::getenv("RELIEF_HARNESS_TRACE") != nullptr;
  if (!enabled) return;
  std::fprintf(stderr, "[harness] %s in %lld ms\n", what.c_str(),
               static_cast<long long>(
                   std::chrono::duration_cast<std::chrono::milliseconds>(
                       Clock::now() - since)
                       .count()));
}

}  // namespace

std::string DefaultReliefdPath() {
  if (const char* env = std::getenv("RELIEFD"); env != nullptr && *env) {
    return env;
  }
#ifdef RELIEFD_PATH
  return RELIEFD_PATH;
#else
  return "";
#endif
}

std::shared_ptr<grpc::Channel> MakeChannel(const std::string& address,
                                           int index) {
  grpc::ChannelArguments args;
  args.SetInt("relief.channel_index", index);
  args.SetInt(GRPC_ARG_USE_LOCAL_SUBCHANNEL_POOL, 1);
  args.SetMaxReceiveMessageSize(64 * 1024 * 1024);
  args.SetMaxSendMessageSize(64 * 1024 * 1024);
  return grpc::CreateCustomChannel(address, grpc::InsecureChannelCredentials(),
                                   args);
}

ReliefdProcess::ReliefdProcess(ReliefdOptions options)
    : options_(std::move(options)) {
  std::string pattern = options_.temp_parent + "/relief-test-XXXXXX";
  if (mkdtemp(pattern.data()) == nullptr) {
    std::perror(("mkdtemp " + pattern).c_str());
    std::abort();
  }
  root_dir_ = pattern;
  data_dir_ = root_dir_ + "/data";
  port_file_ = root_dir_ + "/port";
  log_path_ = root_dir_ + "/reliefd.log";
  if (mkdir(data_dir_.c_str(), 0700) != 0) {
    std::perror("mkdir data dir");
    std::abort();
  }
}

ReliefdProcess::~ReliefdProcess() {
  if (running()) (void)Kill();
  channel_.reset();
  std::error_code ignored;
  if (std::getenv("RELIEF_KEEP_TEST_DIRS") == nullptr) {
    std::filesystem::remove_all(root_dir_, ignored);
  }
}

std::string ReliefdProcess::address() const {
  return absl::StrCat("127.0.0.1:", port_);
}

absl::Status ReliefdProcess::Start() {
  if (running()) return absl::FailedPreconditionError("already running");
  if (options_.reliefd_path.empty()) {
    return absl::FailedPreconditionError(
        "no reliefd binary: set $RELIEFD or build with RELIEFD_PATH");
  }
  if (access(options_.reliefd_path.c_str(), X_OK) != 0) {
    return absl::FailedPreconditionError(
        absl::StrCat("reliefd binary ", options_.reliefd_path,
                     " is not executable (build the reliefd target, or set "
                     "$RELIEFD): ", std::strerror(errno)));
  }
  const auto started = Clock::now();
  std::error_code ignored;
  std::filesystem::remove(port_file_, ignored);
  channel_.reset();
  port_ = 0;

  std::vector<std::string> args = {options_.reliefd_path,
                                   "--data-dir",
                                   data_dir_,
                                   "--listen",
                                   "127.0.0.1:0",
                                   "--port-file",
                                   port_file_};
  if (options_.config_file_only) {
    args = {options_.reliefd_path, "--config", config_path()};
  }
  if (options_.snapshot_every > 0) {
    args.push_back("--snapshot-every");
    args.push_back(absl::StrCat(options_.snapshot_every));
  }
  for (const std::string& arg : options_.extra_args) args.push_back(arg);
  std::vector<char*> argv = MakeArgv(args);

  int log_fd = open(log_path_.c_str(),
                    O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0600);
  if (log_fd < 0) return ErrnoError("open server log");
  {
    std::string banner = "==== start:";
    for (const std::string& arg : args) absl::StrAppend(&banner, " ", arg);
    banner += "\n";
    (void)!write(log_fd, banner.data(), banner.size());
  }
  const pid_t parent = getpid();
  const pid_t pid = fork();
  if (pid < 0) {
    close(log_fd);
    return ErrnoError("fork");
  }
  if (pid == 0) {
    // Child: only async-signal-safe calls until exec.
    prctl(PR_SET_PDEATHSIG, SIGKILL);
    if (getppid() != parent) _exit(127);
    int null_fd = open("/dev/null", O_RDONLY);
    if (null_fd >= 0) dup2(null_fd, STDIN_FILENO);
    dup2(log_fd, STDOUT_FILENO);
    dup2(log_fd, STDERR_FILENO);
    execv(argv[0], argv.data());
    _exit(127);
  }
  close(log_fd);
  pid_ = pid;

  const auto deadline = Clock::now() + options_.start_timeout;
  while (true) {
    int wait_status = 0;
    pid_t done = waitpid(pid_, &wait_status, WNOHANG);
    if (done == pid_) {
      pid_ = -1;
      return absl::InternalError(
          absl::StrCat("reliefd exited before it was ready (",
                       DescribeWaitStatus(wait_status), "); log:\n", LogTail()));
    }
    absl::StatusOr<std::string> content = ReadFile(port_file_);
    if (content.ok() && !content->empty() && content->back() == '\n') {
      absl::string_view text = absl::StripAsciiWhitespace(*content);
      int port = 0;
      for (char c : text) {
        if (c < '0' || c > '9') {
          port = -1;
          break;
        }
        port = port * 10 + (c - '0');
        if (port > 65535) break;
      }
      if (port <= 0 || port > 65535) {
        (void)Kill();
        return absl::InternalError(
            absl::StrCat("bad port file content '", *content, "'"));
      }
      port_ = port;
      break;
    }
    if (Clock::now() > deadline) {
      (void)Kill();
      return absl::DeadlineExceededError(
          absl::StrCat("reliefd not ready within ",
                       options_.start_timeout.count(), " ms; log:\n",
                       LogTail()));
    }
    std::this_thread::sleep_for(kPollInterval);
  }

  const std::string token_path = data_dir_ + "/admin.token";
  absl::StatusOr<std::string> token = ReadFile(token_path);
  if (!token.ok()) {
    (void)Kill();
    return absl::InternalError(
        absl::StrCat("server ready but no ", token_path));
  }
  admin_token_ = std::string(absl::StripAsciiWhitespace(*token));
  if (admin_token_.empty()) {
    (void)Kill();
    return absl::InternalError(absl::StrCat(token_path, " is empty"));
  }
  struct stat token_stat;
  if (stat(token_path.c_str(), &token_stat) == 0 &&
      (token_stat.st_mode & 0077) != 0) {
    (void)Kill();
    return absl::InternalError(absl::StrCat(
        token_path, " is readable by others: mode ",
        absl::StrCat(token_stat.st_mode & 0777)));
  }
  channel_ = MakeChannel(address());
  Trace(absl::StrCat("reliefd ready on port ", port_), started);
  return absl::OkStatus();
}

absl::Status ReliefdProcess::WaitForExit(std::chrono::milliseconds timeout,
                                         int* wait_status) {
  const auto deadline = Clock::now() + timeout;
  while (true) {
    pid_t done = waitpid(pid_, wait_status, WNOHANG);
    if (done == pid_) {
      pid_ = -1;
      channel_.reset();
      return absl::OkStatus();
    }
    if (done < 0 && errno != EINTR) {
      pid_ = -1;
      channel_.reset();
      return ErrnoError("waitpid");
    }
    if (Clock::now() > deadline) {
      return absl::DeadlineExceededError(
          absl::StrCat("reliefd did not exit within ", timeout.count(), " ms"));
    }
    std::this_thread::sleep_for(kPollInterval);
  }
}

absl::Status ReliefdProcess::Stop() {
  if (!running()) return absl::FailedPreconditionError("not running");
  const auto started = Clock::now();
  channel_.reset();
  if (kill(pid_, SIGTERM) != 0) return ErrnoError("kill(SIGTERM)");
  int wait_status = 0;
  absl::Status waited = WaitForExit(options_.stop_timeout, &wait_status);
  Trace("reliefd stopped (SIGTERM)", started);
  if (!waited.ok()) {
    (void)Kill();
    return absl::DeadlineExceededError(absl::StrCat(
        waited.message(), " after SIGTERM; killed. Log:\n", LogTail()));
  }
  if (!WIFEXITED(wait_status) || WEXITSTATUS(wait_status) != 0) {
    return absl::InternalError(
        absl::StrCat("reliefd stopped with ", DescribeWaitStatus(wait_status),
                     " after SIGTERM; log:\n", LogTail()));
  }
  return absl::OkStatus();
}

absl::Status ReliefdProcess::Kill() {
  if (!running()) return absl::FailedPreconditionError("not running");
  const auto started = Clock::now();
  if (kill(pid_, SIGKILL) != 0) return ErrnoError("kill(SIGKILL)");
  int wait_status = 0;
  absl::Status waited = WaitForExit(options_.stop_timeout, &wait_status);
  Trace("reliefd killed (SIGKILL)", started);
  return waited;
}

absl::Status ReliefdProcess::Restart() {
  if (absl::Status stopped = Stop(); !stopped.ok()) return stopped;
  return Start();
}

std::string ReliefdProcess::LogTail(size_t max_lines) const {
  std::ifstream in(log_path_);
  std::deque<std::string> lines;
  std::string line;
  while (std::getline(in, line)) {
    lines.push_back(line);
    if (lines.size() > max_lines) lines.pop_front();
  }
  std::string tail;
  for (const std::string& kept : lines) absl::StrAppend(&tail, kept, "\n");
  return tail;
}

absl::StatusOr<CommandOutput> RunCommand(const std::vector<std::string>& argv_in,
                                         std::chrono::milliseconds timeout) {
  if (argv_in.empty() || argv_in[0].empty()) {
    return absl::InvalidArgumentError("no program to run");
  }
  std::vector<std::string> args = argv_in;
  std::vector<char*> argv = MakeArgv(args);
  int fds[2];
  if (pipe2(fds, O_CLOEXEC) != 0) return ErrnoError("pipe2");
  const pid_t parent = getpid();
  const pid_t pid = fork();
  if (pid < 0) {
    close(fds[0]);
    close(fds[1]);
    return ErrnoError("fork");
  }
  if (pid == 0) {
    prctl(PR_SET_PDEATHSIG, SIGKILL);
    if (getppid() != parent) _exit(127);
    int null_fd = open("/dev/null", O_RDONLY);
    if (null_fd >= 0) dup2(null_fd, STDIN_FILENO);
    dup2(fds[1], STDOUT_FILENO);
    dup2(fds[1], STDERR_FILENO);
    execv(argv[0], argv.data());
    _exit(127);
  }
  close(fds[1]);
  CommandOutput result;
  const auto deadline = Clock::now() + timeout;
  bool timed_out = false;
  while (true) {
    auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
        deadline - Clock::now());
    if (left.count() <= 0) {
      timed_out = true;
      break;
    }
    pollfd pfd{fds[0], POLLIN, 0};
    int ready = poll(&pfd, 1, static_cast<int>(left.count()));
    if (ready < 0 && errno == EINTR) continue;
    if (ready <= 0) continue;
    char buffer[4096];
    ssize_t n = read(fds[0], buffer, sizeof buffer);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) break;
    result.output.append(buffer, static_cast<size_t>(n));
  }
  close(fds[0]);
  if (timed_out) kill(pid, SIGKILL);
  int wait_status = 0;
  while (waitpid(pid, &wait_status, 0) < 0 && errno == EINTR) {
  }
  if (timed_out) {
    return absl::DeadlineExceededError(
        absl::StrCat(argv_in[0], " did not finish within ", timeout.count(),
                     " ms; output:\n", result.output));
  }
  result.exit_code = WIFEXITED(wait_status) ? WEXITSTATUS(wait_status) : -1;
  return result;
}

absl::StatusOr<CommandOutput> RunVerify(const std::string& data_dir,
                                        const std::string& reliefd_path) {
  return RunCommand({reliefd_path, "verify", "--data-dir", data_dir});
}

}  // namespace relief::testing
