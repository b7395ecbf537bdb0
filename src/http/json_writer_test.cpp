#include "http/internal/json_writer.h"

#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

namespace almanac::http::internal {
namespace {

TEST(JsonWriter, NestsAndSeparates) {
  std::string out;
  JsonWriter w(&out);
  w.BeginObject();
  w.Key("items");
  w.BeginArray();
  w.BeginObject();
  w.Member("a", 1);
  w.Member("b", true);
  w.Key("c");
  w.Null();
  w.EndObject();
  w.String("x");
  w.EndArray();
  w.Member("n", std::int64_t{-5});
  w.EndObject();
  EXPECT_EQ(out, R"({"items":[{"a":1,"b":true,"c":null},"x"],"n":-5})");
}

TEST(JsonWriter, EscapesWhatRfc8259Requires) {
  std::string out;
  JsonWriter w(&out);
  const std::string tricky = std::string("q\"b\\n\nr\rt\tz") + '\x01' + "\x1f" + "é ✓";
  w.String(tricky);
  EXPECT_EQ(out, "\"q\\\"b\\\\n\\nr\\rt\\tz\\u0001\\u001fé ✓\"");
  // A real parser reads back exactly the input.
  EXPECT_EQ(nlohmann::json::parse(out).get<std::string>(), tricky);
}

}  // namespace
}  // namespace almanac::http::internal
