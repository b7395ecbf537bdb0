#include "core/time_zone.h"

#include "core/internal/posix_tz.h"

#include <date/tz.h>

#include <algorithm>
#include <map>
#include <mutex>

namespace almanac::core {
namespace {

// Far enough out to stand for "the ends of time" without overflow when an
// offset is added.
constexpr std::int64_t kEndOfTime = std::int64_t{1} << 45;
constexpr std::int64_t kLookupMargin = 2 * kSecondsPerDay;  // > any real UTC offset

std::int64_t Clamp(std::int64_t s) { return std::clamp(s, -kEndOfTime, kEndOfTime); }

class IanaZone final : public TimeZone {
 public:
  IanaZone(std::string name, const date::time_zone* tz)
      : name_(std::move(name)),
        tz_(tz),
        footer_(internal::ReadTzifFooter(("/usr/share/zoneinfo/" + name_).c_str())) {
    if (footer_ && !footer_->has_dst()) footer_.reset();
  }
  const std::string& name() const override { return name_; }
  ZoneSpan SpanAt(Instant t) const override {
    const date::sys_info info =
        tz_->get_info(date::sys_seconds{std::chrono::seconds{t.unix_seconds()}});
    ZoneSpan s;
    s.begin = Instant::FromUnixSeconds(Clamp(info.begin.time_since_epoch().count()));
    s.end = Instant::FromUnixSeconds(Clamp(info.end.time_since_epoch().count()));
    s.offset = static_cast<std::int32_t>(info.offset.count());
    s.dst = info.save != std::chrono::minutes{0};
    if (footer_ && s.end.unix_seconds() > kMaxLocal.seconds()) {
      // Compiled zoneinfo lists transitions only up to 2037; the TZif
      // footer rule continues them (RFC 8536 §3.3).
      const ZoneSpan r = footer_->SpanAt(t);
      s.begin = std::max(s.begin, r.begin);
      s.end = r.end;
      s.offset = r.offset;
      s.dst = r.dst;
    }
    return s;
  }

 private:
  std::string name_;
  const date::time_zone* tz_;
  std::optional<internal::PosixTzRule> footer_;
};

class Utc final : public TimeZone {
 public:
  const std::string& name() const override { return name_; }
  ZoneSpan SpanAt(Instant) const override {
    return ZoneSpan{Instant::FromUnixSeconds(-kEndOfTime), Instant::FromUnixSeconds(kEndOfTime), 0,
                    false};
  }

 private:
  std::string name_ = "UTC";
};

}  // namespace

LocalLookup TimeZone::Lookup(LocalDateTime local) const {
  const std::int64_t l = local.seconds();
  // Every span that could hold `l` begins before l + margin and ends after
  // l - margin; walk them in order.
  ZoneSpan spans[8];
  int n = 0;
  ZoneSpan s = SpanAt(Instant::FromUnixSeconds(l - kLookupMargin));
  while (n < 8) {
    spans[n++] = s;
    if (s.end.unix_seconds() > l + kLookupMargin || s.end.unix_seconds() >= kEndOfTime) break;
    s = SpanAt(s.end);
  }
  int valid[2];
  int nvalid = 0;
  for (int i = 0; i < n && nvalid < 2; ++i) {
    const std::int64_t inst = l - spans[i].offset;
    if (spans[i].begin.unix_seconds() <= inst && inst < spans[i].end.unix_seconds()) {
      valid[nvalid++] = i;
    }
  }
  LocalLookup r;
  if (nvalid == 1) {
    r.kind = LocalKind::kUnique;
    r.first = r.second = spans[valid[0]];
  } else if (nvalid == 2) {
    r.kind = LocalKind::kAmbiguous;
    r.first = spans[valid[0]];
    r.second = spans[valid[1]];
  } else {
    // In a gap: the span before it is the last one whose local range ends at
    // or before `l`.
    r.kind = LocalKind::kNonexistent;
    int before = 0;
    for (int i = 0; i + 1 < n; ++i) {
      if (l - spans[i].offset >= spans[i].end.unix_seconds()) before = i;
    }
    r.first = spans[before];
    r.second = spans[std::min(before + 1, n - 1)];
  }
  return r;
}

Instant TimeZone::ToInstant(LocalDateTime local) const {
  // Unique: the only offset. Ambiguous: the first occurrence. Nonexistent:
  // the offset before the gap. All three read `first`.
  return Instant::FromUnixSeconds(local.seconds() - Lookup(local).first.offset);
}

LocalDateTime TimeZone::ToLocal(Instant t) const {
  return LocalDateTime::FromSeconds(t.unix_seconds() + SpanAt(t).offset);
}

Result<const TimeZone*> FindIanaZone(std::string_view name) {
  static std::mutex mu;
  static std::map<std::string, std::unique_ptr<IanaZone>, std::less<>> cache;
  std::lock_guard<std::mutex> lock(mu);
  if (auto it = cache.find(name); it != cache.end()) {
    if (!it->second)
      return MakeError(Code::kNotFound, "unknown time zone \"" + std::string(name) + "\"");
    return static_cast<const TimeZone*>(it->second.get());
  }
  const date::time_zone* tz = nullptr;
  if (!name.empty() && name.size() < 128) {
    try {
      tz = date::locate_zone(name);
    } catch (const std::exception&) {
      tz = nullptr;
    }
  }
  auto& slot = cache[std::string(name)];
  if (tz == nullptr) {
    return MakeError(Code::kNotFound, "unknown time zone \"" + std::string(name) + "\"");
  }
  slot = std::make_unique<IanaZone>(std::string(name), tz);
  return static_cast<const TimeZone*>(slot.get());
}

const TimeZone& UtcZone() {
  static const Utc utc;
  return utc;
}

TransitionZone::TransitionZone(std::string name, std::int32_t initial_offset, bool initial_dst,
                               std::vector<Transition> transitions)
    : name_(std::move(name)), initial_offset_(initial_offset), initial_dst_(initial_dst) {
  std::stable_sort(transitions.begin(), transitions.end(),
                   [](const Transition& a, const Transition& b) { return a.at < b.at; });
  for (const Transition& t : transitions) {
    if (!transitions_.empty() && transitions_.back().at == t.at) {
      transitions_.back() = t;
    } else {
      transitions_.push_back(t);
    }
  }
}

ZoneSpan TransitionZone::SpanAt(Instant t) const {
  auto it = std::upper_bound(transitions_.begin(), transitions_.end(), t,
                             [](Instant v, const Transition& tr) { return v < tr.at; });
  ZoneSpan s;
  s.end = it == transitions_.end() ? Instant::FromUnixSeconds(kEndOfTime) : it->at;
  if (it == transitions_.begin()) {
    s.begin = Instant::FromUnixSeconds(-kEndOfTime);
    s.offset = initial_offset_;
    s.dst = initial_dst_;
  } else {
    const Transition& prev = *(it - 1);
    s.begin = prev.at;
    s.offset = prev.offset_to;
    s.dst = prev.dst;
  }
  return s;
}

Instant ZoneCursor::ToInstant(LocalDateTime local) {
  const std::int64_t l = local.seconds();
  if (l >= lo_ && l < hi_) {
    last_offset_ = offset_;
    return Instant::FromUnixSeconds(l - offset_);
  }
  const LocalLookup r = zone_->Lookup(local);
  const Instant result = Instant::FromUnixSeconds(l - r.first.offset);
  switch (r.kind) {
    case LocalKind::kUnique: {
      // Cache the part of this span's local range where times are unique and
      // map to this span: skip an overlap with the previous span at the start
      // (there the first occurrence belongs to the previous span).
      std::int32_t prev_offset = r.first.offset;
      if (r.first.begin.unix_seconds() > -kEndOfTime) {
        prev_offset = zone_->SpanAt(r.first.begin - 1).offset;
      }
      lo_ = r.first.begin.unix_seconds() + std::max(r.first.offset, prev_offset);
      hi_ = r.first.end.unix_seconds() + r.first.offset;
      offset_ = r.first.offset;
      last_offset_ = offset_;
      break;
    }
    case LocalKind::kAmbiguous:
      last_offset_ = r.first.offset;
      break;
    case LocalKind::kNonexistent:
      last_offset_ = r.second.offset;
      break;
  }
  return result;
}

}  // namespace almanac::core
