# Writes the file IN as a C++ header OUT: `OpenApiJson()` returns its text.
# The text is split into raw string literals of at most 30000 bytes, since
# C++ compilers need only support 65536-character literals (clang warns
# with -Woverlength-strings); the delimiter cannot occur in JSON text.
file(READ ${IN} content)
string(LENGTH "${content}" length)
set(parts "")
set(pos 0)
while(pos LESS length)
  string(SUBSTRING "${content}" ${pos} 30000 piece)
  string(APPEND parts "    R\"ALMANAC_EMBED(${piece})ALMANAC_EMBED\",\n")
  math(EXPR pos "${pos} + 30000")
endwhile()
file(WRITE ${OUT} "// Generated from docs/openapi.json by embed_text.cmake: do not edit.
#pragma once
#include <string>
#include <string_view>
namespace almanac::app {
inline std::string OpenApiJson() {
  static constexpr std::string_view kParts[] = {
${parts}  };
  std::string out;
  for (std::string_view p : kParts) out += p;
  return out;
}
}  // namespace almanac::app
")
