// Element codec of the dataflow API (flow.h): the bytes an element of a Dataset<T> travels as
// through a shuffle, a spill file or a gather, generated from the C++ type. Nobody writes a byte
// layout by hand.
//
// Supported types: bool, every integer type, float, double, std::string (std::string_view encodes
// like a string and decodes only into std::string), std::pair, std::tuple, std::vector,
// std::optional, flow::Desc<T> (descending order), and user structs that list their fields once,
// after the struct, at namespace scope:
//
//   struct Edge { std::string src; std::string dst; int64_t weight = 0; };
//   RF_FIELDS(Edge, src, dst, weight);
//
// RF_FIELDS also gives the field names (CSV header, JSON keys; FieldNames<Edge>()). Fields may be
// any supported type, other RF_FIELDS structs included. At most 32 fields.
//
// Order preservation (every encoding, not only keys): for any a, b of one type,
// Encode(a) < Encode(b) as byte strings (memcmp, shorter first on a tie) iff a < b in value order:
//   integers  big-endian, fixed width, sign bit flipped for signed types;
//   float/double  IEEE bits big-endian, all bits flipped for negatives, the sign bit otherwise
//                 (-0.0 sorts just below +0.0; NaNs above +infinity);
//   bool      one byte 0/1;
//   string    bytes, 0x00 escaped as 00 FF, ended by 00 01 (so "a" < "a\0" < "ab": a prefix sorts
//             first and tuples of strings sort field by field);
//   optional  00 (none, first) or 01 + value;   vector  01 + element per element, then 00;
//   pair/tuple/struct  the fields' encodings concatenated, in declaration order (lexicographic);
//   Desc<T>   T's encoding with every byte complemented: the reverse order (every encoding above is
//             prefix-free, so complementing reverses it exactly).
// Equal values encode to equal bytes (except -0.0 / +0.0 and NaN payloads), so keys compare and
// hash by their bytes. Decode(Encode(x)) == x. Cost: one pass, no allocation beyond `out`.
// Thread-safe (pure functions).
#pragma once

#include <cstdint>
#include <cstring>
#include <optional>
#include <string>
#include <string_view>
#include <tuple>
#include <type_traits>
#include <utility>
#include <vector>

namespace rankflow::flow {

// A sort key component in descending order: SortBy([](const Row& r) {
//   return std::make_tuple(flow::Desc(r.count), r.term); })  sorts by count desc, then term asc.
template <typename T>
struct Desc {
  T value;
  explicit Desc(T v) : value(std::move(v)) {}
  Desc() = default;
  friend bool operator==(const Desc& a, const Desc& b) { return a.value == b.value; }
};
template <typename T>
Desc(T) -> Desc<T>;

// One field of a RF_FIELDS struct: its name and member pointer.
template <typename S, typename F>
struct Field {
  const char* name;
  F S::*member;
};
template <typename S, typename F>
Field<S, F> MakeField(const char* name, F S::*member) {
  return {name, member};
}

// True for structs declared with RF_FIELDS (found by argument-dependent lookup).
template <typename T>
concept HasFields = requires {
  RfFields(static_cast<const T*>(nullptr));
};

template <typename T>
struct Codec;  // Encode(const T&, std::string*) and Decode(std::string_view*, T*) -> bool

// Appends the encoding of `value` to *out.
template <typename T>
void Encode(const T& value, std::string* out) {
  Codec<std::remove_cvref_t<T>>::Encode(value, out);
}
template <typename T>
std::string EncodeToString(const T& value) {
  std::string out;
  Encode(value, &out);
  return out;
}
// Decodes one value from the front of *in and advances it. False if the bytes are not a valid
// encoding of T (truncated, bad marker); *out is then unspecified.
template <typename T>
bool Decode(std::string_view* in, T* out) {
  return Codec<T>::Decode(in, out);
}
// Decodes exactly one value filling all of `bytes`.
template <typename T>
bool DecodeAll(std::string_view bytes, T* out) {
  return Codec<T>::Decode(&bytes, out) && bytes.empty();
}

namespace codec_detail {
template <typename U>
void PutBigEndian(U v, std::string* out) {
  char b[sizeof(U)];
  for (size_t i = 0; i < sizeof(U); ++i) b[i] = static_cast<char>(v >> (8 * (sizeof(U) - 1 - i)));
  out->append(b, sizeof(U));
}
template <typename U>
bool GetBigEndian(std::string_view* in, U* v) {
  if (in->size() < sizeof(U)) return false;
  U r = 0;
  for (size_t i = 0; i < sizeof(U); ++i)
    r = static_cast<U>((r << 8) | static_cast<uint8_t>((*in)[i]));
  in->remove_prefix(sizeof(U));
  *v = r;
  return true;
}
template <typename T>
struct IsStringLike : std::false_type {};
template <>
struct IsStringLike<std::string> : std::true_type {};
template <>
struct IsStringLike<std::string_view> : std::true_type {};
}  // namespace codec_detail

template <typename T>
requires std::is_integral_v<T>
struct Codec<T> {
  using U = std::make_unsigned_t<std::conditional_t<std::is_same_v<T, bool>, unsigned char, T>>;
  static void Encode(T v, std::string* out) {
    U u = static_cast<U>(v);
    if constexpr (std::is_signed_v<T>) u ^= static_cast<U>(U{1} << (8 * sizeof(U) - 1));
    codec_detail::PutBigEndian(u, out);
  }
  static bool Decode(std::string_view* in, T* v) {
    U u;
    if (!codec_detail::GetBigEndian(in, &u)) return false;
    if constexpr (std::is_signed_v<T>) u ^= static_cast<U>(U{1} << (8 * sizeof(U) - 1));
    if constexpr (std::is_same_v<T, bool>) {
      if (u > 1) return false;
    }
    *v = static_cast<T>(u);
    return true;
  }
};

template <typename T>
requires std::is_floating_point_v<T> &&(sizeof(T) == 4 || sizeof(T) == 8) struct Codec<T> {
  using U = std::conditional_t<sizeof(T) == 4, uint32_t, uint64_t>;
  static constexpr U kSign = U{1} << (8 * sizeof(U) - 1);
  static void Encode(T v, std::string* out) {
    U u;
    std::memcpy(&u, &v, sizeof u);
    u = (u & kSign) ? ~u : (u | kSign);
    codec_detail::PutBigEndian(u, out);
  }
  static bool Decode(std::string_view* in, T* v) {
    U u;
    if (!codec_detail::GetBigEndian(in, &u)) return false;
    u = (u & kSign) ? (u & ~kSign) : ~u;
    std::memcpy(v, &u, sizeof u);
    return true;
  }
};

template <typename T>
requires codec_detail::IsStringLike<T>::value struct Codec<T> {
  static void Encode(std::string_view s, std::string* out) {
    size_t begin = 0;
    while (true) {
      const void* hit =
          s.size() > begin ? std::memchr(s.data() + begin, 0, s.size() - begin) : nullptr;
      if (hit == nullptr) break;
      size_t at = static_cast<const char*>(hit) - s.data();
      out->append(s.data() + begin, at - begin);
      out->append("\0\xff", 2);
      begin = at + 1;
    }
    out->append(s.data() + begin, s.size() - begin);
    out->append("\0\x01", 2);
  }
  static bool Decode(std::string_view* in, std::string* v) requires std::is_same_v<T, std::string> {
    v->clear();
    while (true) {
      const void* hit = std::memchr(in->data(), 0, in->size());
      if (hit == nullptr) return false;
      size_t at = static_cast<const char*>(hit) - in->data();
      if (at + 1 >= in->size()) return false;
      v->append(in->data(), at);
      const char marker = (*in)[at + 1];
      in->remove_prefix(at + 2);
      if (marker == '\x01') return true;
      if (marker != '\xff') return false;
      v->push_back('\0');
    }
  }
};

template <typename T>
struct Codec<std::optional<T>> {
  static void Encode(const std::optional<T>& v, std::string* out) {
    if (!v) {
      out->push_back('\0');
      return;
    }
    out->push_back('\x01');
    Codec<T>::Encode(*v, out);
  }
  static bool Decode(std::string_view* in, std::optional<T>* v) {
    if (in->empty()) return false;
    const char marker = in->front();
    in->remove_prefix(1);
    if (marker == '\0') {
      v->reset();
      return true;
    }
    if (marker != '\x01') return false;
    T x{};
    if (!Codec<T>::Decode(in, &x)) return false;
    *v = std::move(x);
    return true;
  }
};

template <typename T>
struct Codec<std::vector<T>> {
  static void Encode(const std::vector<T>& v, std::string* out) {
    for (const T& x : v) {
      out->push_back('\x01');
      Codec<T>::Encode(x, out);
    }
    out->push_back('\0');
  }
  // Decodes into the elements *v already has (a string keeps its capacity), so that decoding
  // into one reused vector does not allocate per element.
  static bool Decode(std::string_view* in, std::vector<T>* v) {
    size_t n = 0;
    while (true) {
      if (in->empty()) return false;
      const char marker = in->front();
      in->remove_prefix(1);
      if (marker == '\0') {
        v->resize(n);
        return true;
      }
      if (marker != '\x01') return false;
      if (n == v->size()) v->emplace_back();
      if (!Codec<T>::Decode(in, &(*v)[n])) return false;
      ++n;
    }
  }
};

template <typename... Ts>
struct Codec<std::tuple<Ts...>> {
  static void Encode(const std::tuple<Ts...>& v, std::string* out) {
    std::apply(
        [out](const auto&... x) { (Codec<std::remove_cvref_t<decltype(x)>>::Encode(x, out), ...); },
        v);
  }
  static bool Decode(std::string_view* in, std::tuple<Ts...>* v) {
    return std::apply(
        [in](auto&... x) {
          return (Codec<std::remove_cvref_t<decltype(x)>>::Decode(in, &x) && ...);
        },
        *v);
  }
};

template <typename A, typename B>
struct Codec<std::pair<A, B>> {
  static void Encode(const std::pair<A, B>& v, std::string* out) {
    Codec<A>::Encode(v.first, out);
    Codec<B>::Encode(v.second, out);
  }
  static bool Decode(std::string_view* in, std::pair<A, B>* v) {
    return Codec<A>::Decode(in, &v->first) && Codec<B>::Decode(in, &v->second);
  }
};

template <typename T>
struct Codec<Desc<T>> {
  static void Encode(const Desc<T>& v, std::string* out) {
    const size_t at = out->size();
    Codec<T>::Encode(v.value, out);
    for (size_t i = at; i < out->size(); ++i) (*out)[i] = static_cast<char>(~(*out)[i]);
  }
  static bool Decode(std::string_view* in, Desc<T>* v) {
    std::string flipped(*in);
    for (char& c : flipped) c = static_cast<char>(~c);
    std::string_view rest = flipped;
    if (!Codec<T>::Decode(&rest, &v->value)) return false;
    in->remove_prefix(flipped.size() - rest.size());
    return true;
  }
};

template <typename T>
requires HasFields<T>
struct Codec<T> {
  static void Encode(const T& v, std::string* out) {
    std::apply(
        [&](const auto&... f) {
          (Codec<std::remove_cvref_t<decltype(v.*(f.member))>>::Encode(v.*(f.member), out), ...);
        },
        RfFields(static_cast<const T*>(nullptr)));
  }
  static bool Decode(std::string_view* in, T* v) {
    return std::apply(
        [&](const auto&... f) {
          return (
              Codec<std::remove_cvref_t<decltype(v->*(f.member))>>::Decode(in, &(v->*(f.member))) &&
              ...);
        },
        RfFields(static_cast<const T*>(nullptr)));
  }
};

// The field names of a RF_FIELDS struct, in declaration order.
template <typename T>
requires HasFields<T> std::vector<std::string> FieldNames() {
  return std::apply([](const auto&... f) { return std::vector<std::string>{f.name...}; },
                    RfFields(static_cast<const T*>(nullptr)));
}

}  // namespace rankflow::flow

// RF_FIELDS(Type, field, ...): declares Type's fields for the codec, CSV/JSON writers and readers.
// Use once, at namespace scope, in the namespace of Type, after its definition.
#define RF_PP_CAT_(a, b) a##b
#define RF_PP_CAT(a, b) RF_PP_CAT_(a, b)
#define RF_PP_NARG_(_1, _2, _3, _4, _5, _6, _7, _8, _9, _10, _11, _12, _13, _14, _15, _16, _17,   \
                    _18, _19, _20, _21, _22, _23, _24, _25, _26, _27, _28, _29, _30, _31, _32, N, \
                    ...)                                                                          \
  N
#define RF_PP_NARG(...)                                                                            \
  RF_PP_NARG_(__VA_ARGS__, 32, 31, 30, 29, 28, 27, 26, 25, 24, 23, 22, 21, 20, 19, 18, 17, 16, 15, \
              14, 13, 12, 11, 10, 9, 8, 7, 6, 5, 4, 3, 2, 1)
#define RF_FIELD_(T, f) ::rankflow::flow::MakeField(#f, &T::f)
#define RF_MAP_1(T, f) RF_FIELD_(T, f)
#define RF_MAP_2(T, f, ...) RF_FIELD_(T, f), RF_MAP_1(T, __VA_ARGS__)
#define RF_MAP_3(T, f, ...) RF_FIELD_(T, f), RF_MAP_2(T, __VA_ARGS__)
#define RF_MAP_4(T, f, ...) RF_FIELD_(T, f), RF_MAP_3(T, __VA_ARGS__)
#define RF_MAP_5(T, f, ...) RF_FIELD_(T, f), RF_MAP_4(T, __VA_ARGS__)
#define RF_MAP_6(T, f, ...) RF_FIELD_(T, f), RF_MAP_5(T, __VA_ARGS__)
#define RF_MAP_7(T, f, ...) RF_FIELD_(T, f), RF_MAP_6(T, __VA_ARGS__)
#define RF_MAP_8(T, f, ...) RF_FIELD_(T, f), RF_MAP_7(T, __VA_ARGS__)
#define RF_MAP_9(T, f, ...) RF_FIELD_(T, f), RF_MAP_8(T, __VA_ARGS__)
#define RF_MAP_10(T, f, ...) RF_FIELD_(T, f), RF_MAP_9(T, __VA_ARGS__)
#define RF_MAP_11(T, f, ...) RF_FIELD_(T, f), RF_MAP_10(T, __VA_ARGS__)
#define RF_MAP_12(T, f, ...) RF_FIELD_(T, f), RF_MAP_11(T, __VA_ARGS__)
#define RF_MAP_13(T, f, ...) RF_FIELD_(T, f), RF_MAP_12(T, __VA_ARGS__)
#define RF_MAP_14(T, f, ...) RF_FIELD_(T, f), RF_MAP_13(T, __VA_ARGS__)
#define RF_MAP_15(T, f, ...) RF_FIELD_(T, f), RF_MAP_14(T, __VA_ARGS__)
#define RF_MAP_16(T, f, ...) RF_FIELD_(T, f), RF_MAP_15(T, __VA_ARGS__)
#define RF_MAP_17(T, f, ...) RF_FIELD_(T, f), RF_MAP_16(T, __VA_ARGS__)
#define RF_MAP_18(T, f, ...) RF_FIELD_(T, f), RF_MAP_17(T, __VA_ARGS__)
#define RF_MAP_19(T, f, ...) RF_FIELD_(T, f), RF_MAP_18(T, __VA_ARGS__)
#define RF_MAP_20(T, f, ...) RF_FIELD_(T, f), RF_MAP_19(T, __VA_ARGS__)
#define RF_MAP_21(T, f, ...) RF_FIELD_(T, f), RF_MAP_20(T, __VA_ARGS__)
#define RF_MAP_22(T, f, ...) RF_FIELD_(T, f), RF_MAP_21(T, __VA_ARGS__)
#define RF_MAP_23(T, f, ...) RF_FIELD_(T, f), RF_MAP_22(T, __VA_ARGS__)
#define RF_MAP_24(T, f, ...) RF_FIELD_(T, f), RF_MAP_23(T, __VA_ARGS__)
#define RF_MAP_25(T, f, ...) RF_FIELD_(T, f), RF_MAP_24(T, __VA_ARGS__)
#define RF_MAP_26(T, f, ...) RF_FIELD_(T, f), RF_MAP_25(T, __VA_ARGS__)
#define RF_MAP_27(T, f, ...) RF_FIELD_(T, f), RF_MAP_26(T, __VA_ARGS__)
#define RF_MAP_28(T, f, ...) RF_FIELD_(T, f), RF_MAP_27(T, __VA_ARGS__)
#define RF_MAP_29(T, f, ...) RF_FIELD_(T, f), RF_MAP_28(T, __VA_ARGS__)
#define RF_MAP_30(T, f, ...) RF_FIELD_(T, f), RF_MAP_29(T, __VA_ARGS__)
#define RF_MAP_31(T, f, ...) RF_FIELD_(T, f), RF_MAP_30(T, __VA_ARGS__)
#define RF_MAP_32(T, f, ...) RF_FIELD_(T, f), RF_MAP_31(T, __VA_ARGS__)
#define RF_FIELDS(Type, ...)                                                                \
  [[maybe_unused]] inline auto RfFields(const Type*) {                                      \
    return std::make_tuple(RF_PP_CAT(RF_MAP_, RF_PP_NARG(__VA_ARGS__))(Type, __VA_ARGS__)); \
  }                                                                                         \
  static_assert(true, "")
