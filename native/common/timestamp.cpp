// ISO 8601 timestamp parsing (days from civil date per Howard Hinnant's algorithm).
#include "common/timestamp.hpp"

#include <chrono>

namespace replaydb {
namespace {

int64_t days_from_civil(int64_t y, unsigned m, unsigned d) {
  y -= m <= 2;
  const int64_t era = (y >= 0 ? y : y - 399) / 400;
  const unsigned yoe = unsigned(y - era * 400);
  const unsigned doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
  const unsigned doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
  return era * 146097 + int64_t(doe) - 719468;
}

bool read_digits(std::string_view text, size_t& position, size_t count, int64_t& out) {
  if (position + count > text.size()) return false;
  out = 0;
  for (size_t i = 0; i < count; i++) {
    const char c = text[position + i];
    if (c < '0' || c > '9') return false;
    out = out * 10 + (c - '0');
  }
  position += count;
  return true;
}

}  // namespace

std::optional<int64_t> parse_timestamp(std::string_view text, bool* out_of_range) {
  if (out_of_range) *out_of_range = false;
  while (!text.empty() && text.front() == ' ') text.remove_prefix(1);
  while (!text.empty() && text.back() == ' ') text.remove_suffix(1);
  size_t p = 0;
  int64_t year, month, day, hour = 0, minute = 0, second = 0, micros = 0;
  if (!read_digits(text, p, 4, year) || p >= text.size() || text[p++] != '-') return std::nullopt;
  if (!read_digits(text, p, 2, month) || p >= text.size() || text[p++] != '-') return std::nullopt;
  if (!read_digits(text, p, 2, day)) return std::nullopt;
  if (month < 1 || month > 12 || day < 1 || day > 31) return std::nullopt;
  static const int kDays[12] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
  const bool leap = (year % 4 == 0 && year % 100 != 0) || year % 400 == 0;
  if (day > kDays[month - 1] + (month == 2 && leap ? 1 : 0)) {
    if (out_of_range) *out_of_range = true;  // well-formed, but no such day
    return std::nullopt;
  }
  if (p < text.size() && (text[p] == 'T' || text[p] == 't' || text[p] == ' ')) {
    p++;
    if (!read_digits(text, p, 2, hour) || p >= text.size() || text[p++] != ':') return std::nullopt;
    if (!read_digits(text, p, 2, minute)) return std::nullopt;
    if (p < text.size() && text[p] == ':') {
      p++;
      if (!read_digits(text, p, 2, second)) return std::nullopt;
      if (p < text.size() && text[p] == '.') {
        p++;
        int64_t scale = 100000;
        size_t digits = 0;
        while (p < text.size() && text[p] >= '0' && text[p] <= '9') {
          if (digits < 6) micros += (text[p] - '0') * scale;
          if (digits == 6 && text[p] >= '5') micros += 1;  // round to microseconds, as Postgres does
          scale /= 10;
          digits++;
          p++;
        }
        if (digits == 0) return std::nullopt;
      }
    }
    if (hour > 24 || minute > 59 || second > 60) {
      if (out_of_range) *out_of_range = true;
      return std::nullopt;
    }
  }
  int64_t offset_minutes = 0;
  if (p < text.size()) {
    if (text[p] == 'Z' || text[p] == 'z') {
      p++;
    } else if (text[p] == '+' || text[p] == '-') {
      const int sign = text[p] == '-' ? -1 : 1;
      p++;
      int64_t offset_hours, offset_mins = 0;
      if (!read_digits(text, p, 2, offset_hours)) return std::nullopt;
      if (p < text.size() && text[p] == ':') p++;
      if (p < text.size() && !read_digits(text, p, 2, offset_mins)) return std::nullopt;
      offset_minutes = sign * (offset_hours * 60 + offset_mins);
    }
  }
  if (p != text.size()) return std::nullopt;
  const int64_t days = days_from_civil(year, unsigned(month), unsigned(day));
  const int64_t seconds = days * 86400 + hour * 3600 + minute * 60 + second - offset_minutes * 60;
  return seconds * 1000000 + micros;
}

int64_t current_time_micros() {
  return std::chrono::duration_cast<std::chrono::microseconds>(std::chrono::system_clock::now().time_since_epoch()).count();
}

}  // namespace replaydb
