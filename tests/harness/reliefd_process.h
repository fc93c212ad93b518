// ReliefdProcess: a real reliefd, started as a child process on loopback, for
// end-to-end tests and the benchmark.
//
// The process owns a fresh temp directory (mkdtemp under /tmp, or under
// ReliefdOptions::temp_parent):
//
//   <root>/data          the server's --data-dir (admin.token lands here)
//   <root>/port          the --port-file the server writes when ready
//   <root>/reliefd.log   the server's stdout and stderr, appended per start
//
// Start() launches `reliefd --data-dir <root>/data --listen 127.0.0.1:0
// --port-file <root>/port [--snapshot-every N]`, waits (bounded) until the
// port file appears, reads the admin token and makes a channel. Every start
// binds a new ephemeral port, so channel() changes across restarts: take it
// afresh after Start().
//
// Stop() is SIGTERM + wait (graceful: the server writes a snapshot); Kill()
// is SIGKILL + wait (a crash). The destructor kills a running server and
// removes the temp directory. The child also gets SIGKILL if the test process
// dies first (PR_SET_PDEATHSIG), so no server outlives its test.
//
// Thread-safety: none; one thread drives the lifecycle. channel() may be used
// from many threads between Start() and Stop()/Kill().
#ifndef RELIEF_TESTS_HARNESS_RELIEFD_PROCESS_H_
#define RELIEF_TESTS_HARNESS_RELIEFD_PROCESS_H_

#include <sys/types.h>

#include <chrono>
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "grpcpp/channel.h"

namespace relief::testing {

// The reliefd binary: $RELIEFD if set, else the path compiled in
// (RELIEFD_PATH), else empty.
std::string DefaultReliefdPath();

struct ReliefdOptions {
  std::string reliefd_path = DefaultReliefdPath();
  // Where the temp directory is made (the data dir's file system matters
  // for fsync-bound benchmarks).
  std::string temp_parent = "/tmp";
  // 0: do not pass --snapshot-every (server default).
  uint64_t snapshot_every = 0;
  std::vector<std::string> extra_args;
  // Start() passes only `--config <root>/reliefd.toml` and extra_args: the
  // test writes that file (config_path()), naming data_dir(), port_file()
  // and a loopback listen address.
  bool config_file_only = false;
  // Bound on waiting for the port file, and for exit after SIGTERM.
  std::chrono::milliseconds start_timeout{30000};
  std::chrono::milliseconds stop_timeout{30000};
};

// A channel to `address` that is its own connection: distinct channel args
// (`index`) and a local subchannel pool keep channels from sharing one.
std::shared_ptr<grpc::Channel> MakeChannel(const std::string& address,
                                           int index = 0);

class ReliefdProcess {
 public:
  // Creates the temp directory; does not start the server.
  explicit ReliefdProcess(ReliefdOptions options = {});
  ~ReliefdProcess();
  ReliefdProcess(const ReliefdProcess&) = delete;
  ReliefdProcess& operator=(const ReliefdProcess&) = delete;

  // REQUIRES: not running.
  absl::Status Start();
  // SIGTERM, then waits for exit; fails if the server does not exit cleanly
  // (status 0) within stop_timeout (it is then killed).
  absl::Status Stop();
  // SIGKILL, then waits for exit.
  absl::Status Kill();
  // Stop() then Start() on the same data dir.
  absl::Status Restart();

  bool running() const { return pid_ > 0; }
  const std::string& reliefd_path() const { return options_.reliefd_path; }
  const std::string& root_dir() const { return root_dir_; }
  const std::string& data_dir() const { return data_dir_; }
  const std::string& log_path() const { return log_path_; }
  const std::string& port_file() const { return port_file_; }
  std::string config_path() const { return root_dir_ + "/reliefd.toml"; }
  int port() const { return port_; }
  std::string address() const;
  const std::string& admin_token() const { return admin_token_; }
  // REQUIRES: running.
  std::shared_ptr<grpc::Channel> channel() const { return channel_; }
  // The last `max_lines` lines of the server log (for failure messages).
  std::string LogTail(size_t max_lines = 40) const;

 private:
  absl::Status WaitForExit(std::chrono::milliseconds timeout, int* wait_status);

  ReliefdOptions options_;
  std::string root_dir_;
  std::string data_dir_;
  std::string port_file_;
  std::string log_path_;
  pid_t pid_ = -1;
  int port_ = 0;
  std::string admin_token_;
  std::shared_ptr<grpc::Channel> channel_;
};

// Output and exit code of a finished command.
struct CommandOutput {
  int exit_code = -1;  // -1 when killed by a signal
  std::string output;  // stdout and stderr, interleaved
};

// Runs `argv` (argv[0] is the program path) to completion, capturing its
// output; bounded by `timeout` (the child is then killed and an error
// returned).
absl::StatusOr<CommandOutput> RunCommand(
    const std::vector<std::string>& argv,
    std::chrono::milliseconds timeout = std::chrono::milliseconds(60000));

// Runs `reliefd verify --data-dir <data_dir>`.
absl::StatusOr<CommandOutput> RunVerify(const std::string& data_dir,
                                        const std::string& reliefd_path =
                                            DefaultReliefdPath());

}  // namespace relief::testing

#endif  // RELIEF_TESTS_HARNESS_RELIEFD_PROCESS_H_
