# Writes the file IN as a C++ header OUT declaring `kOpenApiJson`, a raw
# string literal (the delimiter cannot occur in JSON text).
file(READ ${IN} content)
file(WRITE ${OUT} "// Generated from docs/openapi.json by embed_text.cmake: do not edit.\n#pragma once\nnamespace almanac::app {\ninline constexpr const char* kOpenApiJson = R\"ALMANAC_EMBED(${content})ALMANAC_EMBED\";\n}  // namespace almanac::app\n")
