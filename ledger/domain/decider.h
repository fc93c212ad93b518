// The decider: the ledger's rules as two pure functions.
//
//   Decide(state, command, context) -> events | rejection
//   Evolve(state, event, sequence)  -> state
//
// Neither does I/O nor reads a clock: the writer stamps the time and passes
// it in `context`, so replaying the log always rebuilds the same state.
// Decide never changes the state; Evolve never fails for an event Decide
// produced (a broken invariant aborts the process rather than corrupt money).
#ifndef RELIEF_LEDGER_DOMAIN_DECIDER_H_
#define RELIEF_LEDGER_DOMAIN_DECIDER_H_

#include <cstdint>
#include "absl/strings/string_view.h"
#include <vector>

#include "absl/status/status.h"
#include "ledger/domain/state.h"
#include "relief/v1/events.pb.h"
#include "relief/v1/ledger_service.pb.h"

namespace relief {

struct CommandContext {
  absl::string_view actor;        // principal name, or "system"
  int64_t now_unix_micros = 0;   // stamped by the writer
  // CreateToken only: SHA-256 of the token the service generated.
  absl::string_view issued_token_sha256;
  uint64_t last_sequence = 0;  // the log's last sequence before this command
  // DrawSample without a seed only: 32 random bytes the service drew. Not
  // part of the command, so a retry with the same request id is the same
  // command and gets the first result.
  absl::string_view drawn_seed = {};
};

// The client request id of a command ("" if no command is set).
absl::string_view RequestIdOf(const v1::Command& command);

// Stateless shape checks of a command (ids, codes, lengths, enums). Cheap;
// the service runs it before queueing, Decide runs it again.
absl::Status ValidateCommand(const v1::Command& command);

// Checks `command` against `state`; on success appends the events it causes
// to `*events` (at least one) and returns OK. On rejection appends nothing.
absl::Status Decide(const State& state, const v1::Command& command,
                    const CommandContext& context,
                    std::vector<v1::Event>* events);

// Applies one event recorded at `sequence`.
void Evolve(State& state, const v1::Event& event, uint64_t sequence);

// Aborts with a message if `condition` is false. Stays on in release builds:
// used for invariants whose breach would make the ledger wrong.
#define RELIEF_CHECK(condition, message) \
  ::relief::internal::Check((condition), #condition, (message), __FILE__, __LINE__)

namespace internal {
void Check(bool condition, const char* expression, absl::string_view message,
           const char* file, int line);
}  // namespace internal

}  // namespace relief

#endif  // RELIEF_LEDGER_DOMAIN_DECIDER_H_
