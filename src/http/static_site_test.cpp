// StaticSite (static_site.h): what Load takes from a directory tree and what
// it leaves out. The HTTP answers are tested over real HTTP in
// tests/integration/web_cases.py.
#include "http/static_site.h"

#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>

namespace almanac::http {
namespace {

namespace fs = std::filesystem;

class StaticSiteTest : public ::testing::Test {
 protected:
  void SetUp() override {
    root_ = fs::temp_directory_path() /
            ("almanac-site-" + std::to_string(::testing::UnitTest::GetInstance()->random_seed()) +
             "-" + ::testing::UnitTest::GetInstance()->current_test_info()->name());
    fs::remove_all(root_);
    fs::create_directories(root_ / "site" / "assets");
  }
  void TearDown() override { fs::remove_all(root_); }

  void Write(const fs::path& p, const std::string& text) {
    fs::create_directories(p.parent_path());
    std::ofstream(p, std::ios::binary) << text;
  }

  fs::path root_;
};

TEST_F(StaticSiteTest, LoadsFilesButNotDotFilesOrLinksLeavingTheTree) {
  Write(root_ / "site" / "index.html", "<!doctype html>");
  Write(root_ / "site" / "assets" / "app-1.js", std::string(4000, 'a'));
  Write(root_ / "site" / ".git" / "config", "secret");
  Write(root_ / "outside.txt", "not part of the site");
  fs::create_symlink(root_ / "outside.txt", root_ / "site" / "escape.txt");
  fs::create_symlink(root_ / "site" / "index.html", root_ / "site" / "home.html");

  Result<std::shared_ptr<const StaticSite>> site = StaticSite::Load((root_ / "site").string());
  ASSERT_TRUE(site.ok()) << site.error().message;
  EXPECT_TRUE((*site)->has_app());
  EXPECT_EQ((*site)->FileNames(),
            (std::vector<std::string>{"assets/app-1.js", "home.html", "index.html"}));
  const StaticSite::File* js = (*site)->Find("assets/app-1.js");
  ASSERT_NE(js, nullptr);
  EXPECT_TRUE(js->immutable);
  EXPECT_FALSE(js->gzip.empty());  // 4000 equal bytes compress to almost nothing
  EXPECT_LT(js->gzip.size(), 100u);
  EXPECT_EQ(js->content_type, "application/javascript; charset=utf-8");
  EXPECT_FALSE((*site)->Find("index.html")->immutable);
  EXPECT_EQ((*site)->Find("home.html")->etag, (*site)->Find("index.html")->etag);
}

TEST_F(StaticSiteTest, AMissingRootIsAnEmptySiteAndAFileIsAnError) {
  Result<std::shared_ptr<const StaticSite>> none = StaticSite::Load((root_ / "none").string());
  ASSERT_TRUE(none.ok());
  EXPECT_FALSE((*none)->has_app());
  EXPECT_TRUE((*none)->FileNames().empty());
  Write(root_ / "file", "x");
  Result<std::shared_ptr<const StaticSite>> file = StaticSite::Load((root_ / "file").string());
  ASSERT_FALSE(file.ok());
  EXPECT_EQ(file.error().code, Code::kInvalidArgument);
}

TEST(MediaTypeTest, ByExtensionCaseInsensitive) {
  EXPECT_EQ(MediaTypeOf("index.HTML"), "text/html; charset=utf-8");
  EXPECT_EQ(MediaTypeOf("manifest.webmanifest"), "application/manifest+json");
  EXPECT_EQ(MediaTypeOf("icons/icon-192.png"), "image/png");
  EXPECT_EQ(MediaTypeOf("a.svg"), "image/svg+xml");
  EXPECT_EQ(MediaTypeOf("README"), "application/octet-stream");
  EXPECT_EQ(MediaTypeOf("archive.tar.gz"), "application/octet-stream");
}

}  // namespace
}  // namespace almanac::http
