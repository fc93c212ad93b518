#include "clients/reliefctl/grant_views.h"

#include <map>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_join.h"
#include "absl/time/time.h"
#include "clients/reliefctl/csv.h"
#include "clients/reliefctl/names.h"
#include "clients/reliefctl/table.h"
#include "clients/reliefctl/views.h"
#include "ledger/domain/grants.h"
#include "ledger/domain/money.h"

namespace reliefctl {
namespace {

const absl::TimeZone& ChinaTime() {
  static const absl::TimeZone* zone =
      new absl::TimeZone(absl::FixedTimeZone(8 * 60 * 60));
  return *zone;
}

// Standard program code -> Chinese name, from the domain's documented list.
const std::map<std::string, std::string>& StandardNames() {
  static const auto* names = [] {
    auto* map = new std::map<std::string, std::string>;
    for (const auto& policy : relief::StandardPolicies(20000101)) {
      (*map)[policy.program()] = policy.name_zh();
    }
    return map;
  }();
  return *names;
}

std::string MonthDay(int mmdd) {
  return absl::StrFormat("%02d-%02d", mmdd / 100, mmdd % 100);
}

std::string Date(int yyyymmdd) {
  return absl::StrFormat("%04d-%02d-%02d", yyyymmdd / 10000,
                         yyyymmdd / 100 % 100, yyyymmdd % 100);
}

std::string Windows(const relief::v1::ProgramPolicySet& p) {
  if (p.windows().empty()) return "all year 全年";
  std::vector<std::string> parts;
  for (const auto& w : p.windows()) {
    parts.push_back(
        absl::StrCat(MonthDay(w.start_mmdd()), "..", MonthDay(w.end_mmdd())));
  }
  return absl::StrJoin(parts, ", ");
}

std::string Pays(const relief::v1::ProgramPolicySet& p) {
  std::vector<std::string> parts;
  if (p.allow_cash()) parts.push_back("cash 现金");
  if (p.allow_goods()) parts.push_back("goods 实物");
  return absl::StrJoin(parts, ", ");
}

std::string Categories(const relief::v1::ProgramPolicySet& p) {
  if (p.eligible_categories().empty()) return "all 全部";
  std::vector<std::string> parts;
  for (const int c : p.eligible_categories()) {
    parts.push_back(
        HardshipCategoryDisplay(static_cast<relief::v1::HardshipCategory>(c)));
  }
  return absl::StrJoin(parts, ", ");
}

std::string Sources(const relief::v1::ProgramPolicySet& p) {
  if (p.fund_sources_size() == 4) return "all 全部";
  std::vector<std::string> parts;
  for (const int s : p.fund_sources()) {
    parts.push_back(FundSourceDisplay(static_cast<relief::v1::FundSource>(s)));
  }
  return absl::StrJoin(parts, ", ");
}

std::string Breakdowns(const relief::v1::GetProgramReportResponse& response,
                       bool by_category) {
  Table table({{"项目 PROGRAM"},
               {"年度 YEAR", Align::kRight},
               {by_category ? "困难类别 CATEGORY" : "资金来源 FUND SOURCE"},
               {"人数 PEOPLE", Align::kRight},
               {"人次 GRANTS", Align::kRight},
               {"金额 AMOUNT", Align::kRight}});
  for (const relief::v1::ProgramReportRow& row : response.rows()) {
    const auto& parts = by_category ? row.by_category() : row.by_fund_source();
    for (const relief::v1::ReportBreakdown& part : parts) {
      table.AddRow(
          {ProgramDisplay(row.program()), absl::StrCat(row.year()),
           by_category
               ? HardshipCategoryDisplay(
                     static_cast<relief::v1::HardshipCategory>(part.key()))
               : FundSourceDisplay(
                     static_cast<relief::v1::FundSource>(part.key())),
           absl::StrCat(part.people()), absl::StrCat(part.grants()),
           Yuan(part.amount_fen())});
    }
  }
  return table.Render();
}

}  // namespace

std::string SpreadsheetText(absl::string_view text) {
  if (!text.empty() && (text[0] == '=' || text[0] == '+' || text[0] == '-' ||
                        text[0] == '@' || text[0] == '\t' || text[0] == '\r')) {
    return absl::StrCat("'", text);
  }
  return std::string(text);
}

std::string FormatChinaTime(int64_t unix_micros) {
  if (unix_micros == 0) return "-";
  return absl::FormatTime("%Y-%m-%d %H:%M:%S",
                          absl::FromUnixMicros(unix_micros), ChinaTime());
}

std::string ProgramDisplay(absl::string_view program) {
  const auto& names = StandardNames();
  if (auto it = names.find(std::string(program)); it != names.end()) {
    return absl::StrCat(program, " ", it->second);
  }
  return std::string(program);
}

std::string GrantStatusDisplay(relief::v1::GrantStatus status) {
  switch (status) {
    case relief::v1::GRANT_STATUS_PENDING:
      return "pending 待发放";
    case relief::v1::GRANT_STATUS_POSTED:
      return "posted 已发放";
    case relief::v1::GRANT_STATUS_VOIDED:
      return "voided 已作废";
    case relief::v1::GRANT_STATUS_EXPIRED:
      return "expired 已过期";
    default:
      break;
  }
  return absl::StrCat("status_", static_cast<int>(status));
}

std::string MaskedOnly(absl::string_view text) {
  if (text.find('*') != absl::string_view::npos) return std::string(text);
  if (text.size() <= 10) return std::string(text.size(), '*');
  return absl::StrCat(text.substr(0, 6), std::string(text.size() - 10, '*'),
                      text.substr(text.size() - 4));
}

std::string RenderPolicies(
    const std::vector<relief::v1::ProgramPolicySet>& policies,
    const std::vector<relief::v1::CommandResult>& results) {
  const bool with_sequence = results.size() == policies.size();
  std::vector<Table::Column> columns = {{"项目 PROGRAM"},
                                        {"名称 NAME"},
                                        {"生效 FROM"},
                                        {"金额 AMOUNT (元)", Align::kRight},
                                        {"年限 PER YEAR", Align::kRight},
                                        {"时段 WINDOWS"},
                                        {"公示 NOTICE", Align::kRight},
                                        {"时效 EXPIRY", Align::kRight},
                                        {"方式 PAYS"},
                                        {"类别 CATEGORIES"},
                                        {"来源 SOURCES"}};
  if (with_sequence) columns.push_back({"SEQ", Align::kRight});
  Table table(std::move(columns));
  for (size_t i = 0; i < policies.size(); ++i) {
    const relief::v1::ProgramPolicySet& p = policies[i];
    std::vector<std::string> cells = {
        p.program(),
        p.name_en().empty() ? p.name_zh()
                            : absl::StrCat(p.name_zh(), " ", p.name_en()),
        Date(p.effective_date()),
        absl::StrCat(Yuan(p.min_amount_fen()), " – ", Yuan(p.max_amount_fen())),
        absl::StrCat(p.grants_per_year()),
        Windows(p),
        absl::StrCat(p.notice_days(), " d"),
        absl::StrCat(p.expiry_days(), " d"),
        Pays(p),
        Categories(p),
        Sources(p)};
    if (with_sequence)
      cells.push_back(absl::StrCat(results[i].first_sequence()));
    table.AddRow(std::move(cells));
  }
  return table.Render();
}

std::string RenderGrant(const relief::v1::GetGrantResponse& response) {
  const relief::v1::Grant& g = response.grant();
  KeyValues lines;
  lines.Add("grant id 编号", g.grant_id());
  lines.Add("status 状态", GrantStatusDisplay(g.status()));
  lines.Add("dossier 档案", g.dossier_id());
  lines.Add("name 姓名", g.beneficiary_name());
  lines.Add("national ID 身份证号", MaskedOnly(g.national_id_masked()));
  lines.Add("category 困难类别", HardshipCategoryDisplay(g.category()));
  lines.Add("household 家庭人口", absl::StrCat(g.household_size()));
  lines.Add("program 项目", ProgramDisplay(g.program()));
  lines.Add("year 年度", absl::StrCat(g.year()));
  lines.Add("paying unit 发放单位", g.unit_code());
  lines.Add("fund source 资金来源", FundSourceDisplay(g.fund_source()));
  lines.Add("amount 金额 (元)", Yuan(g.amount_fen()));
  if (g.goods_quantity() > 0) {
    lines.Add("goods 实物", absl::StrCat(g.goods_quantity(),
                                         " (valued at the "
                                         "amount)"));
  }
  lines.Add(
      "proposed 拟资助",
      absl::StrCat(FormatChinaTime(g.proposed_at_unix_micros()), " (UTC+8) by ",
                   g.proposed_by(), ", sequence ", g.proposed_sequence()));
  lines.Add(
      "notice ends 公示截止",
      absl::StrCat(FormatChinaTime(g.notice_ends_unix_micros()), " (UTC+8)"));
  lines.Add("expires 过期",
            absl::StrCat(FormatChinaTime(g.expires_unix_micros()),
                         " (UTC+8) unless posted"));
  if (g.resolved_sequence() != 0) {
    lines.Add("resolved 处理",
              absl::StrCat("sequence ", g.resolved_sequence(),
                           g.resolved_by().empty()
                               ? ""
                               : absl::StrCat(" by ", g.resolved_by())));
  }
  if (!g.void_reason().empty())
    lines.Add("void reason 作废原因", g.void_reason());
  if (!g.memo().empty()) lines.Add("memo 备注", g.memo());
  lines.Add("as of", absl::StrCat("sequence ", response.as_of_sequence()));
  return lines.Render();
}

std::string RenderAidHistory(
    const relief::v1::GetAidHistoryResponse& response) {
  const relief::v1::Dossier& d = response.dossier();
  KeyValues head;
  head.Add("dossier 档案", d.dossier_id());
  head.Add("name 姓名", d.name());
  head.Add("national ID 身份证号", MaskedOnly(d.national_id_masked()));
  head.Add("unit 单位", d.unit_code());
  head.Add("category 困难类别", HardshipCategoryDisplay(d.category()));
  Table table({{"SEQ", Align::kRight},
               {"类型 KIND"},
               {"编号 ID"},
               {"项目 PROGRAM"},
               {"年度 YEAR", Align::kRight},
               {"单位/机构 UNIT OR PROVIDER"},
               {"金额 AMOUNT", Align::kRight},
               {"状态 STATUS"},
               {"备注 MEMO"}});
  for (const relief::v1::AidHistoryEntry& entry : response.entries()) {
    if (entry.has_grant()) {
      const relief::v1::Grant& g = entry.grant();
      std::string memo = g.memo();
      if (!g.void_reason().empty()) {
        memo = memo.empty() ? g.void_reason()
                            : absl::StrCat(memo, "; ", g.void_reason());
      }
      table.AddRow({absl::StrCat(g.proposed_sequence()), "grant 资助",
                    g.grant_id(), ProgramDisplay(g.program()),
                    absl::StrCat(g.year()), g.unit_code(), Yuan(g.amount_fen()),
                    GrantStatusDisplay(g.status()), memo});
    } else if (entry.has_external_aid()) {
      const relief::v1::ExternalAid& a = entry.external_aid();
      table.AddRow({absl::StrCat(a.sequence()), "external 外部救助", "-",
                    ProgramDisplay(a.program()), absl::StrCat(a.year()),
                    a.provider(), Yuan(a.amount_fen()), "recorded 已登记",
                    a.memo()});
    }
  }
  return absl::StrCat(head.Render(), "\n", table.Render(),
                      response.entries_size(),
                      " entr(ies), oldest first, amounts in yuan (元); as of "
                      "sequence ",
                      response.as_of_sequence(), "\n");
}

std::string RenderNoticeList(
    const relief::v1::ListPublicNoticeResponse& response) {
  Table table({{"序号 NO", Align::kRight},
               {"单位 UNIT"},
               {"姓名 NAME"},
               {"身份证号 ID (MASKED)"},
               {"困难类别 CATEGORY"},
               {"项目 PROGRAM"},
               {"金额 AMOUNT", Align::kRight},
               {"公示截止 NOTICE ENDS (UTC+8)"},
               {"编号 GRANT"}});
  int number = 0;
  for (const relief::v1::Grant& g : response.grants()) {
    table.AddRow({absl::StrCat(++number), g.unit_code(), g.beneficiary_name(),
                  MaskedOnly(g.national_id_masked()),
                  HardshipCategoryDisplay(g.category()),
                  ProgramDisplay(g.program()), Yuan(g.amount_fen()),
                  FormatChinaTime(g.notice_ends_unix_micros()), g.grant_id()});
  }
  return absl::StrCat(table.Render(), response.grants_size(),
                      " grant(s) in public notice 公示, amounts in yuan (元); "
                      "as of sequence ",
                      response.as_of_sequence(), "\n");
}

std::string RenderNoticeCsv(
    const relief::v1::ListPublicNoticeResponse& response) {
  std::string out(kUtf8Bom);
  out +=
      CsvRow({"序号 No", "单位 unit", "姓名 name", "身份证号(脱敏) masked ID",
              "困难类别 category", "项目 program", "金额(元) amount",
              "公示截止 notice ends (UTC+8)", "拟资助编号 grant id"});
  int number = 0;
  for (const relief::v1::Grant& g : response.grants()) {
    out += CsvRow({absl::StrCat(++number), SpreadsheetText(g.unit_code()),
                   SpreadsheetText(g.beneficiary_name()),
                   SpreadsheetText(MaskedOnly(g.national_id_masked())),
                   HardshipCategoryDisplay(g.category()),
                   SpreadsheetText(ProgramDisplay(g.program())),
                   relief::FormatYuan(g.amount_fen()),
                   FormatChinaTime(g.notice_ends_unix_micros()),
                   SpreadsheetText(g.grant_id())});
  }
  return out;
}

std::string RenderProgramReport(
    const relief::v1::GetProgramReportResponse& response,
    absl::string_view unit_code, bool subtree) {
  Table table({{"项目 PROGRAM"},
               {"年度 YEAR", Align::kRight},
               {"人数 PEOPLE", Align::kRight},
               {"人次 GRANTS", Align::kRight},
               {"户数 HOUSEHOLDS", Align::kRight},
               {"惠及人口 MEMBERS", Align::kRight},
               {"金额 AMOUNT", Align::kRight}});
  uint64_t grants = 0;
  int64_t amount = 0;
  bool overflow = false;
  for (const relief::v1::ProgramReportRow& row : response.rows()) {
    table.AddRow({ProgramDisplay(row.program()), absl::StrCat(row.year()),
                  absl::StrCat(row.people()), absl::StrCat(row.grants()),
                  absl::StrCat(row.households()),
                  absl::StrCat(row.household_members()),
                  Yuan(row.amount_fen())});
    grants += row.grants();
    if (!relief::AddFen(amount, row.amount_fen(), &amount)) overflow = true;
  }
  // People are distinct per program and year: they do not add up across
  // rows, so the total row has only person-times and the amount.
  table.AddRow({"合计 total", "", "", absl::StrCat(grants), "", "",
                overflow ? "overflow" : Yuan(amount)});
  std::string out = absl::StrCat(
      "program report 项目统计: posted grants (已发放) of ",
      std::string(unit_code), subtree ? " and every unit below it" : " only",
      "\n\n", table.Render());
  absl::StrAppend(&out, "\nby category 按困难类别\n",
                  Breakdowns(response, /*by_category=*/true));
  absl::StrAppend(&out, "\nby fund source 按资金来源\n",
                  Breakdowns(response, /*by_category=*/false));
  absl::StrAppend(&out, "\namounts in yuan (元); ", response.units(),
                  " unit(s); people (人数) are distinct beneficiaries, grants "
                  "(人次) person-times; as of sequence ",
                  response.as_of_sequence(), "\n");
  return out;
}

}  // namespace reliefctl
