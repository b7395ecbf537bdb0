// A minimal streaming JSON writer for hot responses (the instance list),
// where building a nlohmann DOM costs more than the request. Writes into a
// caller's string; commas and nesting are tracked, strings escaped per
// RFC 8259 §7. Input text must be valid UTF-8 (everything Almanac stores is).
//
// Thread safety: a value; one writer per thread.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace almanac::http::internal {

class JsonWriter {
 public:
  explicit JsonWriter(std::string* out) : out_(out) {}

  void BeginObject() { Open('{'); }
  void EndObject() { Close('}'); }
  void BeginArray() { Open('['); }
  void EndArray() { Close(']'); }
  // The member name of the next value (inside an object).
  void Key(std::string_view key) {
    Separate();
    Escaped(key);
    out_->push_back(':');
    after_key_ = true;
  }
  void String(std::string_view v) {
    Separate();
    Escaped(v);
  }
  void Int(std::int64_t v) {
    Separate();
    out_->append(std::to_string(v));
  }
  void Bool(bool v) {
    Separate();
    out_->append(v ? "true" : "false");
  }
  void Null() {
    Separate();
    out_->append("null");
  }
  // Convenience: "key": value.
  void Member(std::string_view key, std::string_view v) { Key(key), String(v); }
  void Member(std::string_view key, const char* v) { Key(key), String(v); }
  void Member(std::string_view key, std::int64_t v) { Key(key), Int(v); }
  void Member(std::string_view key, int v) { Key(key), Int(v); }
  void Member(std::string_view key, bool v) { Key(key), Bool(v); }

 private:
  void Separate() {
    if (after_key_) {
      after_key_ = false;
      return;
    }
    if (!first_.empty()) {
      if (!first_.back()) out_->push_back(',');
      first_.back() = false;
    }
  }
  void Open(char c) {
    Separate();
    out_->push_back(c);
    first_.push_back(true);
  }
  void Close(char c) {
    out_->push_back(c);
    first_.pop_back();
  }
  void Escaped(std::string_view s) {
    static constexpr char kHex[] = "0123456789abcdef";
    out_->push_back('"');
    std::size_t run = 0;  // start of the pending unescaped run
    for (std::size_t i = 0; i < s.size(); ++i) {
      const auto c = static_cast<unsigned char>(s[i]);
      if (c >= 0x20 && c != '"' && c != '\\') continue;
      out_->append(s.data() + run, i - run);
      run = i + 1;
      switch (c) {
        case '"':
          out_->append("\\\"");
          break;
        case '\\':
          out_->append("\\\\");
          break;
        case '\n':
          out_->append("\\n");
          break;
        case '\r':
          out_->append("\\r");
          break;
        case '\t':
          out_->append("\\t");
          break;
        default: {
          const char esc[] = {'\\', 'u', '0', '0', kHex[c >> 4], kHex[c & 15]};
          out_->append(esc, sizeof esc);
        }
      }
    }
    out_->append(s.data() + run, s.size() - run);
    out_->push_back('"');
  }

  std::string* out_;
  std::vector<bool> first_;
  bool after_key_ = false;
};

}  // namespace almanac::http::internal
