// WriteNewFile: never over an existing file, never through a planted symlink.
#include "base/file.h"

#include <gtest/gtest.h>
#include <sys/stat.h>

#include <filesystem>
#include <fstream>
#include <sstream>

#include "tests/support/test_support.h"

namespace lovebank {
namespace {

std::string Contents(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::ostringstream s;
  s << in.rdbuf();
  return s.str();
}

TEST(WriteNewFile, WritesWithTheModeAndLeavesNoTempFile) {
  testing::TempDir dir;
  ASSERT_TRUE(WriteNewFile(dir.Sub("cert"), "hello", 0600, "certificate"));
  EXPECT_EQ(Contents(dir.Sub("cert")), "hello");
  struct stat st {};
  ASSERT_EQ(::stat(dir.Sub("cert").c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 0777, 0600u);
  EXPECT_FALSE(std::filesystem::exists(dir.Sub("cert.tmp")));
}

TEST(WriteNewFile, AnExistingFileIsRefusedAndKept) {
  testing::TempDir dir;
  std::ofstream(dir.Sub("cert")) << "precious";
  auto s = WriteNewFile(dir.Sub("cert"), "new", 0644, "certificate");
  ASSERT_FALSE(s);
  EXPECT_EQ(s.error().code, ErrorCode::kAlreadyExists);
  EXPECT_NE(s.error().message.find("choose another name"), std::string::npos);
  EXPECT_EQ(Contents(dir.Sub("cert")), "precious");
}

TEST(WriteNewFile, APlantedSymlinkIsNeverFollowed) {
  testing::TempDir dir;
  std::ofstream(dir.Sub("victim")) << "precious";
  // At the path itself, pointing at a file and pointing nowhere: both refused.
  std::filesystem::create_symlink(dir.Sub("victim"), dir.Sub("out"));
  EXPECT_FALSE(WriteNewFile(dir.Sub("out"), "evil", 0644, "voucher"));
  std::filesystem::create_symlink(dir.Sub("nowhere"), dir.Sub("dangling"));
  EXPECT_FALSE(WriteNewFile(dir.Sub("dangling"), "evil", 0644, "voucher"));
  EXPECT_FALSE(std::filesystem::exists(dir.Sub("nowhere")));
  // At the temp file's name: replaced, not written through.
  std::filesystem::create_symlink(dir.Sub("victim"), dir.Sub("fresh.tmp"));
  ASSERT_TRUE(WriteNewFile(dir.Sub("fresh"), "mine", 0644, "voucher"));
  EXPECT_EQ(Contents(dir.Sub("fresh")), "mine");
  EXPECT_EQ(Contents(dir.Sub("victim")), "precious");
}

TEST(WriteNewFile, AMissingFolderSaysSo) {
  testing::TempDir dir;
  auto s = WriteNewFile(dir.Sub("no/such/folder/cert"), "x", 0644, "certificate");
  ASSERT_FALSE(s);
  EXPECT_NE(s.error().message.find("no/such/folder/cert"), std::string::npos);
}

}  // namespace
}  // namespace lovebank
