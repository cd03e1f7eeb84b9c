#include "verify/api_diff.h"

#include <algorithm>
#include <cctype>
#include <cmath>
#include <optional>
#include <string_view>

#include "api/json_views.h"
#include "domain/timestamp.h"

namespace vdpark {

namespace {

namespace json = boost::json;

constexpr size_t kMaxValueText = 160;
constexpr const char* kGenericKeys[] = {"zoneId", "bayNumber", "sensorId", "timestamp"};

// JSON text as people write it, cut (at a character boundary) when long.
std::string ValueText(const json::value& v) {
  std::string s = ToJsonText(v);
  if (s.size() <= kMaxValueText) return s;
  size_t cut = kMaxValueText - 3;
  while (cut > 0 && (static_cast<unsigned char>(s[cut]) & 0xC0) == 0x80) --cut;
  return s.substr(0, cut) + "...";
}

bool IsInteger(const json::value& v) {
  return v.is_int64() || v.is_uint64();
}

bool SameInteger(const json::value& a, const json::value& b) {
  if (a.is_int64() && b.is_int64()) return a.get_int64() == b.get_int64();
  if (a.is_uint64() && b.is_uint64()) return a.get_uint64() == b.get_uint64();
  const json::value& i = a.is_int64() ? a : b;
  const json::value& u = a.is_int64() ? b : a;
  return i.get_int64() >= 0 && static_cast<uint64_t>(i.get_int64()) == u.get_uint64();
}

// "2026-01-12T19:59:43..." or "2026-01-12 19:59:43...": worth parsing as a timestamp.
bool LooksLikeTime(std::string_view s) {
  auto digits = [&](size_t from, size_t n) {
    for (size_t i = from; i < from + n; ++i) {
      if (!std::isdigit(static_cast<unsigned char>(s[i]))) return false;
    }
    return true;
  };
  return s.size() >= 16 && digits(0, 4) && s[4] == '-' && digits(5, 2) && s[7] == '-' &&
         digits(8, 2) && (s[10] == 'T' || s[10] == ' ') && digits(11, 2) && s[13] == ':';
}

bool SameInstant(std::string_view a, std::string_view b) {
  if (!LooksLikeTime(a) || !LooksLikeTime(b)) return false;
  auto ta = Timestamp::Parse(a);
  auto tb = Timestamp::Parse(b);
  return ta.ok() && tb.ok() && *ta == *tb;
}

// Scalars (and containers of different kinds, which are never the same).
bool SameScalar(const json::value& a, const json::value& b, double tolerance) {
  if (a.is_number() && b.is_number()) {
    if (tolerance == 0 && IsInteger(a) && IsInteger(b)) return SameInteger(a, b);
    return std::abs(a.to_number<double>() - b.to_number<double>()) <= tolerance;
  }
  if (a.is_string() && b.is_string()) {
    return a.get_string() == b.get_string() || SameInstant(a.get_string(), b.get_string());
  }
  return a == b;
}

// A key member's value as a label shows it: strings bare, the rest as JSON.
std::string KeyText(const json::object& record, const std::string& field) {
  const json::value* v = record.if_contains(field);
  if (v == nullptr) return "absent";
  if (v->is_string()) return std::string(v->get_string());
  return ToJsonText(*v);
}

class Differ {
 public:
  Differ(const ApiDiffOptions& options, std::vector<ApiDifference>* out)
      : options_(options), out_(out) {}

  // `path` names the value for people, `generic` without indexes (for --ignore); `name` is the
  // member that holds it (for an array's records, the array's).
  void Compare(const json::value& a, const json::value& b, const std::string& path,
               const std::string& generic, const std::string& name) {
    if (a.is_object() && b.is_object())
      return CompareObjects(a.get_object(), b.get_object(), path, generic);
    if (a.is_array() && b.is_array())
      return CompareArrays(a.get_array(), b.get_array(), path, generic, name);
    double tolerance = 0;
    if (auto it = options_.tolerance.find(name); it != options_.tolerance.end()) {
      tolerance = it->second;
    }
    if (!SameScalar(a, b, tolerance)) Add(path, &a, &b);
  }

 private:
  static std::string Join(const std::string& base, std::string_view member) {
    return base.empty() ? std::string(member) : base + "." + std::string(member);
  }

  bool Ignored(std::string_view member, const std::string& generic) const {
    return options_.ignore.contains(std::string(member)) || options_.ignore.contains(generic);
  }

  void Add(const std::string& path, const json::value* a, const json::value* b) {
    out_->push_back({path, a ? ValueText(*a) : "", b ? ValueText(*b) : ""});
  }

  void CompareObjects(const json::object& a, const json::object& b, const std::string& path,
                      const std::string& generic) {
    for (const auto& [key, va] : a) {
      const std::string member(key);
      const std::string child_generic = Join(generic, member);
      if (Ignored(member, child_generic)) continue;
      const std::string child = Join(path, member);
      const json::value* vb = b.if_contains(key);
      if (vb == nullptr) {
        Add(child, &va, nullptr);
      } else if (options_.opaque.contains(member)) {
        if (va.is_null() != vb->is_null()) Add(child, &va, vb);
      } else {
        Compare(va, *vb, child, child_generic, member);
      }
    }
    for (const auto& [key, vb] : b) {
      const std::string member(key);
      if (a.contains(key) || Ignored(member, Join(generic, member))) continue;
      Add(Join(path, member), nullptr, &vb);
    }
  }

  // The members that identify a record of the array `name`; empty: match by position.
  std::vector<std::string> KeyFields(const json::array& a, const json::array& b,
                                     const std::string& name) const {
    for (const json::array* side : {&a, &b}) {
      for (const json::value& v : *side) {
        if (!v.is_object()) return {};
      }
    }
    if (auto it = options_.array_keys.find(name); it != options_.array_keys.end()) {
      return it->second;
    }
    std::vector<std::string> fields;
    for (const char* field : kGenericKeys) {
      bool everywhere = !a.empty() || !b.empty();
      for (const json::array* side : {&a, &b}) {
        for (const json::value& v : *side) {
          const json::value* f = v.get_object().if_contains(field);
          everywhere = everywhere && f != nullptr && !f->is_object() && !f->is_array();
        }
      }
      if (everywhere) fields.push_back(field);
    }
    return fields;
  }

  void CompareArrays(const json::array& a, const json::array& b, const std::string& path,
                     const std::string& generic, const std::string& name) {
    const std::vector<std::string> fields = KeyFields(a, b, name);
    if (fields.empty()) return CompareByPosition(a, b, path, generic, name);

    auto key_of = [&](const json::value& v) {
      std::string key;
      for (const std::string& f : fields) {
        const json::value* k = v.get_object().if_contains(f);
        key += k == nullptr ? "absent" : ToJsonText(*k);
        key += '\x1f';
      }
      return key;
    };
    // A label shows the key members whose values vary over the records (not the zoneId every bay
    // of a zone shares); the most specific one when none does.
    std::vector<std::string> shown;
    for (const std::string& f : fields) {
      std::set<std::string> values;
      for (const json::array* side : {&a, &b}) {
        for (const json::value& v : *side) values.insert(KeyText(v.get_object(), f));
      }
      if (values.size() > 1) shown.push_back(f);
    }
    if (shown.empty()) shown.push_back(fields.back());
    auto label = [&](const json::value& v, size_t occurrence) {
      std::string text = path + "[";
      for (size_t i = 0; i < shown.size(); ++i) {
        if (i > 0) text += ',';
        text += shown[i] + "=" + KeyText(v.get_object(), shown[i]);
      }
      if (occurrence > 0) text += " #" + std::to_string(occurrence + 1);
      return text + "]";
    };

    // Records that share a key are matched in order of appearance.
    std::map<std::string, std::vector<size_t>> in_b;
    for (size_t j = 0; j < b.size(); ++j) in_b[key_of(b[j])].push_back(j);
    std::vector<bool> matched(b.size(), false);
    std::map<std::string, size_t> seen;
    for (const json::value& va : a) {
      const std::string key = key_of(va);
      const size_t occurrence = seen[key]++;
      auto it = in_b.find(key);
      if (it == in_b.end() || occurrence >= it->second.size()) {
        Add(label(va, occurrence), &va, nullptr);
        continue;
      }
      const size_t j = it->second[occurrence];
      matched[j] = true;
      Compare(va, b[j], label(va, occurrence), generic, name);
    }
    std::map<std::string, size_t> seen_b;
    for (size_t j = 0; j < b.size(); ++j) {
      const size_t occurrence = seen_b[key_of(b[j])]++;
      if (!matched[j]) Add(label(b[j], occurrence), nullptr, &b[j]);
    }
  }

  void CompareByPosition(const json::array& a, const json::array& b, const std::string& path,
                         const std::string& generic, const std::string& name) {
    for (size_t i = 0; i < std::max(a.size(), b.size()); ++i) {
      const std::string at = path + "[" + std::to_string(i) + "]";
      if (i >= b.size()) {
        Add(at, &a[i], nullptr);
      } else if (i >= a.size()) {
        Add(at, nullptr, &b[i]);
      } else {
        Compare(a[i], b[i], at, generic, name);
      }
    }
  }

  const ApiDiffOptions& options_;
  std::vector<ApiDifference>* out_;
};

}  // namespace

std::string ApiDifference::ToString() const {
  std::string text = path.empty() ? "" : path + ": ";
  text += "old " + (old_value.empty() ? std::string("absent") : old_value);
  text += ", new " + (new_value.empty() ? std::string("absent") : new_value);
  return text;
}

std::vector<ApiDifference> DiffApiJson(const json::value& old_value, const json::value& new_value,
                                       const ApiDiffOptions& options) {
  std::vector<ApiDifference> out;
  Differ(options, &out).Compare(old_value, new_value, "", "", "");
  return out;
}

size_t AlignEventPages(json::value& old_page, json::value& new_page, size_t limit) {
  auto events_of = [](json::value& page) -> json::array* {
    json::value* events = page.is_object() ? page.get_object().if_contains("events") : nullptr;
    return events != nullptr && events->is_array() ? &events->get_array() : nullptr;
  };
  auto time_of = [](const json::value& record) -> std::optional<Timestamp> {
    const json::value* t =
        record.is_object() ? record.get_object().if_contains("timestamp") : nullptr;
    if (t == nullptr || !t->is_string()) return std::nullopt;
    auto parsed = Timestamp::Parse(t->get_string());
    return parsed.ok() ? std::optional<Timestamp>(*parsed) : std::nullopt;
  };
  json::array* pages[] = {events_of(old_page), events_of(new_page)};
  if (pages[0] == nullptr || pages[1] == nullptr || limit == 0) return 0;
  // The latest of the full pages' oldest times: what both pages hold from there on is comparable.
  std::optional<Timestamp> cutoff;
  for (json::array* page : pages) {
    if (page->size() < limit) continue;
    std::optional<Timestamp> oldest;
    for (const json::value& record : *page) {
      auto t = time_of(record);
      if (!t) return 0;  // a record without a time: nothing to align by
      if (!oldest || *t < *oldest) oldest = *t;
    }
    if (oldest && (!cutoff || *oldest > *cutoff)) cutoff = oldest;
  }
  if (!cutoff) return 0;
  size_t left_out = 0;
  for (json::array* page : pages) {
    json::array kept;
    for (json::value& record : *page) {
      auto t = time_of(record);
      if (t && *t < *cutoff) {
        ++left_out;
      } else {
        kept.push_back(std::move(record));
      }
    }
    *page = std::move(kept);
  }
  return left_out;
}

}  // namespace vdpark
