#include "store/store_place.h"

#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>
#include <string>

namespace vdpark {
namespace {

namespace fs = std::filesystem;

class StorePlaceTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ =
        (fs::temp_directory_path() / ("vdpark_store_place_" + std::to_string(::getpid()))).string();
    fs::remove_all(dir_);
    fs::create_directories(dir_ + "/a");
    fs::create_directories(dir_ + "/b");
    fs::create_directory_symlink(dir_ + "/a", dir_ + "/link");
  }
  void TearDown() override { fs::remove_all(dir_); }

  bool Same(const std::string& a, const std::string& b) {
    Status s = CheckDifferentStores(a, b);
    if (!s.ok()) {
      EXPECT_TRUE(s.IsInvalidArgument()) << s.ToString();
      EXPECT_NE(s.message().find("a store cannot be migrated into itself"), std::string::npos);
    }
    return !s.ok();
  }

  std::string dir_;
};

TEST_F(StorePlaceTest, FolderUrlsNamingOneFolderAreTheSameStore) {
  const std::string a = dir_ + "/a";
  EXPECT_TRUE(Same("csv:" + a, "csv:" + a));
  EXPECT_TRUE(Same("csv:" + a, "csv:" + a + "/"));
  EXPECT_TRUE(Same("csv:" + a, "csv://" + a));
  EXPECT_TRUE(Same("csv:" + a, "csv:" + dir_ + "/b/../a"));
  EXPECT_TRUE(Same("csv:" + a, "csv:" + dir_ + "/link"));
  EXPECT_TRUE(Same("embedded:" + a, "embedded:" + dir_ + "/link/"));
  // Not there yet: the same path is still the same place.
  EXPECT_TRUE(Same("csv:" + dir_ + "/new", "csv:" + dir_ + "/new/"));
  EXPECT_TRUE(Same("csv:" + dir_ + "/new", "csv:" + dir_ + "/link/../new"));

  EXPECT_FALSE(Same("csv:" + a, "csv:" + dir_ + "/b"));
  EXPECT_FALSE(Same("csv:" + a, "embedded:" + a));  // a RocksDB store beside the files
  EXPECT_FALSE(Same("csv:" + a, "csv:" + a + "/sub"));

  Status s = CheckDifferentStores("csv:" + a + "/", "csv:" + dir_ + "/link");
  EXPECT_EQ(s.message(), "the source csv:" + a + "/ and the target csv:" + dir_ +
                             "/link are the same store (the folder " + a +
                             "): a store cannot be migrated into itself; give another --target");
}

TEST_F(StorePlaceTest, PostgresUrlsNamingOneDatabaseAreTheSameStore) {
  EXPECT_TRUE(Same("postgres://vd:secret@localhost:5432/park", "timescale://vd@127.0.0.1/park"));
  EXPECT_TRUE(Same("postgresql://a@db.example:5433/park?sslmode=require",
                   "postgres://b@db.example:5433/park"));
  EXPECT_FALSE(Same("postgres://vd@localhost/park", "postgres://vd@localhost/park2"));
  EXPECT_FALSE(Same("postgres://vd@localhost:5432/park", "postgres://vd@localhost:5433/park"));
  EXPECT_FALSE(Same("postgres://vd@db1/park", "postgres://vd@db2/park"));
  EXPECT_FALSE(Same("postgres://vd@localhost/park", "csv:" + dir_ + "/a"));
  Status s = CheckDifferentStores("postgres://vd:secret@localhost:5432/park",
                                  "postgres://vd:secret@localhost/park");
  EXPECT_NE(s.message().find("database 'park' on localhost:5432"), std::string::npos)
      << s.message();
  EXPECT_EQ(s.message().find("secret"), std::string::npos) << s.message();
}

TEST_F(StorePlaceTest, DynamoDbUrlsNamingOneTableAreTheSameStore) {
  const std::string local = "?endpoint=http://127.0.0.1:8000&region=us-east-1";
  EXPECT_TRUE(Same("dynamodb://Parking" + local, "dynamodb:Parking" + local));
  EXPECT_FALSE(Same("dynamodb://Parking" + local, "dynamodb://Other" + local));
  EXPECT_FALSE(
      Same("dynamodb://Parking" + local, "dynamodb://Parking?endpoint=http://127.0.0.1:8001"));
}

TEST_F(StorePlaceTest, S3UrlsNamingOnePrefixAreTheSameStore) {
  const std::string local = "?endpoint=http://127.0.0.1:4569&region=me-central-1";
  EXPECT_TRUE(Same("s3://archives/timescale" + local, "s3://archives/timescale/" + local));
  EXPECT_FALSE(Same("s3://archives/timescale" + local, "s3://archives/other" + local));
  EXPECT_FALSE(Same("s3://archives/timescale" + local, "s3://backups/timescale" + local));
  EXPECT_FALSE(Same("s3://archives/timescale" + local,
                    "s3://archives/timescale?endpoint=http://127.0.0.1:4570"));
  Status s =
      CheckDifferentStores("s3://archives/timescale" + local, "s3://archives/timescale/" + local);
  EXPECT_NE(s.message().find("(s3://archives/timescale/)"), std::string::npos) << s.message();
}

}  // namespace
}  // namespace vdpark
