// A small CSV writer for exports (RFC 4180): records end in CRLF; a field
// holding a comma, a double quote, CR or LF is enclosed in double quotes
// with its quotes doubled; every other field is written as it is.
//
// Text fields from users (names, titles) are also defused against formula
// injection in spreadsheets (OWASP "CSV Injection"): a text that starts with
// =, +, -, @, TAB or CR gets a leading apostrophe, which spreadsheets show
// as text and do not evaluate. Numbers go through Number/Decimal untouched.
//
// Writes into a caller's string; input text must be valid UTF-8.
// Thread safety: a value; one writer per thread.
#pragma once

#include <fmt/format.h>

#include <cstdint>
#include <initializer_list>
#include <iterator>
#include <optional>
#include <string>
#include <string_view>

namespace almanac::http::internal {

class CsvWriter {
 public:
  explicit CsvWriter(std::string* out) : out_(out) {}

  // A header row (or any row of plain texts).
  void Row(std::initializer_list<std::string_view> fields) {
    for (std::string_view f : fields) Text(f);
    EndRow();
  }

  // A text field, quoted when needed and defused (see above).
  void Text(std::string_view v) {
    Separate();
    const bool formula = !v.empty() && (v.front() == '=' || v.front() == '+' || v.front() == '-' ||
                                        v.front() == '@' || v.front() == '\t' || v.front() == '\r');
    const bool quote = formula || v.find_first_of(",\"\r\n") != std::string_view::npos;
    if (!quote) {
      out_->append(v);
      return;
    }
    out_->push_back('"');
    if (formula) out_->push_back('\'');
    for (char c : v) {
      if (c == '"') out_->push_back('"');
      out_->push_back(c);
    }
    out_->push_back('"');
  }
  void Number(std::int64_t v) {
    Separate();
    out_->append(std::to_string(v));
  }
  // `v` with `decimals` digits after the point ("12.50"); empty when absent.
  void Decimal(std::optional<double> v, int decimals) {
    Separate();
    if (v) fmt::format_to(std::back_inserter(*out_), "{:.{}f}", *v, decimals);
  }
  void Empty() { Separate(); }
  // Ends the record with CRLF (RFC 4180 §2.1).
  void EndRow() {
    out_->append("\r\n");
    first_ = true;
  }

 private:
  void Separate() {
    if (!first_) out_->push_back(',');
    first_ = false;
  }

  std::string* out_;
  bool first_ = true;
};

}  // namespace almanac::http::internal
