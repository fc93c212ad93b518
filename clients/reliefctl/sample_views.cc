#include "clients/reliefctl/sample_views.h"

#include "absl/strings/ascii.h"
#include "absl/strings/escaping.h"
#include "absl/strings/str_cat.h"
#include "absl/time/time.h"
#include "clients/reliefctl/csv.h"
#include "clients/reliefctl/grant_views.h"
#include "clients/reliefctl/table.h"
#include "clients/reliefctl/views.h"
#include "ledger/domain/money.h"

namespace reliefctl {
namespace {

// "2026-03-01" in China time; "-" for 0.
std::string ChinaDate(int64_t unix_micros) {
  if (unix_micros == 0) return "-";
  return absl::FormatTime("%Y-%m-%d", absl::FromUnixMicros(unix_micros),
                          absl::FixedTimeZone(8 * 60 * 60));
}

std::string Scope(const relief::v1::SampleDrawn& d) {
  return d.subtree() ? absl::StrCat(d.unit_code(), " and below 含下级")
                     : absl::StrCat(d.unit_code(), " only 本级");
}

}  // namespace

std::optional<uint32_t> ParsePercentBp(absl::string_view text) {
  text = absl::StripAsciiWhitespace(text);
  if (!text.empty() && text.back() == '%') text.remove_suffix(1);
  const size_t dot = text.find('.');
  absl::string_view whole = text.substr(0, dot);
  absl::string_view fraction =
      dot == absl::string_view::npos ? absl::string_view() : text.substr(dot + 1);
  if (whole.empty() || whole.size() > 3 || fraction.size() > 2 ||
      (dot != absl::string_view::npos && fraction.empty())) {
    return std::nullopt;
  }
  uint32_t bp = 0;
  for (char c : whole) {
    if (!absl::ascii_isdigit(static_cast<unsigned char>(c))) return std::nullopt;
    bp = bp * 10 + static_cast<uint32_t>(c - '0');
  }
  bp *= 100;
  uint32_t scale = 10;
  for (char c : fraction) {
    if (!absl::ascii_isdigit(static_cast<unsigned char>(c))) return std::nullopt;
    bp += static_cast<uint32_t>(c - '0') * scale;
    scale /= 10;
  }
  if (bp < 1 || bp > 10000) return std::nullopt;
  return bp;
}

std::string PercentDisplay(uint32_t bp) {
  std::string text = absl::StrCat(bp / 100);
  if (bp % 100 != 0) {
    absl::StrAppend(&text, ".", bp % 100 / 10);
    if (bp % 10 != 0) absl::StrAppend(&text, bp % 10);
  }
  return absl::StrCat(text, "%");
}

std::optional<std::string> ParseSeedHex(absl::string_view text) {
  text = absl::StripAsciiWhitespace(text);
  if (text.size() != 64) return std::nullopt;
  for (char c : text) {
    if (!absl::ascii_isxdigit(static_cast<unsigned char>(c))) {
      return std::nullopt;
    }
  }
  return absl::HexStringToBytes(absl::AsciiStrToLower(text));
}

std::string RenderSampleRecord(const relief::v1::Sample& sample) {
  const relief::v1::SampleDrawn& d = sample.drawn();
  KeyValues lines;
  lines.Add("sample 抽查编号", d.sample_id());
  lines.Add("drawn 抽取",
            absl::StrCat(FormatChinaTime(sample.recorded_at_unix_micros()),
                         " (UTC+8) by ", sample.drawn_by(), ", sequence ",
                         sample.sequence()));
  lines.Add("purpose 抽查目的", d.purpose());
  lines.Add("unit 单位", Scope(d));
  lines.Add("program 项目", ProgramDisplay(d.program()));
  lines.Add("year 年度", absl::StrCat(d.year()));
  lines.Add("percentage 比例", PercentDisplay(d.percent_bp()));
  lines.Add("population 总体",
            absl::StrCat(d.population_size(),
                         " posted grant(s) 已发放, as of sequence ",
                         d.population_sequence()));
  lines.Add("population SHA-256", Hex(d.population_sha256()));
  lines.Add("sampled 抽中", absl::StrCat(d.grant_ids_size(), " grant(s)"));
  lines.Add("seed 种子", Hex(d.seed()));
  lines.Add("seed from 种子来源",
            d.seed_from_server() ? "drawn by the server 服务器随机生成"
                                 : "given by the committee 审计委员会提供");
  return lines.Render();
}

std::string RenderSampleGrants(const std::vector<SampledGrant>& grants) {
  Table table({{"序号 NO", Align::kRight},
               {"资助 GRANT"},
               {"档案 DOSSIER"},
               {"姓名 NAME"},
               {"身份证号 ID (MASKED)"},
               {"单位 UNIT"},
               {"金额 AMOUNT", Align::kRight},
               {"发放日期 POSTED"}});
  int number = 0;
  for (const SampledGrant& s : grants) {
    const relief::v1::Grant& g = s.grant;
    table.AddRow({absl::StrCat(++number), g.grant_id(), g.dossier_id(),
                  g.beneficiary_name(), MaskedOnly(g.national_id_masked()),
                  g.unit_code(), Yuan(g.amount_fen()),
                  ChinaDate(s.posted_at_unix_micros)});
  }
  return absl::StrCat(table.Render(),
                      "amounts in yuan (元); dates in China time (UTC+8)\n");
}

std::string RenderSampleCsv(const relief::v1::Sample& sample,
                            const std::vector<SampledGrant>& grants) {
  std::string out(kUtf8Bom);
  out += CsvRow({"序号 No", "抽查编号 sample", "档案号 dossier",
                 "身份证号(脱敏) masked ID", "姓名 name", "单位 unit",
                 "项目 program", "年度 year", "金额(元) amount",
                 "发放日期 posted (UTC+8)", "资助编号 grant id"});
  int number = 0;
  for (const SampledGrant& s : grants) {
    const relief::v1::Grant& g = s.grant;
    out += CsvRow({absl::StrCat(++number),
                   SpreadsheetText(sample.drawn().sample_id()),
                   SpreadsheetText(g.dossier_id()),
                   SpreadsheetText(MaskedOnly(g.national_id_masked())),
                   SpreadsheetText(g.beneficiary_name()),
                   SpreadsheetText(g.unit_code()),
                   SpreadsheetText(ProgramDisplay(g.program())),
                   absl::StrCat(g.year()), relief::FormatYuan(g.amount_fen()),
                   ChinaDate(s.posted_at_unix_micros),
                   SpreadsheetText(g.grant_id())});
  }
  return out;
}

std::string SampleDrawnSummary(const relief::v1::SampleDrawn& d) {
  constexpr int kMaxIds = 20;
  std::string text = absl::StrCat(
      d.sample_id(), " 抽查 ", d.unit_code(),
      d.subtree() ? " and below" : "", ", ", ProgramDisplay(d.program()), " ",
      d.year(), ", ", PercentDisplay(d.percent_bp()), " of ",
      d.population_size(), " posted grants -> ", d.grant_ids_size(), ":");
  for (int i = 0; i < d.grant_ids_size() && i < kMaxIds; ++i) {
    absl::StrAppend(&text, " ", d.grant_ids(i));
  }
  if (d.grant_ids_size() > kMaxIds) absl::StrAppend(&text, " …");
  absl::StrAppend(&text, "; seed ",
                  d.seed_from_server() ? "drawn by the server "
                                       : "given by the committee ",
                  HexPrefix(d.seed(), 8), "…; ", d.purpose());
  return text;
}

std::string RenderSampleList(const std::vector<relief::v1::Sample>& samples,
                             uint64_t as_of_sequence) {
  Table table({{"抽查 SAMPLE"},
               {"抽取时间 DRAWN (UTC+8)"},
               {"抽取人 BY"},
               {"单位 UNIT"},
               {"项目 PROGRAM"},
               {"年度 YEAR", Align::kRight},
               {"比例 PERCENT", Align::kRight},
               {"总体 POPULATION", Align::kRight},
               {"抽中 SAMPLED", Align::kRight},
               {"目的 PURPOSE"}});
  for (const relief::v1::Sample& s : samples) {
    const relief::v1::SampleDrawn& d = s.drawn();
    table.AddRow({d.sample_id(), FormatChinaTime(s.recorded_at_unix_micros()),
                  s.drawn_by(),
                  d.subtree() ? absl::StrCat(d.unit_code(), " +below")
                              : d.unit_code(),
                  ProgramDisplay(d.program()), absl::StrCat(d.year()),
                  PercentDisplay(d.percent_bp()),
                  absl::StrCat(d.population_size()),
                  absl::StrCat(d.grant_ids_size()), d.purpose()});
  }
  return absl::StrCat(table.Render(), samples.size(),
                      " sample(s) 抽查样本, newest first; as of sequence ",
                      as_of_sequence, "\n");
}

}  // namespace reliefctl
