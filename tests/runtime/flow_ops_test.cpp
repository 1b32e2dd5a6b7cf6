// The dataflow API's operations (runtime/flow/flow.h) at 1, 2 and 4 ranks, each against a
// sequential reference computed here from the same input with std containers. Every test also
// runs with a 4 KiB shuffle budget (debug_shuffle), so the spilling paths are taken.
#include <gtest/gtest.h>

#include <algorithm>
#include <map>
#include <random>
#include <set>

#include "runtime/flow/flow.h"
#include "tests/util/mpi_test.h"
#include "tests/util/test_util.h"

namespace rankflow::flow {
namespace {

using rankflow::testing::TestMpi;

struct Sale {
  std::string shop;
  std::string item;
  int64_t units = 0;
  double price = 0;
  bool operator==(const Sale&) const = default;
  bool operator<(const Sale& o) const {
    return std::tie(shop, item, units, price) < std::tie(o.shop, o.item, o.units, o.price);
  }
};
RF_FIELDS(Sale, shop, item, units, price);

// The same pseudo-random sales on every rank (fixed seed): a few shops, skewed towards "s0".
std::vector<Sale> MakeSales(size_t n) {
  std::mt19937_64 rng(42);
  std::vector<Sale> v;
  for (size_t i = 0; i < n; ++i) {
    const uint64_t r = rng();
    std::string shop = "s" + std::to_string((r % 3 == 0) ? 0 : r % 7);
    v.push_back({shop, "i" + std::to_string(rng() % 50), static_cast<int64_t>(rng() % 9) - 2,
                 static_cast<double>(rng() % 1000) / 4});
  }
  return v;
}

class FlowOps : public ::testing::TestWithParam<bool> {
 protected:
  FlowOps() : ctx_(TestMpi(), Options()) {}
  ContextOptions Options() const {
    ContextOptions o;
    o.debug_shuffle = GetParam();
    return o;
  }
  Context ctx_;
  std::vector<Sale> sales_ = MakeSales(3000);
};

template <typename T>
std::vector<T> Sorted(std::vector<T> v) {
  std::sort(v.begin(), v.end());
  return v;
}

TEST_P(FlowOps, ElementWiseStagesFuseAndKeepEveryElement) {
  Dataset<Sale> ds = ctx_.Parallelize(sales_);
  std::vector<std::string> got =
      ds.Filter([](const Sale& s) { return s.units > 0; })
          .Map([](const Sale& s) { return s.shop + "/" + s.item; })
          .FlatMap<std::string>([](std::string s, Emitter<std::string>& emit) {
            emit(s);
            emit(s + "!");
          })
          .Union(ctx_.Parallelize(std::vector<std::string>{"extra"}))
          .Broadcast();
  std::vector<std::string> want{"extra"};
  for (const Sale& s : sales_) {
    if (s.units <= 0) continue;
    want.push_back(s.shop + "/" + s.item);
    want.push_back(s.shop + "/" + s.item + "!");
  }
  EXPECT_EQ(Sorted(got), Sorted(want));
  EXPECT_EQ(ds.Count(), sales_.size());
  // A Map may return Result<U>.
  EXPECT_EQ(ds.Map([](const Sale& s) -> Result<int64_t> { return s.units; }).Count(),
            sales_.size());
}

TEST_P(FlowOps, SampleIsDeterministicWhateverTheRankCount) {
  std::vector<int64_t> values(5000);
  for (size_t i = 0; i < values.size(); ++i) values[i] = static_cast<int64_t>(i);
  std::vector<int64_t> got = ctx_.Parallelize(values).Sample(0.25, 7).Broadcast();
  // The reference: the same hash decision made on one list.
  std::vector<int64_t> want;
  for (int64_t v : values) {
    std::string b = EncodeToString(uint64_t{7});
    Encode(v, &b);
    if (static_cast<double>(KeyHash64(b)) < 0.25 * 18446744073709551616.0) want.push_back(v);
  }
  EXPECT_EQ(Sorted(got), want);
  EXPECT_GT(want.size(), 1000u);
  EXPECT_LT(want.size(), 1500u);
}

TEST_P(FlowOps, ReduceByKeyWithEveryAggregateInOnePass) {
  auto rows = ctx_.Parallelize(sales_)
                  .ReduceByKey([](const Sale& s) { return s.shop; }, Count(), Sum(&Sale::units),
                               Sum(&Sale::price), Min(&Sale::item), Max(&Sale::units),
                               Mean([](const Sale& s) { return s.units; }),
                               ArgMin(&Sale::price, &Sale::item), ArgMax(&Sale::units, &Sale::item))
                  .Broadcast();
  struct Ref {
    uint64_t n = 0;
    int64_t units = 0;
    double price = 0;
    std::string min_item = "\xff";
    int64_t max_units = INT64_MIN;
    std::pair<double, std::string> cheapest{1e300, ""};
    std::pair<int64_t, std::string> most{INT64_MIN, ""};
  };
  std::map<std::string, Ref> ref;
  for (const Sale& s : sales_) {
    Ref& r = ref[s.shop];
    ++r.n;
    r.units += s.units;
    r.price += s.price;
    r.min_item = std::min(r.min_item, s.item);
    r.max_units = std::max(r.max_units, s.units);
    r.cheapest = std::min(r.cheapest, std::make_pair(s.price, s.item));
    // ArgMax: the largest units; ties to the smallest item.
    if (s.units > r.most.first || (s.units == r.most.first && s.item < r.most.second)) {
      r.most = {s.units, s.item};
    }
  }
  ASSERT_EQ(rows.size(), ref.size());
  for (const auto& row : rows) {
    const Ref& r = ref.at(std::get<0>(row));
    EXPECT_EQ(std::get<1>(row), r.n);
    EXPECT_EQ(std::get<2>(row), r.units);
    EXPECT_NEAR(std::get<3>(row), r.price, 1e-6);
    EXPECT_EQ(std::get<4>(row), r.min_item);
    EXPECT_EQ(std::get<5>(row), r.max_units);
    EXPECT_NEAR(std::get<6>(row), static_cast<double>(r.units) / static_cast<double>(r.n), 1e-9);
    EXPECT_EQ(std::get<7>(row), r.cheapest.second);
    EXPECT_EQ(std::get<8>(row), r.most.second);
  }
}

TEST_P(FlowOps, ReduceByKeyWithAFunctionAndCompositeKeys) {
  auto got =
      ctx_.Parallelize(sales_)
          .ReduceByKey([](const Sale& s) { return std::make_pair(s.shop, s.item); },
                       [](Sale a, const Sale& b) {
                         a.units += b.units;
                         a.price = std::max(a.price, b.price);
                         return a;
                       })
          .Map([](const Sale& s) { return std::make_tuple(s.shop, s.item, s.units, s.price); })
          .Broadcast();
  std::map<std::pair<std::string, std::string>, std::pair<int64_t, double>> ref;
  for (const Sale& s : sales_) {
    auto [it, fresh] = ref.try_emplace({s.shop, s.item}, s.units, s.price);
    if (fresh) continue;
    it->second.first += s.units;
    it->second.second = std::max(it->second.second, s.price);
  }
  std::vector<std::tuple<std::string, std::string, int64_t, double>> want;
  for (const auto& [k, v] : ref) want.emplace_back(k.first, k.second, v.first, v.second);
  EXPECT_EQ(Sorted(got), want);
}

TEST_P(FlowOps, DistinctAndCountDistinctAreExact) {
  Dataset<Sale> ds = ctx_.Parallelize(sales_);
  auto items = ds.Map([](const Sale& s) { return s.item; });
  std::set<std::string> ref_items;
  std::map<std::string, std::set<std::string>> ref_by_shop;
  for (const Sale& s : sales_) {
    ref_items.insert(s.item);
    ref_by_shop[s.shop].insert(s.item);
  }
  EXPECT_EQ(Sorted(items.Distinct().Broadcast()),
            std::vector<std::string>(ref_items.begin(), ref_items.end()));
  EXPECT_EQ(items.CountDistinct(), ref_items.size());
  auto by_shop =
      ds.CountDistinctByKey([](const Sale& s) { return s.shop; }, &Sale::item).Broadcast();
  ASSERT_EQ(by_shop.size(), ref_by_shop.size());
  for (const auto& [shop, n] : by_shop) EXPECT_EQ(n, ref_by_shop.at(shop).size()) << shop;
}

TEST_P(FlowOps, CollectGivesRankZeroEverythingAndCacheReadsOnce) {
  Dataset<Sale> cached = ctx_.Parallelize(sales_).Cache();
  std::vector<Sale> got = cached.Collect();
  if (TestMpi().is_root()) {
    EXPECT_EQ(Sorted(got), Sorted(sales_));
  } else {
    EXPECT_TRUE(got.empty());
  }
  EXPECT_EQ(cached.Count(), sales_.size());
  EXPECT_EQ(cached.Count(), sales_.size());
}

TEST_P(FlowOps, SortByIsGlobalAscendingAndDescendingWithTiesByElement) {
  Dataset<Sale> ds = ctx_.Parallelize(sales_);
  std::vector<Sale> asc = ds.SortBy([](const Sale& s) { return s.units; }).Collect();
  std::vector<Sale> desc =
      ds.SortBy([](const Sale& s) { return std::make_tuple(Desc(s.price), s.item); }).Collect();
  if (!TestMpi().is_root()) return;
  std::vector<Sale> want = sales_;
  std::sort(want.begin(), want.end(), [](const Sale& a, const Sale& b) {
    if (a.units != b.units) return a.units < b.units;
    return EncodeToString(a) < EncodeToString(b);
  });
  EXPECT_EQ(asc, want);
  std::sort(want.begin(), want.end(), [](const Sale& a, const Sale& b) {
    if (a.price != b.price) return a.price > b.price;
    if (a.item != b.item) return a.item < b.item;
    return EncodeToString(a) < EncodeToString(b);
  });
  EXPECT_EQ(desc, want);
}

TEST_P(FlowOps, LinesReadEveryLineOfTheInputFiles) {
  // One folder for all ranks: rank 0 makes it, the others learn its name.
  std::unique_ptr<rankflow::testing::TempDir> dir;
  std::string path;
  if (TestMpi().is_root()) {
    dir = std::make_unique<rankflow::testing::TempDir>();
    path = dir->path();
    rankflow::testing::WriteFile(dir->Join("a.txt"), "x 1\ny 2\n\nx 3\n");
    rankflow::testing::WriteGzipFile(dir->Join("b.txt.gz"), "y 4\nz 5");
  }
  TestMpi().Broadcast(&path);
  auto sums = ctx_.Lines({path, ""})
                  .Map([](const std::string& l) {
                    return std::make_pair(l.substr(0, 1), std::stoll(l.substr(2)));
                  })
                  .ReduceByKey([](const auto& p) { return p.first; },
                               Sum(&std::pair<std::string, long long>::second))
                  .Broadcast();
  EXPECT_EQ(Sorted(sums),
            (std::vector<std::pair<std::string, int64_t>>{{"x", 4}, {"y", 6}, {"z", 5}}));
  TestMpi().Barrier();  // rank 0 removes the folder only after every rank read it
}

TEST_P(FlowOps, GroupByKeyStreamsEveryValueOfEachKeyOnce) {
  auto got = ctx_.Parallelize(sales_)
                 .GroupByKey<std::tuple<std::string, int64_t, int64_t>>(
                     [](const Sale& s) { return s.shop; },
                     [](const std::string& shop, Values<Sale>& values,
                        Emitter<std::tuple<std::string, int64_t, int64_t>>& emit) {
                       int64_t n = 0, units = 0;
                       for (const Sale& s : values) {
                         EXPECT_EQ(s.shop, shop);
                         ++n;
                         units += s.units;
                       }
                       emit({shop, n, units});
                     })
                 .Broadcast();
  std::map<std::string, std::pair<int64_t, int64_t>> ref;
  for (const Sale& s : sales_) {
    ++ref[s.shop].first;
    ref[s.shop].second += s.units;
  }
  std::vector<std::tuple<std::string, int64_t, int64_t>> want;
  for (const auto& [shop, v] : ref) want.emplace_back(shop, v.first, v.second);
  EXPECT_EQ(Sorted(got), want);
}

TEST_P(FlowOps, JoinsMatchANestedLoopReference) {
  // Shops as the small side: names for some of them (s5 has none, "nowhere" no sales).
  std::vector<std::pair<std::string, std::string>> shops{
      {"s0", "zero"},  {"s0", "nought"}, {"s1", "one"}, {"s2", "two"},
      {"s3", "three"}, {"s4", "four"},   {"s6", "six"}, {"nowhere", "-"}};
  Dataset<Sale> sales = ctx_.Parallelize(sales_);
  auto names = ctx_.Parallelize(shops);
  auto shop_of = [](const Sale& s) { return s.shop; };
  auto key_of = [](const std::pair<std::string, std::string>& p) { return p.first; };
  auto flatten = [](const std::pair<Sale, std::pair<std::string, std::string>>& p) {
    return std::make_tuple(p.first.shop, p.first.item, p.first.units, p.first.price,
                           p.second.second);
  };
  auto inner = sales.Join(names, shop_of, key_of).Map(flatten).Broadcast();
  auto broadcast = sales.BroadcastJoin(names, shop_of, key_of).Map(flatten).Broadcast();
  auto left =
      sales.LeftJoin(names, shop_of, key_of)
          .Map([](const std::pair<Sale, std::optional<std::pair<std::string, std::string>>>& p) {
            return std::make_tuple(p.first.shop, p.first.item, p.first.units, p.first.price,
                                   p.second ? p.second->second : std::string("<none>"));
          })
          .Broadcast();
  std::vector<std::tuple<std::string, std::string, int64_t, double, std::string>> want_inner,
      want_left;
  for (const Sale& s : sales_) {
    bool matched = false;
    for (const auto& [shop, name] : shops) {
      if (shop != s.shop) continue;
      matched = true;
      want_inner.emplace_back(s.shop, s.item, s.units, s.price, name);
    }
    if (matched) continue;
    want_left.emplace_back(s.shop, s.item, s.units, s.price, "<none>");
  }
  want_left.insert(want_left.end(), want_inner.begin(), want_inner.end());
  EXPECT_EQ(Sorted(inner), Sorted(want_inner));
  EXPECT_EQ(Sorted(broadcast), Sorted(want_inner));
  EXPECT_EQ(Sorted(left), Sorted(want_left));
}

TEST_P(FlowOps, TopKGlobalAndPerGroupWithoutAFullSort) {
  Dataset<Sale> ds = ctx_.Parallelize(sales_);
  std::vector<Sale> top =
      ds.TopK(10, [](const Sale& s) { return std::make_tuple(Desc(s.price), s.item); }).Collect();
  std::vector<Sale> per =
      ds.TopKPerKey(
            3, [](const Sale& s) { return s.shop; }, &Sale::units, Order::kDescending)
          .Broadcast();
  std::vector<Sale> want = sales_;
  auto by_price = [](const Sale& a, const Sale& b) {
    if (a.price != b.price) return a.price > b.price;
    if (a.item != b.item) return a.item < b.item;
    return EncodeToString(a) < EncodeToString(b);
  };
  std::sort(want.begin(), want.end(), by_price);
  want.resize(10);
  if (TestMpi().is_root()) {
    EXPECT_EQ(top, want);
  } else {
    EXPECT_TRUE(top.empty());
  }
  // Per group: the 3 with the most units, ties by the element's encoding, grouped and ordered.
  std::map<std::string, std::vector<Sale>> groups;
  for (const Sale& s : sales_) groups[s.shop].push_back(s);
  std::vector<Sale> want_per;
  for (auto& [shop, v] : groups) {
    std::sort(v.begin(), v.end(), [](const Sale& a, const Sale& b) {
      if (a.units != b.units) return a.units > b.units;
      return EncodeToString(a) < EncodeToString(b);
    });
    v.resize(std::min<size_t>(3, v.size()));
    want_per.insert(want_per.end(), v.begin(), v.end());
  }
  EXPECT_EQ(Sorted(per), Sorted(want_per));
}

TEST_P(FlowOps, ApproxCountDistinctIsCloseAndExactForFewValues) {
  std::vector<int64_t> many(40000);
  for (size_t i = 0; i < many.size(); ++i) many[i] = static_cast<int64_t>(i % 20000);
  const uint64_t estimate = ctx_.Parallelize(many).ApproxCountDistinct();
  EXPECT_NEAR(static_cast<double>(estimate), 20000.0, 20000.0 * 0.03);
  EXPECT_EQ(
      ctx_.Parallelize(sales_).Map([](const Sale& s) { return s.shop; }).ApproxCountDistinct(), 7u);
}

// A context without a job (in-process job tests): Write keeps each rank's rows, in order, for
// Written<T>; records_out counts them; Print keeps its text; the same checks as a job's Write.
TEST_P(FlowOps, WriteWithoutAJobKeepsTheRowsForWritten) {
  const MpiContext& mpi = TestMpi();
  const Dataset<Sale> sorted =
      ctx_.Parallelize(sales_).SortBy([](const Sale& s) { return std::tie(s.shop, s.item); });
  const std::vector<Sale> want = sorted.Collect();
  sorted.Write("sales");
  ctx_.Parallelize(std::vector<int64_t>{1, 2, 3}).Write("numbers");
  EXPECT_EQ(ctx_.Written<Sale>("sales").Collect(), want);  // rank order: the global order
  EXPECT_EQ(ctx_.Written<Sale>("sales").Count(), sales_.size());
  EXPECT_EQ(ctx_.Written<int64_t>("numbers").Count(), 3u);
  EXPECT_EQ(mpi.AllSum(ctx_.metrics().Get("records_out")), static_cast<int64_t>(sales_.size() + 3));
  EXPECT_THROW(ctx_.Written<Sale>("nothing"), JobFailed);
  EXPECT_THROW(ctx_.Written<std::string>("numbers"), JobFailed);
  EXPECT_THROW(ctx_.Parallelize(sales_).Write("sales"), JobFailed);            // a name used twice
  EXPECT_THROW(ctx_.Parallelize(sales_).Write("x", {{}, "hdf5"}), JobFailed);  // string columns
  ctx_.Parallelize(std::vector<int64_t>{7, 8}).Print(1, "first");
  EXPECT_EQ(ctx_.printed(), mpi.is_root() ? "first\nvalue\n7\n" : "");
}

INSTANTIATE_TEST_SUITE_P(Budget, FlowOps, ::testing::Values(false, true),
                         [](const auto& info) { return info.param ? "Spilling" : "InMemory"; });

}  // namespace
}  // namespace rankflow::flow
