// The records' encoding: a format byte, then each field in declaration order
// (varints, length-prefixed strings, counted lists and maps). Compact, and a
// record of an unknown format is refused instead of misread.
#pragma once

#include <cstdint>
#include <cstring>
#include <map>
#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>
#include <type_traits>
#include <utility>
#include <vector>

namespace gatehouse::store {

// Declares a record's fields once for both encoding and decoding.
#define GATEHOUSE_STORE_FIELDS(...)                 \
  template <class V>                                \
  void fields(V& v) {                               \
    v(__VA_ARGS__);                                 \
  }                                                 \
  template <class V>                                \
  void fields(V& v) const {                         \
    v(__VA_ARGS__);                                 \
  }

// A record that cannot be decoded: a broken invariant of the stored data.
class CorruptRecord : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

inline constexpr std::uint8_t kRecordFormat = 1;

class Encoder {
 public:
  void varint(std::uint64_t x) {
    while (x >= 0x80) {
      out_.push_back(static_cast<char>((x & 0x7F) | 0x80));
      x >>= 7;
    }
    out_.push_back(static_cast<char>(x));
  }
  void bytes(std::string_view s) {
    varint(s.size());
    out_.append(s);
  }

  template <class... T>
  void operator()(const T&... values) {
    (put(values), ...);
  }

  // A field added after records were first written: always encoded, at the very end.
  template <class T>
  void trailing(const T& value) {
    put(value);
  }

  std::string take() { return std::move(out_); }
  const std::string& text() const noexcept { return out_; }

 private:
  template <class T>
  void put(const T& value) {
    if constexpr (std::is_same_v<T, bool>) {
      out_.push_back(value ? 1 : 0);
    } else if constexpr (std::is_enum_v<T>) {
      varint(static_cast<std::uint64_t>(value));
    } else if constexpr (std::is_integral_v<T> && std::is_signed_v<T>) {
      const auto x = static_cast<std::int64_t>(value);  // zig-zag
      varint((static_cast<std::uint64_t>(x) << 1) ^ static_cast<std::uint64_t>(x >> 63));
    } else if constexpr (std::is_integral_v<T>) {
      varint(value);
    } else if constexpr (std::is_same_v<T, double>) {
      std::uint64_t bits;
      std::memcpy(&bits, &value, sizeof bits);
      varint(bits);
    } else if constexpr (std::is_same_v<T, std::string>) {
      bytes(value);
    } else {
      put_compound(value);
    }
  }
  template <class T>
  void put_compound(const std::vector<T>& list) {
    varint(list.size());
    for (const T& item : list) put(item);
  }
  template <class K, class T>
  void put_compound(const std::map<K, T>& map) {
    varint(map.size());
    for (const auto& [k, item] : map) {
      put(k);
      put(item);
    }
  }
  template <class A, class B>
  void put_compound(const std::pair<A, B>& pair) {
    put(pair.first);
    put(pair.second);
  }
  template <class T>
  void put_compound(const std::optional<T>& value) {
    put(value.has_value());
    if (value) put(*value);
  }
  template <class T>
  void put_compound(const T& record) {
    record.fields(*this);
  }

  std::string out_;
};

class Decoder {
 public:
  explicit Decoder(std::string_view in) : in_(in) {}

  std::uint64_t varint() {
    std::uint64_t x = 0;
    for (int shift = 0; shift < 64; shift += 7) {
      const auto byte = static_cast<std::uint8_t>(take(1)[0]);
      x |= static_cast<std::uint64_t>(byte & 0x7F) << shift;
      if ((byte & 0x80) == 0) return x;
    }
    throw CorruptRecord("varint longer than 64 bits");
  }
  std::string_view bytes() {
    const std::uint64_t n = varint();
    if (n > in_.size() - pos_) throw CorruptRecord("length beyond the record");
    return take(static_cast<std::size_t>(n));
  }

  template <class... T>
  void operator()(T&... values) {
    (get(values), ...);
  }

  bool done() const noexcept { return pos_ == in_.size(); }

  // A field added after records were first written: a record written before it ends here, and
  // the field keeps its default. Only the last fields of a top-level record may be trailing.
  template <class T>
  void trailing(T& value) {
    if (!done()) get(value);
  }

 private:
  std::string_view take(std::size_t n) {
    if (n > in_.size() - pos_) throw CorruptRecord("record truncated");
    auto out = in_.substr(pos_, n);
    pos_ += n;
    return out;
  }
  // Counts are bounded by the bytes left: every element takes at least one.
  std::size_t count() {
    const std::uint64_t n = varint();
    if (n > in_.size() - pos_) throw CorruptRecord("count beyond the record");
    return static_cast<std::size_t>(n);
  }

  template <class T>
  void get(T& value) {
    if constexpr (std::is_same_v<T, bool>) {
      const char c = take(1)[0];
      if (c != 0 && c != 1) throw CorruptRecord("bad boolean");
      value = c == 1;
    } else if constexpr (std::is_enum_v<T>) {
      value = static_cast<T>(varint());
    } else if constexpr (std::is_integral_v<T> && std::is_signed_v<T>) {
      const std::uint64_t z = varint();
      value = static_cast<T>(static_cast<std::int64_t>(z >> 1) ^ -static_cast<std::int64_t>(z & 1));
    } else if constexpr (std::is_integral_v<T>) {
      value = static_cast<T>(varint());
    } else if constexpr (std::is_same_v<T, double>) {
      const std::uint64_t bits = varint();
      std::memcpy(&value, &bits, sizeof bits);
    } else if constexpr (std::is_same_v<T, std::string>) {
      value.assign(bytes());
    } else {
      get_compound(value);
    }
  }
  template <class T>
  void get_compound(std::vector<T>& list) {
    const std::size_t n = count();
    list.clear();
    list.reserve(n);
    for (std::size_t i = 0; i < n; ++i) get(list.emplace_back());
  }
  template <class K, class T>
  void get_compound(std::map<K, T>& map) {
    const std::size_t n = count();
    map.clear();
    for (std::size_t i = 0; i < n; ++i) {
      K k{};
      get(k);
      get(map[std::move(k)]);
    }
  }
  template <class A, class B>
  void get_compound(std::pair<A, B>& pair) {
    get(pair.first);
    get(pair.second);
  }
  template <class T>
  void get_compound(std::optional<T>& value) {
    bool present = false;
    get(present);
    if (present) {
      get(value.emplace());
    } else {
      value.reset();
    }
  }
  template <class T>
  void get_compound(T& record) {
    record.fields(*this);
  }

  std::string_view in_;
  std::size_t pos_ = 0;
};

template <class T>
std::string encode(const T& record) {
  Encoder e;
  e(kRecordFormat);
  e(record);
  return e.take();
}

template <class T>
T decode(std::string_view bytes) {
  Decoder d(bytes);
  std::uint8_t format = 0;
  d(format);
  if (format != kRecordFormat) throw CorruptRecord("unknown record format " + std::to_string(format));
  T record{};
  d(record);
  if (!d.done()) throw CorruptRecord("trailing bytes after the record");
  return record;
}

}  // namespace gatehouse::store
