#include "clients/reliefctl/demo_plan.h"

#include <array>
#include <iterator>
#include <set>
#include <string>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"

namespace reliefctl {
namespace {

using relief::v1::FundSource;
using relief::v1::HardshipCategory;

constexpr int64_t kYuan = 100;

// SplitMix64: a fixed, portable sequence for a seed (the standard library's
// distributions are not the same on every implementation).
class Random {
 public:
  explicit Random(uint64_t seed) : state_(seed) {}
  uint64_t Next() {
    uint64_t z = (state_ += 0x9E3779B97F4A7C15ULL);
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ULL;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBULL;
    return z ^ (z >> 31);
  }
  // Uniform enough in [0, n) for a demo. REQUIRES: n > 0.
  int Below(int n) { return static_cast<int>(Next() % static_cast<uint64_t>(n)); }

 private:
  uint64_t state_;
};

struct District {
  const char* segment;
  const char* name_zh;
  const char* name_en;
  const char* id_region;  // GB/T 2260 code of the district
  std::array<std::array<const char*, 4>, 3> enterprises;  // segment, union
                                                          // zh, en, company
};

// Made-up enterprises in the real districts of Jining.
const District kDistricts[] = {
    {"rencheng", "任城区总工会", "Rencheng District Federation of Trade Unions",
     "370811",
     {{{"luxing", "鲁兴机械厂工会", "Luxing Machinery Works Union",
        "济宁鲁兴机械厂"},
       {"yunhe_textile", "运河纺织有限公司工会", "Yunhe Textile Co. Union",
        "济宁运河纺织有限公司"},
       {"sanitation", "任城区环卫所工会", "Rencheng Sanitation Station Union",
        "任城区环境卫生管理所"}}}},
    {"yanzhou", "兖州区总工会", "Yanzhou District Federation of Trade Unions",
     "370812",
     {{{"paper_mill", "兖州造纸厂工会", "Yanzhou Paper Mill Union",
        "兖州造纸厂"},
       {"xinglong_tyre", "兴隆轮胎有限公司工会", "Xinglong Tyre Co. Union",
        "兖州兴隆轮胎有限公司"},
       {"bus", "兖州公交公司工会", "Yanzhou Bus Company Union",
        "兖州公共交通有限公司"}}}},
    {"zoucheng", "邹城市总工会", "Zoucheng City Federation of Trade Unions",
     "370883",
     {{{"mining_machinery", "邹城煤机厂工会",
        "Zoucheng Mining Machinery Plant Union", "邹城煤矿机械厂"},
       {"yishan_building", "峄山建材有限公司工会",
        "Yishan Building Materials Co. Union", "邹城峄山建材有限公司"},
       {"logistics", "邹城物流园工会", "Zoucheng Logistics Park Union",
        "邹城物流园管理有限公司"}}}},
    {"qufu", "曲阜市总工会", "Qufu City Federation of Trade Unions", "370881",
     {{{"tourism", "三孔旅游服务公司工会", "Sankong Tourism Services Co. Union",
        "曲阜三孔旅游服务有限公司"},
       {"distillery", "曲阜酿酒厂工会", "Qufu Distillery Union",
        "曲阜酿酒厂"},
       {"printing", "曲阜印刷厂工会", "Qufu Printing Works Union",
        "曲阜印刷厂"}}}},
};

constexpr const char* kSurnames[] = {
    "王", "李", "张", "刘", "陈", "杨", "赵", "黄", "周", "吴",
    "徐", "孙", "胡", "朱", "高", "林", "何", "郭", "马", "孔",
    "颜", "孟", "曾", "韩", "冯", "曹", "袁", "邓", "许", "宋"};
constexpr const char* kGivenNames[] = {
    "伟",   "芳",   "娜",   "秀英", "敏",   "静",   "丽",   "强",
    "磊",   "军",   "洋",   "勇",   "艳",   "杰",   "娟",   "涛",
    "明",   "超",   "秀兰", "霞",   "平",   "刚",   "桂英", "建华",
    "玉兰", "红梅", "建国", "志强", "海燕", "春梅", "德胜", "凤英",
    "庆华", "玉珍", "长青", "淑芬", "立新", "金凤", "宝山", "素梅"};

// Shares out of 100.
struct CategoryShare {
  HardshipCategory category;
  int share;
};
constexpr CategoryShare kCategories[] = {
    {relief::v1::HARDSHIP_CATEGORY_SUBSISTENCE_ALLOWANCE, 20},
    {relief::v1::HARDSHIP_CATEGORY_NEAR_SUBSISTENCE, 15},
    {relief::v1::HARDSHIP_CATEGORY_SERIOUS_ILLNESS, 10},
    {relief::v1::HARDSHIP_CATEGORY_ZERO_EMPLOYMENT_HOUSEHOLD, 5},
    {relief::v1::HARDSHIP_CATEGORY_SINGLE_PARENT, 10},
    {relief::v1::HARDSHIP_CATEGORY_DISABILITY, 8},
    {relief::v1::HARDSHIP_CATEGORY_MIGRANT_WORKER, 12},
    {relief::v1::HARDSHIP_CATEGORY_AGED_4050, 12},
    {relief::v1::HARDSHIP_CATEGORY_MODEL_WORKER, 3},
    {relief::v1::HARDSHIP_CATEGORY_OTHER, 5},
};

HardshipCategory DrawCategory(Random& random) {
  int roll = random.Below(100);
  for (const CategoryShare& c : kCategories) {
    if (roll < c.share) return c.category;
    roll -= c.share;
  }
  return relief::v1::HARDSHIP_CATEGORY_OTHER;
}

// Festival relief by hardship: the poorest get most (policy: 500-2,000).
int64_t FestivalFen(HardshipCategory category) {
  switch (category) {
    case relief::v1::HARDSHIP_CATEGORY_SERIOUS_ILLNESS:
      return 2000 * kYuan;
    case relief::v1::HARDSHIP_CATEGORY_SUBSISTENCE_ALLOWANCE:
    case relief::v1::HARDSHIP_CATEGORY_ZERO_EMPLOYMENT_HOUSEHOLD:
      return 1500 * kYuan;
    case relief::v1::HARDSHIP_CATEGORY_SINGLE_PARENT:
    case relief::v1::HARDSHIP_CATEGORY_DISABILITY:
      return 1200 * kYuan;
    default:
      return 800 * kYuan;
  }
}

constexpr int kPeoplePerEnterprise = 30;
constexpr int kEducationGrants = 40;
constexpr int kMedicalGrantsMax = 30;
constexpr int kLivingGrants = 40;
constexpr int kFestivalGoodsGrants = 40;

}  // namespace

char DemoIdCheckCharacter(const std::string& first17) {
  static constexpr int kWeights[17] = {7, 9, 10, 5, 8, 4, 2, 1, 6,
                                       3, 7, 9, 10, 5, 8, 4, 2};
  static constexpr char kCheck[] = "10X98765432";
  int sum = 0;
  for (int i = 0; i < 17; ++i) sum += (first17[i] - '0') * kWeights[i];
  return kCheck[sum % 11];
}

DemoPlan MakeDemoPlan(uint64_t seed) {
  Random random(seed);
  DemoPlan plan;
  plan.province_code = "shandong";
  plan.city_code = "shandong.jining";
  const std::string& city = plan.city_code;
  plan.units.push_back({plan.province_code, "山东省总工会",
                        "Shandong Provincial Federation of Trade Unions",
                        relief::v1::ORG_LEVEL_PROVINCE, "", ""});
  plan.units.push_back({city, "济宁市总工会",
                        "Jining Municipal Federation of Trade Unions",
                        relief::v1::ORG_LEVEL_CITY, plan.province_code, ""});
  std::vector<std::string> enterprise_codes;
  std::vector<std::string> enterprise_districts;
  std::vector<std::string> enterprise_regions;
  for (const District& d : kDistricts) {
    const std::string code = absl::StrCat(city, ".", d.segment);
    plan.units.push_back({code, d.name_zh, d.name_en,
                          relief::v1::ORG_LEVEL_DISTRICT, city, ""});
  }
  for (const District& d : kDistricts) {
    const std::string district = absl::StrCat(city, ".", d.segment);
    for (const auto& e : d.enterprises) {
      const std::string code = absl::StrCat(district, ".", e[0]);
      plan.units.push_back({code, e[1], e[2], relief::v1::ORG_LEVEL_GRASSROOTS,
                            district, e[3]});
      enterprise_codes.push_back(code);
      enterprise_districts.push_back(district);
      enterprise_regions.push_back(d.id_region);
    }
  }

  // Dossiers.
  std::set<std::string> ids;
  for (size_t e = 0; e < enterprise_codes.size(); ++e) {
    for (int i = 0; i < kPeoplePerEnterprise; ++i) {
      DemoPerson person;
      person.unit_code = enterprise_codes[e];
      person.district_code = enterprise_districts[e];
      person.name = absl::StrCat(
          kSurnames[random.Below(std::size(kSurnames))],
          kGivenNames[random.Below(std::size(kGivenNames))]);
      person.category = DrawCategory(random);
      person.household_size = 1 + static_cast<uint32_t>(random.Below(5));
      std::string id;
      do {
        const std::string first17 = absl::StrFormat(
            "%s%04d%02d%02d%03d", enterprise_regions[e],
            1966 + random.Below(30), 1 + random.Below(12),
            1 + random.Below(28), 1 + random.Below(999));
        id = first17 + DemoIdCheckCharacter(first17);
      } while (!ids.insert(id).second);
      person.national_id = id;
      plan.people.push_back(std::move(person));
    }
  }
  const int people = static_cast<int>(plan.people.size());

  // Money in: every fund source. The province passes the ACFTU's money on
  // to the city (逐级下拨); the city gets the rest directly.
  const auto fed = relief::v1::FUND_SOURCE_FEDERATION_ALLOCATION;
  const auto gov = relief::v1::FUND_SOURCE_GOVERNMENT_MATCHING;
  const auto don = relief::v1::FUND_SOURCE_DONATIONS;
  const auto own = relief::v1::FUND_SOURCE_OWN_FUNDS;
  plan.receipts.push_back({plan.province_code, fed, 2'400'000 * kYuan,
                           "中华全国总工会 ACFTU", "总工财〔2026〕8号",
                           "困难职工帮扶专项资金 hardship relief allocation",
                           "", 0, ""});
  plan.receipts.push_back({city, gov, 1'000'000 * kYuan,
                           "济宁市财政局 Jining Finance Bureau",
                           "济财社〔2026〕21号",
                           "财政配套帮扶资金 government matching", "", 0, ""});
  plan.receipts.push_back({city, don, 500'000 * kYuan,
                           "济宁市慈善总会 Jining Charity Federation",
                           "JZ-2026-0117", "金秋助学捐款 education aid donation",
                           "", 0, ""});
  plan.receipts.push_back({city, own, 400'000 * kYuan,
                           "济宁市总工会本级经费 own union dues budget",
                           "济工财〔2026〕3号", "本级帮扶投入 own relief budget",
                           "", 0, ""});
  const std::string rencheng = absl::StrCat(city, ".rencheng");
  plan.receipts.push_back({rencheng, don, 60'000 * kYuan,
                           "济宁鲁丰粮油有限公司 Lufeng Grain & Oil Co.",
                           "WZ-2026-0009", "春节慰问捐赠大米 donated rice",
                           "大米 10kg 袋装 rice, 10 kg bags", 600, "袋"});

  plan.allocations.push_back({plan.province_code, city, fed,
                              1'800'000 * kYuan, "鲁工财〔2026〕15号"});
  for (const District& d : kDistricts) {
    const std::string district = absl::StrCat(city, ".", d.segment);
    plan.allocations.push_back(
        {city, district, fed, 350'000 * kYuan, "济工财〔2026〕5号"});
    plan.allocations.push_back(
        {city, district, gov, 200'000 * kYuan, "济工财〔2026〕6号"});
    plan.allocations.push_back(
        {city, district, don, 50'000 * kYuan, "济工财〔2026〕7号"});
  }

  // Festival relief (送温暖): five in six, paid by their district from the
  // federation money; in Rencheng 40 of them also get five bags of the
  // donated rice (goods in kind, 500 yuan), a second festival grant.
  int goods = 0;
  for (int p = 0; p < people; ++p) {
    if (p % 6 == 5) continue;
    const DemoPerson& person = plan.people[p];
    plan.grants.push_back({p, "festival", person.district_code, fed,
                           FestivalFen(person.category), 0,
                           "春节送温暖 Spring Festival relief"});
    if (person.district_code == rencheng && goods < kFestivalGoodsGrants) {
      ++goods;
      plan.grants.push_back({p, "festival", rencheng, don, 500 * kYuan, 5,
                             "春节慰问大米 5袋 rice, 5 bags"});
    }
  }
  // Education aid (金秋助学) for families of three or more, paid by the city
  // from donations; people are visited in a stride so every unit has some.
  int education = 0;
  for (int j = 0; j < people && education < kEducationGrants; ++j) {
    const int p = (j * 37) % people;
    const DemoPerson& person = plan.people[p];
    if (person.household_size < 3) continue;
    const bool poorest =
        person.category ==
            relief::v1::HARDSHIP_CATEGORY_SUBSISTENCE_ALLOWANCE ||
        person.category ==
            relief::v1::HARDSHIP_CATEGORY_ZERO_EMPLOYMENT_HOUSEHOLD;
    if (education == 0) plan.duplicate_education_person = p;
    ++education;
    plan.grants.push_back({p, "education", city, don,
                           (poorest ? 4000 : 3000) * kYuan, 0,
                           "金秋助学 大学新生 first-year student"});
  }
  // Medical aid (医疗救助) for serious illness, from government matching.
  int medical = 0;
  for (int p = 0; p < people && medical < kMedicalGrantsMax; ++p) {
    const DemoPerson& person = plan.people[p];
    if (person.category != relief::v1::HARDSHIP_CATEGORY_SERIOUS_ILLNESS) {
      continue;
    }
    plan.grants.push_back({p, "medical", person.district_code, gov,
                           (5000 + 2500 * (medical % 4)) * kYuan, 0,
                           "大病医疗救助 serious illness"});
    ++medical;
  }
  // Living aid (生活救助) for subsistence and disability households.
  int living = 0;
  for (int j = 0; j < people && living < kLivingGrants; ++j) {
    const int p = (j * 53) % people;
    const DemoPerson& person = plan.people[p];
    if (person.category !=
            relief::v1::HARDSHIP_CATEGORY_SUBSISTENCE_ALLOWANCE &&
        person.category != relief::v1::HARDSHIP_CATEGORY_DISABILITY) {
      continue;
    }
    plan.grants.push_back({p, "living", person.district_code, gov,
                           2000 * kYuan, 0, "生活救助 living aid"});
    ++living;
  }

  // Six small loans (小额借款), interest-free, monthly equal principal; the
  // first person of a suitable category in six enterprises.
  struct LoanTerms {
    int enterprise;
    bool city_lends;  // from the city's own funds, else the district's
    int64_t principal_yuan;
    uint32_t term_months;
    int64_t repaid_yuan;
    const char* purpose;
  };
  constexpr LoanTerms kLoans[] = {
      {0, false, 20'000, 10, 20'000, "早餐店 breakfast shop"},
      {3, false, 30'000, 12, 5'000, "家电维修 appliance repair"},
      {6, false, 24'000, 12, 4'000, "蔬菜大棚 vegetable greenhouse"},
      {9, false, 48'000, 24, 6'000, "农家乐 farm guesthouse"},
      {1, true, 36'000, 12, 3'000, "网店 online shop"},
      {4, true, 40'000, 20, 0, "货运 freight van"},
  };
  for (const LoanTerms& t : kLoans) {
    int chosen = -1;
    for (int i = 0; i < kPeoplePerEnterprise && chosen < 0; ++i) {
      const int p = t.enterprise * kPeoplePerEnterprise + i;
      const auto c = plan.people[p].category;
      if (c == relief::v1::HARDSHIP_CATEGORY_MIGRANT_WORKER ||
          c == relief::v1::HARDSHIP_CATEGORY_AGED_4050 ||
          c == relief::v1::HARDSHIP_CATEGORY_NEAR_SUBSISTENCE ||
          c == relief::v1::HARDSHIP_CATEGORY_ZERO_EMPLOYMENT_HOUSEHOLD) {
        chosen = p;
      }
    }
    if (chosen < 0) chosen = t.enterprise * kPeoplePerEnterprise;
    const DemoPerson& person = plan.people[chosen];
    plan.loans.push_back({chosen, t.city_lends ? city : person.district_code,
                          t.city_lends ? own : fed, t.principal_yuan * kYuan,
                          t.term_months, t.purpose, t.repaid_yuan * kYuan});
  }
  return plan;
}

}  // namespace reliefctl
