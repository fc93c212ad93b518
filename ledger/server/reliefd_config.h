// reliefd's configuration: the command line, the config file it names, and
// the effective configuration printed at start-up.
//
// Every option of reliefd is also a key of its config file: the key is the
// flag without its leading dashes (`--queue-capacity 100` is
// `queue-capacity = 100`). The file is the subset of TOML that CLI11 reads:
//
//   file    = { line }
//   line    = blank | "#" comment | key "=" value [ "#" comment ]
//   value   = '"' text '"' | "'" text "'" | number | "true" | "false"
//
// No sections, no '#' inside a value, one line per key. Flags given on the
// command line win over the file; the file wins over the built-in defaults.
// Options added to the CLI::App later (by anyone) are settable from the file
// and printed with no further work here.
//
// Secrets: a key whose name says it holds one (token, secret, password,
// passphrase, credential) has its value masked wherever it is printed,
// including in error messages. A path to a key file is not a secret and is
// printed; its contents never enter the configuration.
//
// Not thread-safe; used once, by main, before the server starts.
#ifndef RELIEF_LEDGER_SERVER_RELIEFD_CONFIG_H_
#define RELIEF_LEDGER_SERVER_RELIEFD_CONFIG_H_

#include <map>
#include <set>
#include <string>
#include <vector>

#include "CLI/CLI.hpp"
#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"

namespace relief {

// What the parse saw, to say where each value came from.
struct CommandLineSources {
  std::string config_path;                // "" without --config
  std::map<std::string, int> file_lines;  // key -> line in the config file
  std::set<std::string> flag_keys;        // keys given as flags
};

// Adds --config FILE (not itself settable in a file) and --print-config
// (bound to `print_config`) to `app`, and makes unknown keys in a file an
// error. Call it before adding the other options or after; either works.
// REQUIRES: `app.option_defaults()->always_capture_default()` was called
// before the options were added, so defaults can be printed.
void AddConfigFileOptions(CLI::App& app, bool* print_config);

// Parses `argv` and the config file it names into `app`. Errors are
// INVALID_ARGUMENT with a message a person can act on: for a problem in the
// file it starts "<file>:<line>: <key>". Help requests (--help, --help-all)
// are thrown as CLI11's CallForHelp / CallForAllHelp for the caller's
// app.exit().
absl::StatusOr<CommandLineSources> ParseCommandLineAndConfig(
    CLI::App& app, int argc, const char* const* argv);

// Adds "<file>:<line>: " to an error about an option that came from the
// config file (the message names it as --key); masks a secret's value.
std::string AttributeError(absl::string_view message,
                           const CommandLineSources& sources);

// True for a key whose value must never be printed.
bool IsSecretKey(absl::string_view key);

struct ConfigEntry {
  std::string key;
  std::string value;   // as TOML: "text", 123, true; masked if secret
  std::string origin;  // "default", "file" or "flag"
};

// Every settable option of `app` (not of its subcommands), in the order
// they were added, with its effective value. REQUIRES: after parsing.
std::vector<ConfigEntry> EffectiveConfig(const CLI::App& app,
                                         const CommandLineSources& sources);

// The entries as a valid config file: a header comment, then one
// `key = value  # origin` line each. Feeding it back with --config gives
// the same configuration (secrets aside: they print masked).
std::string FormatConfig(const std::vector<ConfigEntry>& entries,
                         const CommandLineSources& sources);

}  // namespace relief

#endif  // RELIEF_LEDGER_SERVER_RELIEFD_CONFIG_H_
