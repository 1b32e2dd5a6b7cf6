// ModelWeights: the parameters of a model file that train_mlp committed (operators/ml/model_io.h
// layout), for tests that compare two trainings. Header-only: the tests that use it link
// rankflow_ml already.
#pragma once

#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "operators/ml/model_io.h"
#include "runtime/hdf5_file.h"

namespace rankflow::testing {

// Local. Every weight and bias of the model at `model_path` (Mlp::params order); empty, with the
// test failed (EXPECT), if the file cannot be read as a model.
inline std::vector<float> ModelWeights(const std::string& model_path) {
  auto f = Hdf5File::Open(model_path);
  EXPECT_TRUE(f.ok()) << model_path;
  if (!f.ok()) return {};
  auto m = ml::ReadModel(**f);
  EXPECT_TRUE(m.ok()) << m.status().ToString();
  return m.ok() ? (*m)->params() : std::vector<float>{};
}

}  // namespace rankflow::testing
