#include "http/internal/csv_writer.h"

#include <gtest/gtest.h>

namespace almanac::http::internal {
namespace {

TEST(CsvWriter, QuotesOnlyWhatRfc4180Requires) {
  std::string out;
  CsvWriter w(&out);
  w.Row({"name", "hours"});
  w.Text("Room 1");
  w.Decimal(1.5, 2);
  w.EndRow();
  w.Text("Hall, \"the big one\"");
  w.Decimal(std::nullopt, 2);
  w.EndRow();
  w.Text("two\nlines");
  w.Number(-3);
  w.EndRow();
  w.Text("");
  w.Empty();
  w.EndRow();
  EXPECT_EQ(out,
            "name,hours\r\n"
            "Room 1,1.50\r\n"
            "\"Hall, \"\"the big one\"\"\",\r\n"
            "\"two\nlines\",-3\r\n"
            ",\r\n");
}

TEST(CsvWriter, DefusesFormulasInText) {
  std::string out;
  CsvWriter w(&out);
  for (const char* t : {"=1+2", "+SUM(A1)", "-5", "@cmd", "\tx", "café", "a=b"}) w.Text(t);
  w.EndRow();
  EXPECT_EQ(out, "\"'=1+2\",\"'+SUM(A1)\",\"'-5\",\"'@cmd\",\"'\tx\",café,a=b\r\n");
}

}  // namespace
}  // namespace almanac::http::internal
