#include "api/dashboard_assets.h"

#include <gtest/gtest.h>

#include <string>

namespace vdpark::dashboard {
namespace {

TEST(DashboardAssetsTest, RootIsIndexHtml) {
  auto root = FindDashboardFile("/");
  auto index = FindDashboardFile("/index.html");
  ASSERT_TRUE(root.has_value());
  ASSERT_TRUE(index.has_value());
  EXPECT_EQ(root->content_type, "text/html; charset=utf-8");
  EXPECT_EQ(root->body, index->body);
  EXPECT_TRUE(root->body.starts_with("<!doctype html>"));
}

TEST(DashboardAssetsTest, ScriptAndStyleHaveTheirContentTypes) {
  auto script = FindDashboardFile("/app.js");
  auto style = FindDashboardFile("/style.css");
  ASSERT_TRUE(script.has_value());
  ASSERT_TRUE(style.has_value());
  EXPECT_EQ(script->content_type, "text/javascript; charset=utf-8");
  EXPECT_EQ(style->content_type, "text/css; charset=utf-8");
  EXPECT_NE(script->body.find("/v1/zones"), std::string_view::npos);
  EXPECT_NE(style->body.find(".bay-grid"), std::string_view::npos);
}

TEST(DashboardAssetsTest, EveryFileThePageLoadsIsEmbedded) {
  const std::string_view html = FindDashboardFile("/")->body;
  for (std::string_view ref : {"src=\"app.js\"", "href=\"style.css\""}) {
    EXPECT_NE(html.find(ref), std::string_view::npos) << ref;
  }
  // Nothing from another origin: the page works without the internet.
  EXPECT_EQ(html.find("http://"), std::string_view::npos);
  EXPECT_EQ(html.find("https://"), std::string_view::npos);
}

TEST(DashboardAssetsTest, QueryStringIsIgnored) {
  auto script = FindDashboardFile("/app.js?v=2");
  ASSERT_TRUE(script.has_value());
  EXPECT_EQ(script->body, FindDashboardFile("/app.js")->body);
}

TEST(DashboardAssetsTest, UnknownPathsAreNotFound) {
  for (std::string_view path : {"", "app.js", "/nope.js", "/v1/zones", "/index.htm", "/APP.JS",
                                "/../CMakeLists.txt", "/dashboard/app.js", "//app.js"}) {
    EXPECT_FALSE(FindDashboardFile(path).has_value()) << path;
  }
}

}  // namespace
}  // namespace vdpark::dashboard
