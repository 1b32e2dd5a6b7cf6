#include "operators/ml/model_io.h"

#include <cstdlib>

namespace rankflow::ml {
namespace {

std::string LayerName(int l) { return "layer_" + std::to_string(l); }

std::string Join(const std::vector<std::string>& parts) {
  std::string s;
  for (const std::string& p : parts) s += (s.empty() ? "" : ",") + p;
  return s;
}

std::vector<std::string> Split(const std::string& s, char sep) {
  std::vector<std::string> out;
  size_t start = 0;
  while (start <= s.size()) {
    size_t at = s.find(sep, start);
    if (at == std::string::npos) at = s.size();
    out.push_back(s.substr(start, at - start));
    start = at + 1;
  }
  return out;
}

}  // namespace

Status WriteModel(const Mlp& model, const std::vector<std::string>& class_names,
                  const Attributes& extra, Hdf5File* file) {
  const MlpSpec& spec = model.spec();
  const std::vector<int64_t>& d = model.dims();
  for (int l = 0; l < model.layers(); ++l) {
    const std::string g = LayerName(l);
    RF_RETURN_IF_ERROR(file->WriteFloat32(
        g + "/weights", {static_cast<uint64_t>(d[l]), static_cast<uint64_t>(d[l + 1])},
        model.params().data() + model.WeightOffset(l)));
    RF_RETURN_IF_ERROR(file->WriteFloat32(g + "/bias", {static_cast<uint64_t>(d[l + 1])},
                                          model.params().data() + model.BiasOffset(l)));
  }
  Attributes attrs = extra;
  attrs["format"] = "rankflow-mlp-1";
  attrs["activation"] = ActivationName(spec.activation);
  attrs["inputs"] = std::to_string(spec.inputs);
  attrs["outputs"] = std::to_string(spec.outputs);
  attrs["hidden"] = spec.HiddenName();
  attrs["layers"] = std::to_string(model.layers());
  attrs["classes"] = Join(class_names);
  for (const auto& [k, v] : attrs) RF_RETURN_IF_ERROR(file->SetAttribute("/", k, v));
  return Status::OK();
}

Result<std::unique_ptr<Mlp>> ReadModel(const Hdf5File& file,
                                       std::vector<std::string>* class_names) {
  auto format = file.GetAttribute("/", "format");
  if (!format.ok() || *format != "rankflow-mlp-1") {
    return Status::InvalidArgument(file.path() + ": not a rankflow-mlp-1 model file");
  }
  MlpSpec spec;
  auto act = file.GetAttribute("/", "activation");
  auto inputs = file.GetAttribute("/", "inputs");
  auto outputs = file.GetAttribute("/", "outputs");
  auto hidden = file.GetAttribute("/", "hidden");
  if (!act.ok() || !inputs.ok() || !outputs.ok() || !hidden.ok()) {
    return Status::Corruption(file.path() + ": model attributes missing");
  }
  auto a = ParseActivation(*act);
  if (!a.ok()) return a.status().WithPrefix(file.path());
  spec.activation = *a;
  spec.inputs = std::strtoll(inputs->c_str(), nullptr, 10);
  spec.outputs = std::strtoll(outputs->c_str(), nullptr, 10);
  if (*hidden != "0") {
    for (const std::string& h : Split(*hidden, '-')) {
      spec.hidden.push_back(std::strtoll(h.c_str(), nullptr, 10));
    }
  }
  Status st = spec.Validate();
  if (!st.ok()) return st.WithPrefix(file.path());
  auto model = std::make_unique<Mlp>(spec);
  const std::vector<int64_t>& d = model->dims();
  for (int l = 0; l < model->layers(); ++l) {
    std::vector<float> w, b;
    std::vector<uint64_t> wd, bd;
    RF_RETURN_IF_ERROR(file.ReadFloat32(LayerName(l) + "/weights", &w, &wd));
    RF_RETURN_IF_ERROR(file.ReadFloat32(LayerName(l) + "/bias", &b, &bd));
    if (wd != std::vector<uint64_t>{static_cast<uint64_t>(d[l]), static_cast<uint64_t>(d[l + 1])} ||
        bd != std::vector<uint64_t>{static_cast<uint64_t>(d[l + 1])}) {
      return Status::Corruption(file.path() + ":" + LayerName(l) + ": shape does not match spec");
    }
    std::copy(w.begin(), w.end(), model->params().begin() + model->WeightOffset(l));
    std::copy(b.begin(), b.end(), model->params().begin() + model->BiasOffset(l));
  }
  if (class_names != nullptr) {
    auto classes = file.GetAttribute("/", "classes");
    *class_names = classes.ok() ? Split(*classes, ',') : std::vector<std::string>{};
  }
  return model;
}

Status SaveCheckpoint(const std::string& local_path, const Mlp& model,
                      const std::vector<std::string>& class_names, Optimizer& optimizer,
                      int epochs_done, const Attributes& extra) {
  auto file = Hdf5File::Create(local_path);
  if (!file.ok()) return file.status();
  Attributes attrs = extra;
  attrs["optimizer"] = OptimizerName(optimizer.options().kind);
  attrs["steps"] = std::to_string(optimizer.steps());
  attrs["epochs_done"] = std::to_string(epochs_done);
  RF_RETURN_IF_ERROR(WriteModel(model, class_names, attrs, file->get()));
  const uint64_t p = model.params().size();
  RF_RETURN_IF_ERROR((*file)->WriteFloat32("optimizer/first", {p}, optimizer.first().data()));
  if (!optimizer.second().empty()) {
    RF_RETURN_IF_ERROR((*file)->WriteFloat32("optimizer/second", {p}, optimizer.second().data()));
  }
  return (*file)->Close();
}

Result<int> LoadCheckpoint(const std::string& local_path, Mlp* model, Optimizer* optimizer) {
  auto file = Hdf5File::Open(local_path);
  if (!file.ok()) return file.status();
  auto loaded = ReadModel(**file);
  if (!loaded.ok()) return loaded.status();
  if ((*loaded)->dims() != model->dims() ||
      (*loaded)->spec().activation != model->spec().activation) {
    return Status::InvalidArgument(local_path + ": checkpoint is of another architecture (hidden " +
                                   (*loaded)->spec().HiddenName() + ")");
  }
  auto kind = (*file)->GetAttribute("/", "optimizer");
  if (!kind.ok() || *kind != OptimizerName(optimizer->options().kind)) {
    return Status::InvalidArgument(local_path + ": checkpoint was made with another optimizer");
  }
  auto steps = (*file)->GetAttribute("/", "steps");
  auto epochs = (*file)->GetAttribute("/", "epochs_done");
  if (!steps.ok() || !epochs.ok()) return Status::Corruption(local_path + ": no training state");
  model->params() = (*loaded)->params();
  std::vector<float> first, second;
  RF_RETURN_IF_ERROR((*file)->ReadFloat32("optimizer/first", &first));
  if (first.size() != optimizer->first().size()) {
    return Status::Corruption(local_path + ": optimizer state has the wrong size");
  }
  optimizer->first() = std::move(first);
  if (!optimizer->second().empty()) {
    RF_RETURN_IF_ERROR((*file)->ReadFloat32("optimizer/second", &second));
    if (second.size() != optimizer->second().size()) {
      return Status::Corruption(local_path + ": optimizer state has the wrong size");
    }
    optimizer->second() = std::move(second);
  }
  optimizer->set_steps(std::strtoll(steps->c_str(), nullptr, 10));
  return static_cast<int>(std::strtol(epochs->c_str(), nullptr, 10));
}

}  // namespace rankflow::ml
