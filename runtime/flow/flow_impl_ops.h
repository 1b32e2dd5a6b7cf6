// Part of the dataflow API's template implementation: aggregates, element-wise and keyed
// operations. flow_impl.h includes it at its end, after the machinery it uses; not to be included
// on its own.
#pragma once

namespace rankflow::flow {

// ---------------------------------------------------------------------------------------------
// Aggregates.

struct CountAggregate {
  using IsFlowAggregate = void;
  template <typename T>
  uint64_t Init(const T&) const {
    return 1;
  }
  static void Merge(uint64_t* a, const uint64_t& b) { *a += b; }
  static uint64_t Finish(uint64_t s) { return s; }
};
inline CountAggregate Count() { return {}; }

namespace detail {
template <typename V>
using SumType = std::conditional_t<std::is_floating_point_v<V>, double, int64_t>;
}

template <typename F>
struct SumAggregate {
  using IsFlowAggregate = void;
  F f;
  template <typename T>
  auto Init(const T& x) const {
    using V = std::decay_t<std::invoke_result_t<const F&, const T&>>;
    return static_cast<detail::SumType<V>>(std::invoke(f, x));
  }
  template <typename S>
  static void Merge(S* a, const S& b) {
    *a += b;
  }
  template <typename S>
  static S Finish(const S& s) {
    return s;
  }
};
template <typename F>
auto Sum(F f) {
  return SumAggregate<F>{std::move(f)};
}

template <typename F, bool kMax>
struct ExtremeAggregate {
  using IsFlowAggregate = void;
  F f;
  template <typename T>
  auto Init(const T& x) const {
    return std::decay_t<std::invoke_result_t<const F&, const T&>>(std::invoke(f, x));
  }
  template <typename S>
  static void Merge(S* a, const S& b) {
    if (kMax ? (*a < b) : (b < *a)) *a = b;
  }
  template <typename S>
  static S Finish(const S& s) {
    return s;
  }
};
template <typename F>
auto Min(F f) {
  return ExtremeAggregate<F, false>{std::move(f)};
}
template <typename F>
auto Max(F f) {
  return ExtremeAggregate<F, true>{std::move(f)};
}

template <typename F>
struct MeanAggregate {
  using IsFlowAggregate = void;
  F f;
  template <typename T>
  std::pair<double, uint64_t> Init(const T& x) const {
    return {static_cast<double>(std::invoke(f, x)), 1};
  }
  static void Merge(std::pair<double, uint64_t>* a, const std::pair<double, uint64_t>& b) {
    a->first += b.first;
    a->second += b.second;
  }
  static double Finish(const std::pair<double, uint64_t>& s) {
    return s.second == 0 ? 0.0 : s.first / static_cast<double>(s.second);
  }
};
template <typename F>
auto Mean(F f) {
  return MeanAggregate<F>{std::move(f)};
}

// State: (by, value); the better one by (by, encoding of value), so ties are deterministic.
template <typename By, typename F, bool kMax>
struct ArgAggregate {
  using IsFlowAggregate = void;
  By by;
  F f;
  template <typename T>
  auto Init(const T& x) const {
    using B = std::decay_t<std::invoke_result_t<const By&, const T&>>;
    using V = std::decay_t<std::invoke_result_t<const F&, const T&>>;
    return std::pair<B, V>(std::invoke(by, x), std::invoke(f, x));
  }
  template <typename S>
  static void Merge(S* a, const S& b) {
    const std::string ea = EncodeToString(a->first), eb = EncodeToString(b.first);
    const bool b_better = kMax ? (eb > ea) : (eb < ea);
    if (b_better || (ea == eb && EncodeToString(b.second) < EncodeToString(a->second))) *a = b;
  }
  template <typename S>
  static auto Finish(const S& s) {
    return s.second;
  }
};
template <typename By, typename F>
auto ArgMin(By by, F f) {
  return ArgAggregate<By, F, false>{std::move(by), std::move(f)};
}
template <typename By, typename F>
auto ArgMax(By by, F f) {
  return ArgAggregate<By, F, true>{std::move(by), std::move(f)};
}

// ---------------------------------------------------------------------------------------------
// Element-wise operations.

template <typename T>
template <typename F>
auto Dataset<T>::Map(F f) const {
  using R = std::decay_t<std::invoke_result_t<F&, T&&>>;
  using U = typename std::conditional_t<detail::IsResult<R>::value, detail::IsResult<R>,
                                        std::type_identity<R>>::type;
  return Dataset<U>(ctx_, std::make_shared<detail::MapNode<T, U, F>>(node_, std::move(f)));
}

template <typename T>
template <typename U, typename F>
Dataset<U> Dataset<T>::FlatMap(F f) const {
  return Dataset<U>(ctx_, std::make_shared<detail::FlatMapNode<T, U, F>>(node_, std::move(f)));
}

template <typename T>
template <typename F>
Dataset<T> Dataset<T>::Filter(F pred) const {
  return Dataset<T>(ctx_, std::make_shared<detail::FilterNode<T, F>>(node_, std::move(pred)));
}

template <typename T>
Dataset<T> Dataset<T>::Union(const Dataset<T>& other) const {
  return Dataset<T>(ctx_, std::make_shared<detail::UnionNode<T>>(node_, other.node_));
}

template <typename T>
Dataset<T> Dataset<T>::Sample(double fraction, uint64_t seed) const {
  const double threshold = std::clamp(fraction, 0.0, 1.0) * 18446744073709551616.0;
  std::string seed_bytes = EncodeToString(seed);
  return Filter([threshold, seed_bytes, buf = std::string()](const T& x) mutable {
    buf = seed_bytes;
    Encode(x, &buf);
    return static_cast<double>(KeyHash64(buf)) < threshold;
  });
}

// ---------------------------------------------------------------------------------------------
// Keyed operations.

template <typename T>
template <typename KF, Aggregate... As>
requires(sizeof...(As) >= 1) auto Dataset<T>::ReduceByKey(KF key, As... aggregates) const {
  using K = std::decay_t<std::invoke_result_t<KF&, const T&>>;
  using States = std::tuple<decltype(aggregates.Init(std::declval<const T&>()))...>;
  using Out = typename detail::ReduceOut<
      K, decltype(As::Finish(
             std::declval<const decltype(aggregates.Init(std::declval<const T&>()))&>()))...>::type;
  Context::Internal& in = ctx_->internal();
  in.BeginCollective();
  Status combine_failure;
  HashShuffle shuffle(in.mpi, in.shuffle_options(),
                      [&combine_failure](std::string* acc, std::string_view v) {
                        States a, b;
                        if (!DecodeAll(*acc, &a) || !DecodeAll(v, &b)) {
                          combine_failure = Status::Corruption("flow: ReduceByKey state (a bug)");
                          return;
                        }
                        [&]<size_t... I>(std::index_sequence<I...>) {
                          (As::Merge(&std::get<I>(a), std::get<I>(b)), ...);
                        }
                        (std::index_sequence_for<As...>{});
                        acc->clear();
                        Encode(a, acc);
                      });
  std::string kbuf, vbuf;
  detail::RunStage<T>(in, node_, [&](T&& x) {
    in.op = "ReduceByKey";
    kbuf.clear();
    vbuf.clear();
    Encode(std::invoke(key, std::as_const(x)), &kbuf);
    Encode(States(aggregates.Init(std::as_const(x))...), &vbuf);
    detail::ThrowIfNotOk(shuffle.Add(kbuf, vbuf));
  });
  in.EndStage();
  Context::Internal::ThrowIfFailed(shuffle.Exchange(true));
  in.AddShuffleStats(shuffle.stats());
  detail::Spool out = in.NewSpool();
  Status s = shuffle.ForEach([&](std::string_view kb, std::string_view vb) -> Status {
    Out row;
    States st;
    if (!DecodeAll(kb, &std::get<0>(row)) || !DecodeAll(vb, &st)) {
      return Status::Corruption("flow: ReduceByKey record (a bug)");
    }
    [&]<size_t... I>(std::index_sequence<I...>) {
      ((std::get<I + 1>(row) = As::Finish(std::get<I>(st))), ...);
    }
    (std::index_sequence_for<As...>{});
    vbuf.clear();
    Encode(row, &vbuf);
    return out->Add(vbuf, detail::kNoValue);
  });
  in.EndStage(combine_failure.ok() ? s : combine_failure);
  return detail::FromSpool<Out>(ctx_, std::move(out));
}

template <typename T>
template <typename KF, typename RF>
requires(!Aggregate<RF>) Dataset<T> Dataset<T>::ReduceByKey(KF key, RF reduce)
const {
  Context::Internal& in = ctx_->internal();
  in.BeginCollective();
  Status combine_failure;
  HashShuffle shuffle(in.mpi, in.shuffle_options(), [&](std::string* acc, std::string_view v) {
    if (!combine_failure.ok()) return;
    T a{}, b{};
    if (!DecodeAll(*acc, &a) || !DecodeAll(v, &b)) {
      combine_failure = Status::Corruption("flow: ReduceByKey value (a bug)");
      return;
    }
    try {
      in.op = "ReduceByKey";
      T r = reduce(std::move(a), std::as_const(b));
      acc->clear();
      Encode(r, acc);
    } catch (...) {
      combine_failure = in.CurrentFailure(nullptr);
    }
  });
  std::string kbuf, vbuf;
  detail::RunStage<T>(in, node_, [&](T&& x) {
    in.op = "ReduceByKey";
    detail::EncodeKeyed(key, std::as_const(x), &kbuf, &vbuf);
    detail::ThrowIfNotOk(shuffle.Add(kbuf, vbuf));
  });
  // A reduce that threw during the map-side combine is this rank's failure.
  in.EndStage(combine_failure);
  Context::Internal::ThrowIfFailed(shuffle.Exchange(true));
  in.AddShuffleStats(shuffle.stats());
  detail::Spool out = in.NewSpool();
  Status s = shuffle.ForEach([&](std::string_view, std::string_view vb) -> Status {
    return out->Add(vb, detail::kNoValue);
  });
  in.EndStage(combine_failure.ok() ? s : combine_failure);
  return detail::FromSpool<T>(ctx_, std::move(out));
}

template <typename T>
template <typename U, typename KF, typename GF>
Dataset<U> Dataset<T>::GroupByKey(KF key, GF fn) const {
  using K = std::decay_t<std::invoke_result_t<KF&, const T&>>;
  Context::Internal& in = ctx_->internal();
  in.BeginCollective();
  GroupingShuffle groups(in.mpi, in.shuffle_options());
  std::string kbuf, vbuf;
  detail::RunStage<T>(in, node_, [&](T&& x) {
    in.op = "GroupByKey";
    detail::EncodeKeyed(key, std::as_const(x), &kbuf, &vbuf);
    detail::ThrowIfNotOk(groups.Add(kbuf, vbuf));
  });
  in.EndStage();
  Context::Internal::ThrowIfFailed(groups.Exchange(true));
  detail::Spool out = in.NewSpool();
  detail::Sink<U> sink = [&](U&& u) { detail::SpoolValue(out, u, &vbuf); };
  Emitter<U> emit(sink);
  Status s = detail::Guard(in, [&]() -> Status {
    return groups.ForEachGroup([&](std::string_view kb, GroupValues& gv) -> Status {
      K k{};
      if (!DecodeAll(kb, &k)) return Status::Corruption("flow: GroupByKey key (a bug)");
      Status bad;
      Values<T> values([&](T* x) {
        std::string_view v;
        if (!gv.Next(&v)) return false;
        if (!DecodeAll(v, x))
          throw detail::StatusException(Status::Corruption("flow: GroupByKey value (a bug)"));
        return true;
      });
      in.op = "GroupByKey";
      fn(std::as_const(k), values, emit);
      return Status::OK();
    });
  });
  in.EndStage(s);
  return detail::FromSpool<U>(ctx_, std::move(out));
}

template <typename T>
Dataset<T> Dataset<T>::Distinct() const {
  Context::Internal& in = ctx_->internal();
  in.BeginCollective();
  HashShuffle shuffle(in.mpi, in.shuffle_options(), [](std::string*, std::string_view) {});
  std::string buf;
  detail::RunStage<T>(in, node_, [&](T&& x) {
    buf.clear();
    Encode(x, &buf);
    detail::ThrowIfNotOk(shuffle.Add(buf, detail::kNoValue));
  });
  in.EndStage();
  Context::Internal::ThrowIfFailed(shuffle.Exchange(true));
  in.AddShuffleStats(shuffle.stats());
  detail::Spool out = in.NewSpool();
  Status s = shuffle.ForEach([&](std::string_view kb, std::string_view) -> Status {
    return out->Add(kb, detail::kNoValue);
  });
  in.EndStage(s);
  return detail::FromSpool<T>(ctx_, std::move(out));
}

template <typename T>
uint64_t Dataset<T>::CountDistinct() const {
  return Distinct().Count();
}

template <typename T>
uint64_t Dataset<T>::ApproxCountDistinct() const {
  Context::Internal& in = ctx_->internal();
  in.BeginCollective();
  HyperLogLog hll(14);
  std::string buf;
  detail::RunStage<T>(in, node_, [&](T&& x) {
    buf.clear();
    Encode(x, &buf);
    hll.Add(buf);
  });
  in.EndStage();
  hll.AllMerge(in.mpi);
  return static_cast<uint64_t>(std::llround(hll.Estimate()));
}

template <typename T>
template <typename KF, typename VF>
auto Dataset<T>::CountDistinctByKey(KF key, VF value) const {
  using K = std::decay_t<std::invoke_result_t<KF&, const T&>>;
  using V = std::decay_t<std::invoke_result_t<VF&, const T&>>;
  return Map([key, value](const T& x) {
           return std::pair<K, V>(std::invoke(key, x), std::invoke(value, x));
         })
      .Distinct()
      .ReduceByKey([](const std::pair<K, V>& p) { return p.first; }, flow::Count());
}

namespace detail {
template <typename T, typename U, typename KF, typename OKF, typename Out, typename MakeOut>
Dataset<Out> ShuffledJoin(Context* ctx, const NodePtr<T>& left, const NodePtr<U>& right,
                          const KF& key, const OKF& other_key, JoinKind kind, MakeOut make) {
  Context::Internal& in = ctx->internal();
  in.BeginCollective();
  JoinOptions options;
  options.kind = kind;
  options.shuffle = in.shuffle_options();
  ShuffleJoin join(in.mpi, options);
  std::string kbuf, vbuf;
  RunStage<T>(in, left, [&](T&& x) {
    in.op = "Join";
    detail::EncodeKeyed(key, std::as_const(x), &kbuf, &vbuf);
    ThrowIfNotOk(join.AddLeft(kbuf, vbuf));
  });
  RunStage<U>(in, right, [&](U&& y) {
    in.op = "Join";
    detail::EncodeKeyed(other_key, std::as_const(y), &kbuf, &vbuf);
    ThrowIfNotOk(join.AddRight(kbuf, vbuf));
  });
  in.EndStage();
  Context::Internal::ThrowIfFailed(join.Exchange(true));
  Spool out = in.NewSpool();
  Status s = join.ForEach(
      [&](std::string_view, std::string_view lb, const std::string_view* rb) -> Status {
        Out row;
        if (!make(lb, rb, &row)) return Status::Corruption("flow: Join record (a bug)");
        vbuf.clear();
        Encode(row, &vbuf);
        return out->Add(vbuf, detail::kNoValue);
      });
  in.EndStage(s);
  return FromSpool<Out>(ctx, std::move(out));
}
}  // namespace detail

template <typename T>
template <typename U, typename KF, typename OKF>
Dataset<std::pair<T, U>> Dataset<T>::Join(const Dataset<U>& other, KF key, OKF other_key) const {
  using Out = std::pair<T, U>;
  return detail::ShuffledJoin<T, U, KF, OKF, Out>(
      ctx_, node_, other.node(), key, other_key, JoinKind::kInner,
      [](std::string_view lb, const std::string_view* rb, Out* row) {
        return rb != nullptr && DecodeAll(lb, &row->first) && DecodeAll(*rb, &row->second);
      });
}

template <typename T>
template <typename U, typename KF, typename OKF>
Dataset<std::pair<T, std::optional<U>>> Dataset<T>::LeftJoin(const Dataset<U>& other, KF key,
                                                             OKF other_key) const {
  using Out = std::pair<T, std::optional<U>>;
  return detail::ShuffledJoin<T, U, KF, OKF, Out>(
      ctx_, node_, other.node(), key, other_key, JoinKind::kLeft,
      [](std::string_view lb, const std::string_view* rb, Out* row) {
        if (!DecodeAll(lb, &row->first)) return false;
        if (rb == nullptr) {
          row->second.reset();
          return true;
        }
        U u{};
        if (!DecodeAll(*rb, &u)) return false;
        row->second = std::move(u);
        return true;
      });
}

namespace detail {
template <typename T, typename U, typename KF>
struct BroadcastJoinNode : Dataset<std::pair<T, U>>::Node {
  BroadcastJoinNode(NodePtr<T> p, std::shared_ptr<BroadcastTable> t, KF k)
      : parent(std::move(p)), table(std::move(t)), key(std::move(k)) {}
  NodePtr<T> parent;
  std::shared_ptr<BroadcastTable> table;
  KF key;
  Status Produce(Context::Internal& in, const Sink<std::pair<T, U>>& sink) override {
    std::string kbuf;
    return parent->Produce(in, [&](T&& x) {
      in.op = "BroadcastJoin";
      kbuf.clear();
      Encode(std::invoke(key, std::as_const(x)), &kbuf);
      table->ForEachMatch(kbuf, [&](std::string_view vb) {
        U y{};
        if (!DecodeAll(vb, &y)) {
          throw StatusException(Status::Corruption("flow: BroadcastJoin value (a bug)"));
        }
        sink(std::pair<T, U>(x, std::move(y)));
      });
    });
  }
};
}  // namespace detail

template <typename T>
template <typename U, typename KF, typename OKF>
Dataset<std::pair<T, U>> Dataset<T>::BroadcastJoin(const Dataset<U>& small, KF key,
                                                   OKF small_key) const {
  Context::Internal& in = ctx_->internal();
  in.BeginCollective();
  auto table = std::make_shared<BroadcastTable>();
  std::string kbuf, vbuf;
  int64_t bytes = 0;
  detail::RunStage<U>(in, small.node(), [&](U&& y) {
    in.op = "BroadcastJoin";
    detail::EncodeKeyed(small_key, std::as_const(y), &kbuf, &vbuf);
    bytes += static_cast<int64_t>(kbuf.size() + vbuf.size()) + 64;
    table->Add(kbuf, vbuf);
  });
  in.EndStage();
  const int64_t total = in.mpi.AllSum(bytes);
  if (static_cast<uint64_t>(total) > in.memory_bytes() / 2) {
    throw JobFailed(Status::InvalidArgument("BroadcastJoin: the small side holds " +
                                            std::to_string(total) +
                                            " bytes, more than half of --memory-mb (" +
                                            std::to_string(in.memory_bytes() / 2) + "); use Join"));
  }
  table->Broadcast(in.mpi);
  return Dataset<std::pair<T, U>>(ctx_, std::make_shared<detail::BroadcastJoinNode<T, U, KF>>(
                                            node_, std::move(table), std::move(key)));
}

}  // namespace rankflow::flow
