// The content of `reliefctl demo`: a year of a city union's relief work,
// made up deterministically from a seed. Pure: no server, no clock; the same
// seed gives the same plan, so tests can compute the figures the demo must
// produce.
//
// The city is 济宁市总工会 (Jining) under a province root (the API takes a
// national or province unit as a root); four district-level unions with
// three enterprise unions each (the enterprises are made up). Beneficiaries
// are synthetic: names drawn from common surnames and given names, national
// IDs with real Jining district region codes, plausible birth dates and a
// correct GB 11643 check character, so the server accepts them; none is a
// real person's.
#ifndef RELIEF_CLIENTS_RELIEFCTL_DEMO_PLAN_H_
#define RELIEF_CLIENTS_RELIEFCTL_DEMO_PLAN_H_

#include <cstdint>
#include <string>
#include <vector>

#include "relief/v1/events.pb.h"

namespace reliefctl {

struct DemoUnit {
  std::string code;
  std::string name_zh;
  std::string name_en;
  relief::v1::OrgLevel level = relief::v1::ORG_LEVEL_UNSPECIFIED;
  std::string parent_code;  // empty for the root
  std::string employer_zh;  // enterprises: the company (the loan guarantor)
};

struct DemoPerson {
  std::string unit_code;      // the enterprise union holding the dossier
  std::string district_code;  // the district union above it
  std::string name;
  std::string national_id;    // synthetic, valid GB 11643
  relief::v1::HardshipCategory category =
      relief::v1::HARDSHIP_CATEGORY_UNSPECIFIED;
  uint32_t household_size = 1;
};

struct DemoReceipt {
  std::string unit_code;
  relief::v1::FundSource source = relief::v1::FUND_SOURCE_UNSPECIFIED;
  int64_t amount_fen = 0;
  std::string payer;
  std::string document_number;
  std::string memo;
  // Goods in kind (valued at amount_fen) when goods_quantity > 0.
  std::string goods_description;
  int64_t goods_quantity = 0;
  std::string goods_unit;
};

struct DemoAllocation {
  std::string from_code;
  std::string to_code;
  relief::v1::FundSource source = relief::v1::FUND_SOURCE_UNSPECIFIED;
  int64_t amount_fen = 0;
  std::string document_number;
};

struct DemoGrant {
  int person = 0;  // index into DemoPlan::people
  std::string program;
  std::string unit_code;  // the paying unit
  relief::v1::FundSource source = relief::v1::FUND_SOURCE_UNSPECIFIED;
  int64_t amount_fen = 0;
  int64_t goods_quantity = 0;  // > 0: paid from the goods account
  std::string memo;
};

struct DemoLoan {
  int person = 0;
  std::string unit_code;  // the lending unit (the district or the city)
  relief::v1::FundSource source = relief::v1::FUND_SOURCE_UNSPECIFIED;
  int64_t principal_fen = 0;
  uint32_t term_months = 0;
  std::string purpose;
  // Paid back on the day of disbursement (value date today): 0 for the loan
  // left to fall overdue; the whole principal for the one repaid early.
  int64_t repaid_fen = 0;
};

struct DemoPlan {
  std::string province_code;  // the root
  std::string city_code;      // the union the demo is about
  std::vector<DemoUnit> units;  // parents before children
  std::vector<DemoPerson> people;
  std::vector<DemoReceipt> receipts;
  std::vector<DemoAllocation> allocations;
  std::vector<DemoGrant> grants;  // festival, education, medical, living
  std::vector<DemoLoan> loans;
  // A second education grant for this person is proposed to show the
  // yearly limit (GRANT_YEARLY_LIMIT_REACHED); it must be refused.
  int duplicate_education_person = 0;
};

// The plan for `seed`. Dossiers: 30 per enterprise (360); festival relief
// for 300 of them (plus goods for 40 in Rencheng), education aid for 40,
// medical aid for up to 30, living aid for 40; six loans, one left unpaid.
DemoPlan MakeDemoPlan(uint64_t seed);

// The GB 11643 check character of 17 digits. REQUIRES: 17 ASCII digits.
char DemoIdCheckCharacter(const std::string& first17);

}  // namespace reliefctl

#endif  // RELIEF_CLIENTS_RELIEFCTL_DEMO_PLAN_H_
