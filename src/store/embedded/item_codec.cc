#include "store/embedded/item_codec.h"

#include <algorithm>
#include <cassert>
#include <charconv>
#include <cmath>
#include <cstdlib>
#include <cstring>
#include <limits>
#include <string>
#include <utility>
#include <vector>

namespace vdpark {

namespace {

constexpr uint8_t kFormatVersion = 1;
constexpr size_t kHeaderBytes = kTtlPrefixBytes + 1;
// Writes allow kMaxNesting levels; anything deeper in our bytes is damage, and the limit keeps a
// damaged value from exhausting the stack.
constexpr int kMaxDepth = 2 * kMaxNesting;

using Type = AttributeValue::Type;

size_t VarintLength(uint64_t v) {
  size_t n = 1;
  while (v >= 0x80) {
    v >>= 7;
    ++n;
  }
  return n;
}

char* PutVarint(char* p, uint64_t v) {
  while (v >= 0x80) {
    *p++ = static_cast<char>(v | 0x80);
    v >>= 7;
  }
  *p++ = static_cast<char>(v);
  return p;
}

char* PutBytes(char* p, std::string_view s) {
  p = PutVarint(p, s.size());
  if (!s.empty()) std::memcpy(p, s.data(), s.size());
  return p + s.size();
}

size_t ValueSize(const AttributeValue& v);

size_t MapSize(const Item& m) {
  size_t n = VarintLength(m.size());
  for (const auto& [name, value] : m) {
    n += VarintLength(name.size()) + name.size() + ValueSize(value);
  }
  return n;
}

size_t ValueSize(const AttributeValue& v) {
  switch (v.type()) {
    case Type::kNull:
      return 1;
    case Type::kBool:
      return 2;
    case Type::kS:
    case Type::kN:
      return 1 + VarintLength(v.text().size()) + v.text().size();
    case Type::kM:
      return 1 + MapSize(v.map());
    case Type::kL: {
      size_t n = 1 + VarintLength(v.list().size());
      for (const auto& e : v.list()) n += ValueSize(e);
      return n;
    }
  }
  return 1;
}

char* PutValue(char* p, const AttributeValue& v);

char* PutMap(char* p, const Item& m) {
  p = PutVarint(p, m.size());
  for (const auto& [name, value] : m) p = PutValue(PutBytes(p, name), value);
  return p;
}

char* PutValue(char* p, const AttributeValue& v) {
  *p++ = static_cast<char>(v.type());
  switch (v.type()) {
    case Type::kNull:
      break;
    case Type::kBool:
      *p++ = v.boolean() ? 1 : 0;
      break;
    case Type::kS:
    case Type::kN:
      p = PutBytes(p, v.text());
      break;
    case Type::kM:
      p = PutMap(p, v.map());
      break;
    case Type::kL:
      p = PutVarint(p, v.list().size());
      for (const auto& e : v.list()) p = PutValue(p, e);
      break;
  }
  return p;
}

void PutFixed64(char* p, uint64_t v) {
  for (size_t i = 0; i < 8; ++i) p[i] = static_cast<char>(v >> (8 * i));
}

// Reads the encoding front to back; the first failure is remembered for the error message and
// every read after it fails too.
class Reader {
 public:
  Reader(std::string_view in, size_t base_offset)
      : begin_(in.data()), p_(in.data()), end_(in.data() + in.size()), base_(base_offset) {}

  size_t remaining() const { return static_cast<size_t>(end_ - p_); }
  bool failed() const { return error_ != nullptr; }

  std::optional<uint8_t> Byte() {
    if (p_ == end_) return Fail("truncated");
    return static_cast<uint8_t>(*p_++);
  }

  std::optional<uint64_t> Varint() {
    uint64_t result = 0;
    for (int shift = 0; shift <= 63 && p_ < end_; shift += 7) {
      auto b = static_cast<uint8_t>(*p_++);
      result |= static_cast<uint64_t>(b & 0x7f) << shift;
      if ((b & 0x80) == 0) return result;
    }
    return Fail("bad length");
  }

  std::optional<std::string_view> LengthPrefixed() {
    auto n = Varint();
    if (!n) return std::nullopt;
    if (*n > remaining()) return Fail("length past the end");
    std::string_view s(p_, static_cast<size_t>(*n));
    p_ += *n;
    return s;
  }

  // A count of entries each at least `min_bytes` long: more than the bytes left is damage, and
  // checking it here keeps a damaged count from reserving gigabytes.
  std::optional<uint64_t> Count(size_t min_bytes) {
    auto n = Varint();
    if (!n) return std::nullopt;
    if (*n > remaining() / min_bytes) return Fail("count past the end");
    return n;
  }

  std::nullopt_t Fail(const char* why) {
    if (error_ == nullptr) {
      error_ = why;
      error_at_ = base_ + static_cast<size_t>(p_ - begin_);
    }
    p_ = end_;
    return std::nullopt;
  }

  Status ToStatus() const {
    return Status::Corruption("stored item: " + std::string(error_ ? error_ : "bad bytes") +
                              " at byte " + std::to_string(error_at_));
  }

 private:
  const char* begin_;
  const char* p_;
  const char* end_;
  size_t base_;
  const char* error_ = nullptr;
  size_t error_at_ = 0;
};

std::optional<AttributeValue> ReadValue(Reader& r, int depth);

std::optional<Item> ReadMap(Reader& r, int depth) {
  auto n = r.Count(2);
  if (!n) return std::nullopt;
  Item m;
  std::string_view prev;
  for (uint64_t i = 0; i < *n; ++i) {
    auto name = r.LengthPrefixed();
    if (!name) return std::nullopt;
    if (i > 0 && *name <= prev) return r.Fail("names out of order");
    auto value = ReadValue(r, depth);
    if (!value) return std::nullopt;
    // Names arrive sorted, so each insert lands at the end in constant time.
    m.emplace_hint(m.end(), std::string(*name), std::move(*value));
    prev = *name;
  }
  return m;
}

std::optional<AttributeValue> ReadValue(Reader& r, int depth) {
  auto type = r.Byte();
  if (!type) return std::nullopt;
  switch (static_cast<Type>(*type)) {
    case Type::kNull:
      return AttributeValue::Null();
    case Type::kBool: {
      auto b = r.Byte();
      if (!b) return std::nullopt;
      if (*b > 1) return r.Fail("bad BOOL");
      return AttributeValue::Bool(*b == 1);
    }
    case Type::kS:
    case Type::kN: {
      auto text = r.LengthPrefixed();
      if (!text) return std::nullopt;
      return *type == static_cast<uint8_t>(Type::kS) ? AttributeValue::S(std::string(*text))
                                                     : AttributeValue::N(std::string(*text));
    }
    case Type::kM: {
      if (depth >= kMaxDepth) return r.Fail("nested too deep");
      auto m = ReadMap(r, depth + 1);
      if (!m) return std::nullopt;
      return AttributeValue::M(std::move(*m));
    }
    case Type::kL: {
      if (depth >= kMaxDepth) return r.Fail("nested too deep");
      auto n = r.Count(1);
      if (!n) return std::nullopt;
      std::vector<AttributeValue> list;
      list.reserve(static_cast<size_t>(*n));
      for (uint64_t i = 0; i < *n; ++i) {
        auto e = ReadValue(r, depth + 1);
        if (!e) return std::nullopt;
        list.push_back(std::move(*e));
      }
      return AttributeValue::L(std::move(list));
    }
  }
  return r.Fail("unknown type");
}

// What SkipValue stepped over: the type and, for an S or N, the text.
struct Skipped {
  Type type;
  std::string_view text;
};

std::optional<Skipped> SkipValue(Reader& r, int depth) {
  auto t = r.Byte();
  if (!t) return std::nullopt;
  Skipped out{static_cast<Type>(*t), {}};
  switch (out.type) {
    case Type::kNull:
      return out;
    case Type::kBool: {
      auto b = r.Byte();
      if (!b) return std::nullopt;
      if (*b > 1) return r.Fail("bad BOOL");
      return out;
    }
    case Type::kS:
    case Type::kN: {
      auto s = r.LengthPrefixed();
      if (!s) return std::nullopt;
      out.text = *s;
      return out;
    }
    case Type::kM:
    case Type::kL: {
      if (depth >= kMaxDepth) return r.Fail("nested too deep");
      bool is_map = out.type == Type::kM;
      auto n = r.Count(is_map ? 2 : 1);
      if (!n) return std::nullopt;
      for (uint64_t i = 0; i < *n; ++i) {
        if (is_map && !r.LengthPrefixed()) return std::nullopt;
        if (!SkipValue(r, depth + 1)) return std::nullopt;
      }
      return out;
    }
  }
  return r.Fail("unknown type");
}

// The attribute bytes after a valid header, or kCorruption.
Result<std::string_view> Body(std::string_view value) {
  if (value.size() < kHeaderBytes) return Status::Corruption("stored item: shorter than a header");
  if (static_cast<uint8_t>(value[kTtlPrefixBytes]) != kFormatVersion) {
    return Status::Corruption("stored item: unknown format " +
                              std::to_string(static_cast<uint8_t>(value[kTtlPrefixBytes])));
  }
  return value.substr(kHeaderBytes);
}

}  // namespace

int64_t TtlOf(const Item& item) {
  const AttributeValue* v = FindAttribute(item, "ttl");
  if (v == nullptr || !v->is_n()) return 0;
  const std::string& text = v->text();
  int64_t whole = 0;
  auto [ptr, ec] = std::from_chars(text.data(), text.data() + text.size(), whole);
  if (ec == std::errc() && ptr == text.data() + text.size()) return whole > 0 ? whole : 0;
  // "1.7e9" or "1736678400.5": rare, so the slower general parse is fine.
  char* end = nullptr;
  double d = std::strtod(text.c_str(), &end);
  if (text.empty() || *end != '\0' || !std::isfinite(d) || d < 1) return 0;
  if (d >= static_cast<double>(std::numeric_limits<int64_t>::max())) {
    return std::numeric_limits<int64_t>::max();
  }
  return static_cast<int64_t>(std::floor(d));
}

std::string EncodeTtl(int64_t ttl) {
  std::string out(kTtlPrefixBytes, '\0');
  PutFixed64(out.data(), static_cast<uint64_t>(ttl));
  return out;
}

int64_t DecodeTtlPrefix(std::string_view value) {
  if (value.size() < kTtlPrefixBytes) return 0;
  uint64_t v = 0;
  for (size_t i = 0; i < kTtlPrefixBytes; ++i) {
    v |= static_cast<uint64_t>(static_cast<uint8_t>(value[i])) << (8 * i);
  }
  return static_cast<int64_t>(v);
}

std::string EncodeItem(const Item& item) {
  std::string out(kHeaderBytes + MapSize(item), '\0');
  PutFixed64(out.data(), static_cast<uint64_t>(TtlOf(item)));
  out[kTtlPrefixBytes] = static_cast<char>(kFormatVersion);
  [[maybe_unused]] char* end = PutMap(out.data() + kHeaderBytes, item);
  assert(end == out.data() + out.size() && "the size pass and the write pass must agree");
  return out;
}

namespace {

bool DeeperThan(const AttributeValue& v, int levels) {
  if (v.type() != Type::kM && v.type() != Type::kL) return false;
  if (levels == 0) return true;
  if (v.type() == Type::kM) {
    return std::any_of(v.map().begin(), v.map().end(),
                       [&](const auto& e) { return DeeperThan(e.second, levels - 1); });
  }
  return std::any_of(v.list().begin(), v.list().end(),
                     [&](const auto& e) { return DeeperThan(e, levels - 1); });
}

}  // namespace

bool NestedTooDeep(const Item& item) {
  return std::any_of(item.begin(), item.end(),
                     [](const auto& e) { return DeeperThan(e.second, kMaxNesting); });
}

Result<Item> DecodeItem(std::string_view value) {
  VDPARK_ASSIGN_OR_RETURN(std::string_view body, Body(value));
  Reader r(body, kHeaderBytes);
  auto item = ReadMap(r, 0);
  if (item && r.remaining() != 0) r.Fail("trailing bytes");
  if (r.failed()) return r.ToStatus();
  return std::move(*item);
}

Status VisitTopLevel(std::string_view value, const TopLevelVisitor& visit) {
  VDPARK_ASSIGN_OR_RETURN(std::string_view body, Body(value));
  Reader r(body, kHeaderBytes);
  auto n = r.Count(2);
  if (!n) return r.ToStatus();
  for (uint64_t i = 0; i < *n; ++i) {
    auto name = r.LengthPrefixed();
    if (!name) return r.ToStatus();
    auto value = SkipValue(r, 1);
    if (!value) return r.ToStatus();
    visit(*name, value->type, value->text);
  }
  if (r.remaining() != 0) {
    r.Fail("trailing bytes");
    return r.ToStatus();
  }
  return Status::OK();
}

std::string EncodeTableKey(std::string_view pk, std::string_view sk) {
  std::string key;
  key.reserve(pk.size() + 1 + sk.size());
  key.append(pk).push_back('\0');
  key.append(sk);
  return key;
}

std::string EncodeIndexKey(std::string_view index_pk, std::string_view index_sk,
                           std::string_view pk, std::string_view sk) {
  std::string key;
  key.reserve(index_pk.size() + index_sk.size() + pk.size() + sk.size() + 3);
  key.append(index_pk).push_back('\0');
  key.append(index_sk).push_back('\0');
  key.append(pk).push_back('\0');
  key.append(sk);
  return key;
}

std::optional<TableKeyParts> ParseTableKey(std::string_view key) {
  size_t sep = key.find('\0');
  if (sep == std::string_view::npos) return std::nullopt;
  return TableKeyParts{key.substr(0, sep), key.substr(sep + 1)};
}

std::optional<IndexKeyParts> ParseIndexKey(std::string_view key) {
  std::string_view parts[4];
  for (int i = 0; i < 3; ++i) {
    size_t sep = key.find('\0');
    if (sep == std::string_view::npos) return std::nullopt;
    parts[i] = key.substr(0, sep);
    key.remove_prefix(sep + 1);
  }
  if (key.find('\0') != std::string_view::npos) return std::nullopt;
  parts[3] = key;
  return IndexKeyParts{parts[0], parts[1], parts[2], parts[3]};
}

int ScanSegmentOf(std::string_view pk, int total) {
  uint64_t h = 14695981039346656037ULL;  // FNV-1a, then a finalizer to spread short keys
  for (unsigned char c : pk) h = (h ^ c) * 1099511628211ULL;
  h ^= h >> 33;
  h *= 0xff51afd7ed558ccdULL;
  h ^= h >> 33;
  return static_cast<int>(h % static_cast<uint64_t>(total));
}

namespace {

struct IndexAttrNames {
  std::string_view pk, sk;
};
IndexAttrNames AttrNamesOf(IndexName index) {
  switch (index) {
    case IndexName::kGsi1:
      return {kGsi1PkAttr, kGsi1SkAttr};
    case IndexName::kGsi2:
      return {kGsi2PkAttr, kGsi2SkAttr};
    case IndexName::kTable:
      break;
  }
  return {kPkAttr, kSkAttr};
}

Item KeyItem(std::string_view pk, std::string_view sk) {
  return Item{{std::string(kPkAttr), AttributeValue::S(std::string(pk))},
              {std::string(kSkAttr), AttributeValue::S(std::string(sk))}};
}

}  // namespace

// For an entry whose sort key is s, every stored key is partition '\0' s followed by nothing
// (table) or by '\0'... (index); since no part holds '\0', "s '\x01'" sorts above every key with
// sort key s and below every key with a greater one.
KeyRange QueryKeyRange(std::string_view partition, const SortKeyCondition& sort) {
  std::string prefix = std::string(partition) + '\0';
  KeyRange r{prefix, std::string(partition) + '\x01'};
  using Op = SortKeyCondition::Op;
  bool has_nul =
      sort.value.find('\0') != std::string::npos || sort.value2.find('\0') != std::string::npos;
  if (has_nul) return r;  // no key holds NUL: take the partition and let Matches() decide
  const std::string& v = sort.value;
  switch (sort.op) {
    case Op::kNone:
      break;
    case Op::kEq:
      r = {prefix + v, prefix + v + '\x01'};
      break;
    case Op::kLt:
      r.hi = prefix + v;
      break;
    case Op::kLe:
      r.hi = prefix + v + '\x01';
      break;
    case Op::kGt:
      r.lo = prefix + v + '\x01';
      break;
    case Op::kGe:
      r.lo = prefix + v;
      break;
    case Op::kBetween:
      r = {prefix + v, prefix + sort.value2 + '\x01'};
      break;
    case Op::kBeginsWith: {
      r.lo = prefix + v;
      // The first string above every string that starts with v: drop trailing 0xff bytes and
      // increment the last byte; none when v is all 0xff (then the partition's end).
      std::string next = v;
      while (!next.empty() && static_cast<unsigned char>(next.back()) == 0xff) next.pop_back();
      if (!next.empty()) {
        next.back() = static_cast<char>(static_cast<unsigned char>(next.back()) + 1);
        r.hi = prefix + next;
      }
      break;
    }
  }
  return r;
}

Result<std::string> StartKeyOf(const Item& start, IndexName index, std::string_view partition) {
  auto pk = GetString(start, kPkAttr);
  auto sk = GetString(start, kSkAttr);
  if (!pk || !sk) return Status::InvalidArgument("exclusive_start_key: PK and SK are required");
  if (index == IndexName::kTable) {
    if (*pk != partition) return Status::InvalidArgument("exclusive_start_key: another partition");
    return EncodeTableKey(*pk, *sk);
  }
  IndexAttrNames names = AttrNamesOf(index);
  auto ipk = GetString(start, names.pk);
  auto isk = GetString(start, names.sk);
  if (!ipk || !isk) {
    return Status::InvalidArgument("exclusive_start_key: the index key attributes are required");
  }
  if (*ipk != partition) return Status::InvalidArgument("exclusive_start_key: another partition");
  return EncodeIndexKey(*ipk, *isk, *pk, *sk);
}

Item KeyAttributesOf(IndexName index, std::string_view key) {
  if (index == IndexName::kTable) {
    auto parts = ParseTableKey(key);
    return parts ? KeyItem(parts->pk, parts->sk) : Item();
  }
  auto parts = ParseIndexKey(key);
  if (!parts) return Item();
  IndexAttrNames names = AttrNamesOf(index);
  Item item = KeyItem(parts->pk, parts->sk);
  item.emplace(names.pk, AttributeValue::S(std::string(parts->index_pk)));
  item.emplace(names.sk, AttributeValue::S(std::string(parts->index_sk)));
  return item;
}

namespace {

// The S values of the four index key attributes (views into an item or a stored value).
struct IndexAttrs {
  std::optional<std::string_view> gsi1pk, gsi1sk, gsi2pk, gsi2sk;

  void Set(std::string_view name, std::string_view text) {
    if (name == kGsi1PkAttr) gsi1pk = text;
    if (name == kGsi1SkAttr) gsi1sk = text;
    if (name == kGsi2PkAttr) gsi2pk = text;
    if (name == kGsi2SkAttr) gsi2sk = text;
  }

  static IndexAttrs Of(const Item& item) {
    IndexAttrs a;
    for (auto name : {kGsi1PkAttr, kGsi1SkAttr, kGsi2PkAttr, kGsi2SkAttr}) {
      const AttributeValue* v = FindAttribute(item, name);
      if (v != nullptr && v->is_s()) a.Set(name, v->text());
    }
    return a;
  }

  IndexEntries Entries(std::string_view pk, std::string_view sk) const {
    IndexEntries e;
    if (gsi1pk && gsi1sk) e.gsi1 = EncodeIndexKey(*gsi1pk, *gsi1sk, pk, sk);
    if (gsi2pk && gsi2sk) e.gsi2 = EncodeIndexKey(*gsi2pk, *gsi2sk, pk, sk);
    return e;
  }
};

}  // namespace

IndexEntries IndexEntriesOf(const Item& item, std::string_view pk, std::string_view sk) {
  return IndexAttrs::Of(item).Entries(pk, sk);
}

Result<IndexEntries> IndexEntriesOfStored(std::string_view value, std::string_view pk,
                                          std::string_view sk) {
  IndexAttrs attrs;
  VDPARK_RETURN_IF_ERROR(
      VisitTopLevel(value, [&](std::string_view name, Type type, std::string_view text) {
        if (type == Type::kS) attrs.Set(name, text);
      }));
  return attrs.Entries(pk, sk);
}

Result<IndexEntries> CheckedIndexEntriesOf(const Item& item, std::string_view pk,
                                           std::string_view sk) {
  IndexAttrs a = IndexAttrs::Of(item);
  for (const auto* v : {&a.gsi1pk, &a.gsi1sk, &a.gsi2pk, &a.gsi2sk}) {
    if (!*v) continue;
    if ((*v)->empty()) return Status::InvalidArgument("an index key attribute is empty");
    if ((*v)->find('\0') != std::string_view::npos) {
      return Status::InvalidArgument("an index key attribute contains NUL");
    }
  }
  return a.Entries(pk, sk);
}

}  // namespace vdpark
