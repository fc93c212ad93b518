#include "ledger/server/reliefd_config.h"

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <fstream>

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"

namespace relief {
namespace {

constexpr char kMasked[] = "\"********\"";

bool IsKeyCharacter(char c) {
  return absl::ascii_isalnum(static_cast<unsigned char>(c)) || c == '-' ||
         c == '_';
}

// The CLI11 option for `key` at the top level of `app`, or null.
const CLI::Option* FindOption(const CLI::App& app, const std::string& key) {
  for (const CLI::Option* option : app.get_options()) {
    for (const std::string& name : option->get_lnames()) {
      if (name == key) return option;
    }
  }
  return nullptr;
}

bool IsFlag(const CLI::Option& option) {
  return option.get_expected_min() == 0;
}

// "UINT:INT in [1 - 100]" -> "UINT".
std::string BaseType(const CLI::Option& option) {
  std::string type = option.get_type_name();
  size_t end = type.find_first_of(": ");
  return type.substr(0, end);
}

bool IsWholeNumberType(const std::string& type) {
  return type == "INT" || type == "UINT";
}
bool IsNumberType(const std::string& type) {
  return IsWholeNumberType(type) || type == "FLOAT" || type == "NUMBER";
}

bool Listed(const CLI::Option& option) {
  if (!option.get_configurable() || option.get_lnames().empty()) return false;
  const std::string& name = option.get_lnames().front();
  return name != "help" && name != "help-all";
}

std::string KnownKeys(const CLI::App& app) {
  std::vector<std::string> keys;
  for (const CLI::Option* option : app.get_options()) {
    if (Listed(*option)) keys.push_back(option->get_lnames().front());
  }
  return absl::StrJoin(keys, ", ");
}

// Checks every line of the config file against the options of `app` and
// records on which line each key is. Catches what CLI11 would misread or
// report without a line: sections, duplicate keys, unknown keys, a value of
// the wrong type, a '#' inside a value.
absl::Status ScanConfigFile(const CLI::App& app, const std::string& path,
                            CommandLineSources* sources) {
  std::ifstream in(path);
  if (!in) {
    return absl::InvalidArgumentError(absl::StrCat(
        "cannot read the config file ", path, ": ", std::strerror(errno)));
  }
  std::string raw;
  int line_number = 0;
  while (std::getline(in, raw)) {
    ++line_number;
    const std::string where = absl::StrCat(path, ":", line_number, ": ");
    std::string line(absl::StripAsciiWhitespace(raw));
    if (line.empty() || line[0] == '#' || line[0] == ';') continue;
    if (line[0] == '[') {
      return absl::InvalidArgumentError(absl::StrCat(
          where, "sections (", line,
          ") are not used: write every key at the top level of the file"));
    }
    const size_t equals = line.find('=');
    if (equals == std::string::npos) {
      return absl::InvalidArgumentError(absl::StrCat(
          where, "expected `key = value`, found \"", line, "\""));
    }
    std::string key(absl::StripAsciiWhitespace(line.substr(0, equals)));
    if (key.size() >= 2 && (key.front() == '"' || key.front() == '\'') &&
        key.back() == key.front()) {
      key = key.substr(1, key.size() - 2);
    }
    if (key.empty() || !std::all_of(key.begin(), key.end(), IsKeyCharacter)) {
      return absl::InvalidArgumentError(
          absl::StrCat(where, "\"", key, "\" is not a key"));
    }
    const bool secret = IsSecretKey(key);
    const CLI::Option* option = FindOption(app, key);
    if (option == nullptr || !Listed(*option)) {
      if (option != nullptr && !option->get_configurable()) {
        return absl::InvalidArgumentError(absl::StrCat(
            where, key, " cannot be set in a config file, only as a flag"));
      }
      return absl::InvalidArgumentError(absl::StrCat(
          where, "unknown key \"", key,
          "\"; the keys are the flags of reliefd without their dashes: ",
          KnownKeys(app)));
    }
    if (auto it = sources->file_lines.find(key);
        it != sources->file_lines.end()) {
      return absl::InvalidArgumentError(absl::StrCat(
          where, key, " is already set on line ", it->second));
    }

    // The value, without its quotes and trailing comment.
    std::string value(absl::StripAsciiWhitespace(line.substr(equals + 1)));
    const std::string shown = secret ? "(not shown: a secret)" : value;
    bool quoted = false;
    if (!value.empty() && (value[0] == '"' || value[0] == '\'')) {
      const size_t close = value.find(value[0], 1);
      if (close == std::string::npos) {
        return absl::InvalidArgumentError(absl::StrCat(
            where, key, " = ", shown, ": the closing ", value.substr(0, 1),
            " is missing"));
      }
      std::string rest(absl::StripAsciiWhitespace(value.substr(close + 1)));
      if (!rest.empty() && rest[0] != '#') {
        return absl::InvalidArgumentError(absl::StrCat(
            where, key, ": unexpected text after the closing quote"));
      }
      value = value.substr(1, close - 1);
      quoted = true;
    } else if (size_t hash = value.find('#'); hash != std::string::npos) {
      value = std::string(absl::StripAsciiWhitespace(value.substr(0, hash)));
    }
    if (value.find('#') != std::string::npos) {
      return absl::InvalidArgumentError(absl::StrCat(
          where, key,
          ": a '#' inside a value is not supported (it starts a comment)"));
    }
    if (value.empty() && !quoted) {
      return absl::InvalidArgumentError(
          absl::StrCat(where, key, " has no value"));
    }
    const std::string type = BaseType(*option);
    if (IsFlag(*option)) {
      if (quoted || (value != "true" && value != "false")) {
        return absl::InvalidArgumentError(absl::StrCat(
            where, key, " = ", shown, ": expected true or false"));
      }
    } else if (IsWholeNumberType(type)) {
      int64_t signed_number;
      uint64_t unsigned_number;
      if (!absl::SimpleAtoi(value, &signed_number) &&
          !absl::SimpleAtoi(value, &unsigned_number)) {
        return absl::InvalidArgumentError(absl::StrCat(
            where, key, " = ", shown, ": expected a whole number"));
      }
    } else if (IsNumberType(type)) {
      double number;
      if (!absl::SimpleAtod(value, &number)) {
        return absl::InvalidArgumentError(absl::StrCat(
            where, key, " = ", shown, ": expected a number"));
      }
    }
    sources->file_lines[key] = line_number;
  }
  return absl::OkStatus();
}

// Scans argv for --config and for the keys given as flags, up to the first
// subcommand.
void ScanArguments(const CLI::App& app, int argc, const char* const* argv,
                   CommandLineSources* sources) {
  for (int i = 1; i < argc; ++i) {
    const std::string arg = argv[i];
    if (arg == "--") break;
    if (!absl::StartsWith(arg, "--")) {
      bool is_subcommand = false;
      for (const CLI::App* sub : app.get_subcommands({})) {
        is_subcommand |= sub->get_name() == arg;
      }
      if (is_subcommand) break;
      continue;
    }
    const size_t equals = arg.find('=');
    const std::string key = arg.substr(2, equals == std::string::npos
                                              ? std::string::npos
                                              : equals - 2);
    const CLI::Option* option = FindOption(app, key);
    std::string value;
    if (equals != std::string::npos) {
      value = arg.substr(equals + 1);
    } else if (option != nullptr && !IsFlag(*option) && i + 1 < argc) {
      value = argv[++i];
    }
    if (key == "config") {
      sources->config_path = value;
    } else {
      sources->flag_keys.insert(key);
    }
  }
}

// A value as TOML: numbers and booleans bare, text quoted.
std::string TomlValue(const CLI::Option& option, const std::string& value) {
  if (IsNumberType(BaseType(option))) {
    double number;
    if (absl::SimpleAtod(value, &number)) return value;
  }
  const char quote = value.find('"') == std::string::npos ? '"' : '\'';
  return absl::StrCat(std::string(1, quote), value, std::string(1, quote));
}

}  // namespace

bool IsSecretKey(absl::string_view key) {
  const std::string lower = absl::AsciiStrToLower(key);
  for (absl::string_view word :
       {"token", "secret", "password", "passphrase", "credential"}) {
    if (absl::StrContains(lower, word)) return true;
  }
  return false;
}

void AddConfigFileOptions(CLI::App& app, bool* print_config) {
  app.set_config("--config", "",
                 "read options from this file (TOML: `key = value`, the key "
                 "being a flag without its dashes); flags given here "
                 "override it")
      ->check(CLI::ExistingFile);
  app.allow_config_extras(false);
  app.add_flag("--print-config", *print_config,
               "check the configuration (flags, --config file, the files it "
               "names), print the effective configuration and exit: 0 if "
               "valid, 2 if not")
      ->configurable(false);
}

absl::StatusOr<CommandLineSources> ParseCommandLineAndConfig(
    CLI::App& app, int argc, const char* const* argv) {
  CommandLineSources sources;
  ScanArguments(app, argc, argv, &sources);
  if (!sources.config_path.empty()) {
    if (auto s = ScanConfigFile(app, sources.config_path, &sources); !s.ok()) {
      return s;
    }
  }
  try {
    app.parse(argc, argv);
  } catch (const CLI::CallForHelp&) {
    throw;
  } catch (const CLI::CallForAllHelp&) {
    throw;
  } catch (const CLI::CallForVersion&) {
    throw;
  } catch (const CLI::ParseError& e) {
    return absl::InvalidArgumentError(AttributeError(e.what(), sources));
  }
  return sources;
}

std::string AttributeError(absl::string_view message,
                           const CommandLineSources& sources) {
  // The options the message names, as --key: the first that came from the
  // file gets its line; a secret one hides the whole message.
  std::string attributed;
  for (size_t at = message.find("--"); at != absl::string_view::npos;
       at = message.find("--", at + 2)) {
    size_t end = at + 2;
    while (end < message.size() && IsKeyCharacter(message[end])) ++end;
    const std::string key(message.substr(at + 2, end - at - 2));
    if (key.empty()) continue;
    const bool from_file = sources.file_lines.count(key) > 0 &&
                           sources.flag_keys.count(key) == 0;
    const std::string where =
        from_file ? absl::StrCat(sources.config_path, ":",
                                 sources.file_lines.at(key), ": ")
                  : "";
    if (IsSecretKey(key)) {
      return absl::StrCat(where, from_file ? key : "--" + key,
                          ": the value is not valid (not shown: it is a "
                          "secret)");
    }
    if (from_file && attributed.empty()) {
      attributed = absl::StrCat(where, message.substr(0, at), key,
                                message.substr(end));
    }
  }
  return attributed.empty() ? std::string(message) : attributed;
}

std::vector<ConfigEntry> EffectiveConfig(const CLI::App& app,
                                         const CommandLineSources& sources) {
  std::vector<ConfigEntry> entries;
  for (const CLI::Option* option : app.get_options()) {
    if (!Listed(*option)) continue;
    ConfigEntry& entry = entries.emplace_back();
    entry.key = option->get_lnames().front();
    if (option->count() == 0) {
      entry.origin = "default";
    } else if (sources.flag_keys.count(entry.key) > 0 ||
               sources.file_lines.count(entry.key) == 0) {
      entry.origin = "flag";
    } else {
      entry.origin = "file";
    }
    if (IsFlag(*option)) {
      entry.value =
          option->count() > 0 && option->as<bool>() ? "true" : "false";
      continue;
    }
    std::vector<std::string> values;
    if (option->count() > 0) {
      values = option->results();
    } else {
      values.push_back(option->get_default_str());
    }
    std::vector<std::string> shown;
    for (const std::string& value : values) {
      shown.push_back(TomlValue(*option, value));
    }
    entry.value = shown.size() == 1
                      ? shown.front()
                      : absl::StrCat("[", absl::StrJoin(shown, ", "), "]");
    if (IsSecretKey(entry.key) && entry.value != "\"\"") entry.value = kMasked;
  }
  return entries;
}

std::string FormatConfig(const std::vector<ConfigEntry>& entries,
                         const CommandLineSources& sources) {
  std::string out = absl::StrCat(
      "# reliefd effective configuration. Flags override ",
      sources.config_path.empty() ? "the config file (none given)"
                                  : "the config file " + sources.config_path,
      ",\n# which overrides the defaults; secrets are masked.\n");
  size_t width = 0;
  for (const ConfigEntry& e : entries) {
    width = std::max(width, e.key.size() + 3 + e.value.size());
  }
  for (const ConfigEntry& e : entries) {
    std::string line = absl::StrCat(e.key, " = ", e.value);
    line.resize(std::max(line.size(), width), ' ');
    absl::StrAppend(&out, line, "  # ", e.origin, "\n");
  }
  return out;
}

}  // namespace relief
