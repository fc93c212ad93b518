// The reliefctl command line: global options, subcommands, exit codes.
#ifndef RELIEF_CLIENTS_RELIEFCTL_CLI_H_
#define RELIEF_CLIENTS_RELIEFCTL_CLI_H_

#include <ostream>

namespace reliefctl {

// Runs reliefctl with argv (argv[0] is the program name), printing to `out`
// and `err`; returns the process exit code (names.h). Reads RELIEF_SERVER and
// RELIEF_TOKEN from the environment.
int RunReliefctl(int argc, const char* const* argv, std::ostream& out,
                 std::ostream& err);

}  // namespace reliefctl

#endif  // RELIEF_CLIENTS_RELIEFCTL_CLI_H_
