// Spot-check samples (抽查样本) for people: the percentage and seed a
// committee types, the sample's record, its grants as a table and as a CSV
// file for the field visits, and the list of samples. Pure functions from
// AuditService / QueryService messages to text, tested without a server.
#ifndef RELIEF_CLIENTS_RELIEFCTL_SAMPLE_VIEWS_H_
#define RELIEF_CLIENTS_RELIEFCTL_SAMPLE_VIEWS_H_

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "absl/strings/string_view.h"
#include "relief/v1/audit_service.pb.h"
#include "relief/v1/query_service.pb.h"

namespace reliefctl {

// A percentage typed by a person ("7", "7.5", "0.01", "100", "7%") -> basis
// points (700), exactly: digits, at most two decimals, 0.01..100; else
// nullopt.
std::optional<uint32_t> ParsePercentBp(absl::string_view text);

// "7%", "7.5%", "0.01%".
std::string PercentDisplay(uint32_t bp);

// A seed typed as 64 hex digits (either case) -> 32 bytes; else nullopt.
std::optional<std::string> ParseSeedHex(absl::string_view text);

// One sampled grant as reliefctl shows it: the grant (GetGrant) and the time
// its GrantPosted event was recorded (0 if unknown).
struct SampledGrant {
  relief::v1::Grant grant;
  int64_t posted_at_unix_micros = 0;
};

// The sample's record: id, who drew it and when, the request (unit,
// subtree, program, year, percentage, purpose), the seed and where it came
// from, the population (sequence, size, digest) and the sample size.
std::string RenderSampleRecord(const relief::v1::Sample& sample);

// The sampled grants, in sample order: 序号 No, grant, dossier, name, masked
// ID, unit, amount (yuan), posted date (UTC+8).
std::string RenderSampleGrants(const std::vector<SampledGrant>& grants);

// The same as a CSV file for Excel: UTF-8 BOM, header in Chinese and
// English, CRLF, RFC 4180 quoting, formula-like text neutralised. Columns:
// 序号 No, 抽查编号 sample, 档案号 dossier, 身份证号(脱敏) masked ID, 姓名
// name, 单位 unit, 项目 program, 年度 year, 金额(元) amount, 发放日期 posted
// (UTC+8), 资助编号 grant id.
std::string RenderSampleCsv(const relief::v1::Sample& sample,
                            const std::vector<SampledGrant>& grants);

// One line for `events tail` and the export's summary column: "s56 抽查
// sd.jn and below, education 金秋助学 2026, 20% of 15 posted grants -> 3: g44
// g30 g40; seed drawn by the server 9daa4b15…; 2026年度入户核查". At most 20
// grant ids, then "…".
std::string SampleDrawnSummary(const relief::v1::SampleDrawn& d);

// The samples, newest first, one row each.
std::string RenderSampleList(const std::vector<relief::v1::Sample>& samples,
                             uint64_t as_of_sequence);

}  // namespace reliefctl

#endif  // RELIEF_CLIENTS_RELIEFCTL_SAMPLE_VIEWS_H_
