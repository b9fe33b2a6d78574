// The file seam: reads only of small regular files; writes never over an existing
// file (unless replacing), never through a planted symlink.
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

TEST(ReadSmallFile, RefusesWhatIsNotASmallRegularFile) {
  testing::TempDir dir;
  ASSERT_TRUE(WriteNewFile(dir.Sub("small"), "twelve bytes", 0600, "note"));
  auto ok = ReadSmallFile(dir.Sub("small"), 12, "note");
  ASSERT_TRUE(ok);
  EXPECT_EQ(*ok, "twelve bytes");
  auto big = ReadSmallFile(dir.Sub("small"), 11, "note");
  ASSERT_FALSE(big);
  EXPECT_EQ(big.error().code, ErrorCode::kInvalidArgument);
  EXPECT_NE(big.error().message.find("at most 11 bytes"), std::string::npos);
  ASSERT_EQ(::mkfifo(dir.Sub("fifo").c_str(), 0600), 0);
  // A FIFO nobody writes to would block an ordinary open for ever.
  for (auto [path, says] : {std::pair{dir.Sub("fifo"), "a pipe"}, {std::string("/dev/zero"), "a device"},
                            {dir.path().string(), "a folder"}}) {
    auto r = ReadSmallFile(path, 1 << 20, "voucher file");
    ASSERT_FALSE(r) << path;
    EXPECT_EQ(r.error().code, ErrorCode::kInvalidArgument) << path;
    EXPECT_NE(r.error().message.find(says), std::string::npos) << r.error().message;
  }
  auto missing = ReadSmallFile(dir.Sub("nothing"), 10, "note");
  ASSERT_FALSE(missing);
  EXPECT_EQ(missing.error().code, ErrorCode::kNotFound);
}

TEST(DurableFile, ReplaceNeverFollowsAPlantedTemp) {
  testing::TempDir dir;
  ASSERT_TRUE(WriteNewFile(dir.Sub("victim"), "precious", 0600, "note"));
  ASSERT_TRUE(WriteNewFile(dir.Sub("record"), "old", 0600, "record"));
  std::filesystem::create_symlink(dir.Sub("victim"), dir.Sub("record.tmp"));
  ASSERT_TRUE(ReplaceFile(dir.Sub("record"), "new", 0600, "record"));
  EXPECT_EQ(Contents(dir.Sub("record")), "new");
  EXPECT_EQ(Contents(dir.Sub("victim")), "precious");
  EXPECT_FALSE(std::filesystem::exists(std::filesystem::symlink_status(dir.Sub("record.tmp"))));
  // A symlink at the path itself is replaced by the file, not written through.
  std::filesystem::remove(dir.Sub("record"));
  std::filesystem::create_symlink(dir.Sub("victim"), dir.Sub("record"));
  ASSERT_TRUE(ReplaceFile(dir.Sub("record"), "newer", 0600, "record"));
  EXPECT_FALSE(std::filesystem::is_symlink(dir.Sub("record")));
  EXPECT_EQ(Contents(dir.Sub("victim")), "precious");
}

TEST(DurableFile, AnUncommittedFileLeavesNothing) {
  testing::TempDir dir;
  {
    auto file = DurableFile::Create(dir.Sub("export"), 0644, "export", DurableFile::Mode::kNew);
    ASSERT_TRUE(file);
    ASSERT_TRUE(file->Append(std::string(200'000, 'x')));  // past one write chunk
  }
  EXPECT_FALSE(std::filesystem::exists(dir.Sub("export")));
  EXPECT_FALSE(std::filesystem::exists(dir.Sub("export.tmp")));
  auto file = DurableFile::Create(dir.Sub("export"), 0644, "export", DurableFile::Mode::kNew);
  ASSERT_TRUE(file);
  ASSERT_TRUE(file->Append(std::string(200'000, 'y')));
  ASSERT_TRUE(file->Commit());
  EXPECT_EQ(std::filesystem::file_size(dir.Sub("export")), 200'000u);
  auto again = DurableFile::Create(dir.Sub("export"), 0644, "export", DurableFile::Mode::kNew);
  ASSERT_FALSE(again);
  EXPECT_EQ(again.error().code, ErrorCode::kAlreadyExists);
}

}  // namespace
}  // namespace lovebank
