#include "runtime/hdf5_file.h"

#include <gtest/gtest.h>

#include "tests/util/test_util.h"

namespace rankflow {
namespace {

using testing::TempDir;

TEST(Hdf5FileTest, WritesAndReadsDatasetsGroupsAndAttributes) {
  TempDir dir;
  const std::string path = dir.Join("a.h5");
  {
    auto f = Hdf5File::Create(path);
    ASSERT_TRUE(f.ok()) << f.status().ToString();
    std::vector<float> w = {1.5f, -2.f, 3.f, 4.f, 5.f, 6.25f};
    ASSERT_TRUE((*f)->WriteFloat32("layer_0/weights", {2, 3}, w.data()).ok());
    std::vector<double> d = {0.1, 0.2};
    ASSERT_TRUE((*f)->WriteFloat64("stats/d", {2}, d.data()).ok());
    std::vector<int64_t> i = {-7, 1LL << 40, 3};
    ASSERT_TRUE((*f)->WriteInt64("labels", {3}, i.data()).ok());
    ASSERT_TRUE((*f)->SetAttribute("/", "kind", "mlp").ok());
    ASSERT_TRUE((*f)->SetAttribute("layer_0", "activation", "relu").ok());
    ASSERT_TRUE((*f)->SetAttribute("layer_0", "activation", "tanh").ok());  // replaces
    EXPECT_EQ((*f)->WriteInt64("labels", {3}, i.data()).code(), StatusCode::kAlreadyExists);
    ASSERT_TRUE((*f)->Close().ok());
  }
  auto f = Hdf5File::Open(path);
  ASSERT_TRUE(f.ok()) << f.status().ToString();
  std::vector<float> w;
  std::vector<uint64_t> dims;
  ASSERT_TRUE((*f)->ReadFloat32("layer_0/weights", &w, &dims).ok());
  EXPECT_EQ(dims, (std::vector<uint64_t>{2, 3}));
  EXPECT_EQ(w, (std::vector<float>{1.5f, -2.f, 3.f, 4.f, 5.f, 6.25f}));
  std::vector<int64_t> i;
  ASSERT_TRUE((*f)->ReadInt64("labels", &i).ok());
  EXPECT_EQ(i, (std::vector<int64_t>{-7, 1LL << 40, 3}));
  std::vector<double> d;
  ASSERT_TRUE((*f)->ReadFloat64("layer_0/weights", &d).ok());  // converted
  EXPECT_DOUBLE_EQ(d[5], 6.25);
  EXPECT_EQ((*f)->GetAttribute("/", "kind").value(), "mlp");
  EXPECT_EQ((*f)->GetAttribute("layer_0", "activation").value(), "tanh");
  EXPECT_EQ((*f)->GetAttribute("layer_0", "nope").status().code(), StatusCode::kNotFound);
  auto names = (*f)->ListGroup("/");
  ASSERT_TRUE(names.ok());
  EXPECT_EQ(*names, (std::vector<std::string>{"labels", "layer_0", "stats"}));
  EXPECT_TRUE((*f)->Exists("stats/d"));
  EXPECT_FALSE((*f)->Exists("stats/e"));
  EXPECT_FALSE((*f)->Exists("nope/e"));
  auto missing = (*f)->ReadFloat32("nope", &w);
  EXPECT_EQ(missing.code(), StatusCode::kNotFound);
  EXPECT_NE(missing.message().find("a.h5:nope"), std::string::npos) << missing.message();
}

TEST(Hdf5FileTest, AppendsRowsAndReadsRowRanges) {
  TempDir dir;
  const std::string path = dir.Join("rows.h5");
  {
    auto f = Hdf5File::Create(path);
    ASSERT_TRUE(f.ok());
    ASSERT_TRUE((*f)->CreateRowsDataset("x", Hdf5Type::kFloat32, 2, 3).ok());
    for (int batch = 0; batch < 4; ++batch) {
      std::vector<float> rows;
      for (int r = 0; r < batch + 1; ++r) {
        rows.push_back(static_cast<float>(batch * 10 + r));
        rows.push_back(-static_cast<float>(batch * 10 + r));
      }
      ASSERT_TRUE((*f)->AppendRows("x", Hdf5Type::kFloat32, rows.data(), batch + 1).ok());
    }
  }
  auto f = Hdf5File::Open(path);
  ASSERT_TRUE(f.ok());
  EXPECT_EQ((*f)->Dims("x").value(), (std::vector<uint64_t>{10, 2}));
  std::vector<float> part(4);
  ASSERT_TRUE((*f)->ReadRows("x", Hdf5Type::kFloat32, 3, 2, part.data()).ok());
  EXPECT_EQ(part, (std::vector<float>{20, -20, 21, -21}));
  EXPECT_EQ((*f)->ReadRows("x", Hdf5Type::kFloat32, 9, 2, part.data()).code(),
            StatusCode::kInvalidArgument);
}

TEST(Hdf5FileTest, OpenReportsMissingAndNonHdf5Files) {
  TempDir dir;
  EXPECT_EQ(Hdf5File::Open(dir.Join("none.h5")).status().code(), StatusCode::kNotFound);
  testing::WriteFile(dir.Join("text.h5"), "not hdf5 at all");
  auto bad = Hdf5File::Open(dir.Join("text.h5"));
  EXPECT_EQ(bad.status().code(), StatusCode::kCorruption);
}

TEST(Hdf5FileTest, H5pyReadsWhatWeWrite) {
  TempDir dir;
  const std::string path = dir.Join("py.h5");
  {
    auto f = Hdf5File::Create(path);
    ASSERT_TRUE(f.ok());
    std::vector<float> w = {1, 2, 3, 4};
    ASSERT_TRUE((*f)->WriteFloat32("g/w", {2, 2}, w.data()).ok());
    ASSERT_TRUE((*f)->SetAttribute("g", "note", "h\xC3\xA9llo").ok());
  }
  auto r = testing::RunCommand(
      "/usr/bin/python3 -c \"import h5py,sys; f=h5py.File(sys.argv[1],'r'); "
      "w=f['g/w']; a=f['g'].attrs['note']; "
      "print(w.dtype, w.shape, float(w[1,0]), a == 'h\\u00e9llo')\" " +
          path,
      60);
  ASSERT_EQ(r.exit_code, 0) << r.output;
  EXPECT_EQ(r.output, "float32 (2, 2) 3.0 True\n");
}

}  // namespace
}  // namespace rankflow
