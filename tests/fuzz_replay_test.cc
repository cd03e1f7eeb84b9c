// The fuzzers' corpora (fuzz/corpus/<target>/: the seeds, and every input a fuzzer found breaking
// something, minimized) replayed through the same entry functions the fuzzers call
// (fuzz/fuzz_targets.h): each file must keep every invariant its target checks.
#include <gtest/gtest.h>
#include <unistd.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <vector>

#include "fuzz_targets.h"

namespace vdpark::fuzz {

// The target's name in test output.
void PrintTo(const FuzzTarget& target, std::ostream* os) {
  *os << target.name;
}

namespace {

namespace fs = std::filesystem;

std::string ReadFile(const fs::path& path) {
  std::ifstream in(path, std::ios::binary);
  return std::string(std::istreambuf_iterator<char>(in), {});
}

std::string Run(const FuzzTarget& target, std::string_view input) {
  return target.run(reinterpret_cast<const uint8_t*>(input.data()), input.size());
}

// What each file of `dir` broke, as "file: what"; empty when all kept the invariants.
std::vector<std::string> Replay(const FuzzTarget& target, const fs::path& dir, size_t* count) {
  std::vector<fs::path> files;
  for (const auto& entry : fs::directory_iterator(dir)) {
    if (entry.is_regular_file()) files.push_back(entry.path());
  }
  std::sort(files.begin(), files.end());
  *count = files.size();
  std::vector<std::string> broken;
  for (const fs::path& file : files) {
    std::string what = Run(target, ReadFile(file));
    if (!what.empty()) broken.push_back(file.filename().string() + ": " + what);
  }
  return broken;
}

class FuzzReplayTest : public ::testing::TestWithParam<FuzzTarget> {};

TEST_P(FuzzReplayTest, EveryCorpusFileKeepsTheInvariants) {
  const FuzzTarget& target = GetParam();
  const fs::path dir = fs::path(VDPARK_FUZZ_CORPUS_DIR) / target.name;
  ASSERT_TRUE(fs::is_directory(dir)) << dir;
  size_t count = 0;
  for (const std::string& broken : Replay(target, dir, &count)) ADD_FAILURE() << broken;
  // A corpus of a few seeds at least: an empty folder would pass without testing anything.
  EXPECT_GE(count, 3u) << dir;
}

INSTANTIATE_TEST_SUITE_P(Corpus, FuzzReplayTest, ::testing::ValuesIn(kFuzzTargets),
                         [](const auto& info) { return std::string(info.param.name); });

// The replay reports a file its target finds broken (and only that one).
TEST(FuzzReplayHarnessTest, ReportsTheFileThatBreaksAnInvariant) {
  const fs::path dir = fs::temp_directory_path() / ("vdpark-replay-" + std::to_string(getpid()));
  fs::create_directories(dir);
  std::ofstream(dir / "good") << "fine";
  std::ofstream(dir / "bad") << "broken";
  const FuzzTarget target{"fake", [](const uint8_t* data, size_t size) {
                            return std::string_view(reinterpret_cast<const char*>(data), size) ==
                                           "broken"
                                       ? std::string("x.cc:1: broken")
                                       : std::string();
                          }};
  size_t count = 0;
  const std::vector<std::string> broken = Replay(target, dir, &count);
  fs::remove_all(dir);
  EXPECT_EQ(count, 2u);
  EXPECT_EQ(broken, std::vector<std::string>{"bad: x.cc:1: broken"});
}

}  // namespace
}  // namespace vdpark::fuzz
