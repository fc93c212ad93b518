// audit sample draw | list | show | verify
//
// Spot-check samples (抽查): a committee member (role auditor) draws a
// reproducible random sample of posted grants; the server records it as an
// event. The grants are then read from the query service for the field
// visits, on screen or as a CSV file for Excel.
#include <algorithm>
#include <map>
#include <memory>
#include <set>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "clients/reliefctl/commands.h"
#include "clients/reliefctl/event_stream.h"
#include "clients/reliefctl/grant_views.h"
#include "clients/reliefctl/names.h"
#include "clients/reliefctl/output_file.h"
#include "clients/reliefctl/sample_views.h"
#include "clients/reliefctl/table.h"
#include "ledger/domain/grants.h"
#include "ledger/domain/samples.h"
#include "ledger/domain/validation.h"

namespace reliefctl {
namespace {

using relief::v1::Sample;

CLI::Validator ProgramCheck() {
  return CLI::Validator(
      [](std::string& value) -> std::string {
        const absl::Status valid = relief::ValidateProgramCode(value);
        return valid.ok() ? "" : std::string(valid.message());
      },
      "PROGRAM", "program code");
}

CLI::Validator SampleIdCheck() {
  return CLI::Validator(
      [](std::string& value) -> std::string {
        const absl::Status valid =
            relief::ValidateSequenceId("sample id", 's', value, "DrawSample");
        return valid.ok() ? "" : std::string(valid.message());
      },
      "ID", "sample id");
}

// GetSample, waiting for the read model to reach `min_sequence`.
int FetchSample(Session& session, const std::string& sample_id,
                uint64_t min_sequence, Sample* sample) {
  relief::v1::GetSampleRequest request;
  request.set_sample_id(sample_id);
  request.set_min_sequence(min_sequence);
  relief::v1::GetSampleResponse response;
  grpc::ClientContext context;
  session.Prepare(&context);
  const grpc::Status status =
      session.audit().GetSample(&context, request, &response);
  if (!status.ok()) return session.Fail(status, context);
  *sample = response.sample();
  return kExitOk;
}

// When the event at `sequence` was recorded (ListEvents); 0 if unknown.
int64_t RecordedAt(Session& session, uint64_t sequence) {
  if (sequence == 0) return 0;
  relief::v1::ListEventsRequest request;
  request.set_after_sequence(sequence - 1);
  request.set_page_size(1);
  relief::v1::ListEventsResponse response;
  grpc::ClientContext context;
  session.Prepare(&context);
  if (!session.audit().ListEvents(&context, request, &response).ok() ||
      response.events_size() == 0 ||
      response.events(0).sequence() != sequence) {
    return 0;
  }
  return response.events(0).recorded_at_unix_micros();
}

// The sampled grants with their details (GetGrant) and posting dates.
int FetchGrants(Session& session, const Sample& sample,
                std::vector<SampledGrant>* grants) {
  for (const std::string& id : sample.drawn().grant_ids()) {
    relief::v1::GetGrantRequest request;
    request.set_grant_id(id);
    request.set_min_sequence(sample.sequence());
    relief::v1::GetGrantResponse response;
    grpc::ClientContext context;
    session.Prepare(&context);
    const grpc::Status status =
        session.query().GetGrant(&context, request, &response);
    if (!status.ok()) return session.Fail(status, context);
    SampledGrant& g = grants->emplace_back();
    g.grant = response.grant();
    g.posted_at_unix_micros =
        RecordedAt(session, response.grant().resolved_sequence());
  }
  return kExitOk;
}

// Prints the sample and its grants; writes the CSV if asked.
int ShowSample(Session& session, const Sample& sample,
               const std::string& csv_path) {
  std::vector<SampledGrant> grants;
  if (const int code = FetchGrants(session, sample, &grants); code != kExitOk) {
    return code;
  }
  if (!csv_path.empty()) {
    if (absl::Status s =
            WriteWholeFile(csv_path, RenderSampleCsv(sample, grants));
        !s.ok()) {
      session.err() << "error: " << s.message() << '\n';
      return kExitLocal;
    }
  }
  if (session.json()) return session.PrintJson(sample);
  session.out() << RenderSampleRecord(sample) << '\n'
                << RenderSampleGrants(grants);
  if (!csv_path.empty()) {
    session.out() << "wrote " << grants.size() << " grant(s) of sample "
                  << sample.drawn().sample_id() << " to " << csv_path
                  << " (UTF-8 CSV with BOM, for Excel)\n";
  }
  return kExitOk;
}

int RunDraw(Session& session, relief::v1::DrawSampleRequest request,
            const std::string& given_request_id, const std::string& csv_path) {
  relief::v1::DrawSampleResponse response;
  const int code = SendCommand(
      session, request, given_request_id,
      [&session](grpc::ClientContext* context, const auto& r, auto* out) {
        return session.ledger().DrawSample(context, r, out);
      },
      &response);
  if (code != kExitOk) return code;
  if (!session.json()) {
    PrintCommandResult(
        session,
        absl::StrCat("drew spot-check sample 抽查样本 ", response.sample_id(),
                     response.result().replayed()
                         ? " (the same request was sent before: this is its "
                           "sample)"
                         : ""),
        response.result(), request.request_id(),
        {{"sample id", response.sample_id()}});
    session.out() << '\n';
  }
  Sample sample;
  if (const int fetched = FetchSample(session, response.sample_id(),
                                      response.result().first_sequence(),
                                      &sample);
      fetched != kExitOk) {
    return fetched;
  }
  return ShowSample(session, sample, csv_path);
}

int RunList(Session& session) {
  std::vector<Sample> samples;
  uint64_t as_of = 0;
  const int code = FollowPages<relief::v1::ListSamplesResponse>(
      session,
      [&session](grpc::ClientContext* context, const std::string& token,
                 relief::v1::ListSamplesResponse* response) {
        relief::v1::ListSamplesRequest request;
        request.set_page_size(1000);
        request.set_page_token(token);
        return session.audit().ListSamples(context, request, response);
      },
      [&](relief::v1::ListSamplesResponse& response) {
        if (as_of == 0) as_of = response.as_of_sequence();
        for (Sample& s : *response.mutable_samples()) {
          samples.push_back(std::move(s));
        }
      });
  if (code != kExitOk) return code;
  if (session.json()) {
    for (const Sample& s : samples) {
      if (const int c = session.PrintJson(s); c != kExitOk) return c;
    }
    return kExitOk;
  }
  session.out() << RenderSampleList(samples, as_of);
  return kExitOk;
}

int RunShow(Session& session, const std::string& id, uint64_t min_sequence,
            const std::string& csv_path) {
  Sample sample;
  if (const int code = FetchSample(session, id, min_sequence, &sample);
      code != kExitOk) {
    return code;
  }
  return ShowSample(session, sample, csv_path);
}

// Grant order: "g" + a sequence.
bool GrantOrder(const std::string& a, const std::string& b) {
  return a.size() != b.size() ? a.size() < b.size() : a < b;
}

// Recomputes the sample from the log alone: the population from the
// grant_proposed and grant_posted events up to population_sequence, then
// the documented algorithm with the recorded seed.
int RunVerify(Session& session, const std::string& id) {
  Sample sample;
  if (const int code = FetchSample(session, id, 0, &sample); code != kExitOk) {
    return code;
  }
  const relief::v1::SampleDrawn& d = sample.drawn();
  std::set<std::string> matching;  // proposed, in scope
  std::vector<std::string> population;
  const std::string below = absl::StrCat(d.unit_code(), ".");
  if (d.population_sequence() > 0) {
    relief::v1::ReadEventsRequest request;
    request.set_from_sequence(1);
    request.set_to_sequence(d.population_sequence());
    request.mutable_filter()->add_event_types("grant_proposed");
    request.mutable_filter()->add_event_types("grant_posted");
    const int code = ReadEventRange(
        session, request, session.TimeoutOr(3600),
        [&](const relief::v1::EventEnvelope& envelope) {
          const relief::v1::Event& e = envelope.event();
          if (e.has_grant_proposed()) {
            const auto& g = e.grant_proposed();
            const bool in_scope =
                g.unit_code() == d.unit_code() ||
                (d.subtree() && g.unit_code().rfind(below, 0) == 0);
            if (in_scope && g.program() == d.program() &&
                g.year() == d.year()) {
              matching.insert(g.grant_id());
            }
          } else if (e.has_grant_posted() &&
                     matching.count(e.grant_posted().grant_id()) > 0) {
            population.push_back(e.grant_posted().grant_id());
          }
          return kExitOk;
        });
    if (code != kExitOk) return code;
  }
  std::sort(population.begin(), population.end(), GrantOrder);
  const std::vector<std::string> recomputed = relief::OrderSample(
      d.seed(), population,
      relief::SampleSize(population.size(), d.percent_bp()));
  const std::vector<std::string> recorded(d.grant_ids().begin(),
                                          d.grant_ids().end());
  const bool population_ok =
      population.size() == d.population_size() &&
      relief::PopulationSha256(population) == d.population_sha256();
  const bool sample_ok = recomputed == recorded;
  KeyValues lines;
  lines.Add("sample 抽查编号", d.sample_id());
  lines.Add("population 总体",
            absl::StrCat(population.size(), " posted grant(s) recomputed from "
                         "sequences 1..", d.population_sequence(), "; recorded ",
                         d.population_size(),
                         population_ok ? ": match 一致" : ": DIFFERENT 不一致"));
  lines.Add("sample 样本",
            absl::StrCat(recomputed.size(), " grant(s) recomputed from the seed",
                         sample_ok ? ": identical to the record 一致"
                                   : ": DIFFERENT from the record 不一致"));
  if (!sample_ok) {
    lines.Add("recomputed", absl::StrJoin(recomputed, " "));
    lines.Add("recorded", absl::StrJoin(recorded, " "));
  }
  if (session.json()) {
    session.out() << "{\"sample_id\":\"" << d.sample_id()
                  << "\",\"population_ok\":" << (population_ok ? "true" : "false")
                  << ",\"sample_ok\":" << (sample_ok ? "true" : "false")
                  << "}\n";
  } else {
    session.out() << lines.Render();
  }
  return population_ok && sample_ok ? kExitOk : kExitChainBroken;
}

}  // namespace

void AddSampleCommands(CLI::App& app, Action* selected) {
  CLI::App* audit = app.add_subcommand(
      "audit", "Audit work of the funds-audit committee (经审会)");
  audit->require_subcommand(1);
  CLI::App* sample = audit->add_subcommand(
      "sample", "Spot-check samples (抽查样本) of posted grants");
  sample->require_subcommand(1);
  {
    struct State {
      std::string unit, program, percent, seed, purpose, csv, request_id;
      bool subtree = false;
      int year = 0;
    };
    auto state = std::make_shared<State>();
    CLI::App* draw = sample->add_subcommand(
        "draw",
        "Draw a reproducible random sample of the posted grants (已发放) of a "
        "unit, program and year, recorded in the log as a SampleDrawn event; "
        "then show the sampled grants (LedgerService.DrawSample, role "
        "auditor)");
    draw->add_option("--unit", state->unit, "unit code")->required();
    draw->add_flag("--subtree", state->subtree,
                   "also the grants paid by every unit below it");
    draw->add_option("--program", state->program, "program, e.g. education")
        ->required()
        ->check(ProgramCheck());
    draw->add_option("--year", state->year,
                     "the year the grants count in (2000..2100)")
        ->required()
        ->check(CLI::Range(2000, 2100));
    draw->add_option("--percent", state->percent,
                     "how much to sample, in percent: 7, 2.5, 0.01 .. 100; "
                     "rounded up to whole grants, at least one")
        ->required()
        ->check(CLI::Validator(
            [](std::string& value) -> std::string {
              return ParsePercentBp(value).has_value()
                         ? ""
                         : "a percentage from 0.01 to 100 with at most two "
                           "decimals, e.g. 7 or 2.5";
            },
            "PERCENT", "percentage"));
    draw->add_option("--seed", state->seed,
                     "the committee's seed, 64 hex digits (e.g. sha256sum of "
                     "dice throws written in the minutes); without it the "
                     "server draws one")
        ->check(CLI::Validator(
            [](std::string& value) -> std::string {
              return ParseSeedHex(value).has_value()
                         ? ""
                         : "the seed must be 64 hex digits (32 bytes)";
            },
            "HEX", "seed"));
    draw->add_option("--purpose", state->purpose,
                     "what the sample is for (抽查目的), recorded with it")
        ->required();
    draw->add_option("--csv", state->csv,
                     "also write the sampled grants to this file as UTF-8 CSV "
                     "with a BOM (Excel), CRLF, RFC 4180 quoting: 序号 No, "
                     "抽查编号 sample, 档案号 dossier, 身份证号(脱敏) masked "
                     "ID, 姓名 name, 单位 unit, 项目 program, 年度 year, "
                     "金额(元) amount, 发放日期 posted (UTC+8), 资助编号 grant "
                     "id");
    AddRequestIdOption(*draw, &state->request_id);
    draw->callback([state, selected] {
      relief::v1::DrawSampleRequest request;
      request.set_unit_code(state->unit);
      request.set_subtree(state->subtree);
      request.set_program(state->program);
      request.set_year(state->year);
      request.set_percent_bp(*ParsePercentBp(state->percent));
      if (!state->seed.empty()) request.set_seed(*ParseSeedHex(state->seed));
      request.set_purpose(state->purpose);
      *selected = [request, state](Session& session) {
        return RunDraw(session, request, state->request_id, state->csv);
      };
    });
  }
  sample
      ->add_subcommand("list",
                       "Every sample drawn, newest first: who, when, what, "
                       "how many (AuditService.ListSamples)")
      ->callback([selected] { *selected = RunList; });
  {
    struct State {
      std::string id, csv;
      uint64_t min_sequence = 0;
    };
    auto state = std::make_shared<State>();
    CLI::App* show = sample->add_subcommand(
        "show",
        "One sample: its record (seed, population, purpose) and its grants "
        "(AuditService.GetSample, QueryService.GetGrant)");
    show->add_option("id", state->id, "sample id, e.g. s120")
        ->required()
        ->check(SampleIdCheck());
    show->add_option("--csv", state->csv,
                     "also write the sampled grants to this CSV file (as "
                     "draw --csv)");
    AddMinSequenceOption(*show, &state->min_sequence);
    show->callback([state, selected] {
      *selected = [state](Session& session) {
        return RunShow(session, state->id, state->min_sequence, state->csv);
      };
    });
  }
  {
    auto id = std::make_shared<std::string>();
    CLI::App* verify = sample->add_subcommand(
        "verify",
        "Recompute a sample from the log alone: the population from the "
        "grant events up to the sample's population sequence "
        "(AuditService.ReadEvents), then the sample from the recorded seed; "
        "exit code 1 if either differs from the record");
    verify->add_option("id", *id, "sample id, e.g. s120")
        ->required()
        ->check(SampleIdCheck());
    verify->callback([id, selected] {
      *selected = [id](Session& session) { return RunVerify(session, *id); };
    });
  }
}

}  // namespace reliefctl
