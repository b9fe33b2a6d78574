// What the wallet prints for people: aligned tables, points and minutes in words a
// volunteer reads at a glance, and QR codes drawn with block characters.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

namespace lovebank::wallet {

class Table {
 public:
  explicit Table(std::vector<std::string> headers) : headers_(std::move(headers)) {}
  void Add(std::vector<std::string> row) { rows_.push_back(std::move(row)); }
  bool empty() const { return rows_.empty(); }
  // Columns padded to their widest cell (counting UTF-8 characters), numbers
  // right-aligned.
  std::string Render() const;
  // RFC 4180 CSV. A cell a spreadsheet would run as a formula (one starting with =, +,
  // @, a tab or a carriage return, or - not followed by a digit) is written with a
  // leading ' so that it shows as text: a member's name is not a formula. With `bom`,
  // a UTF-8 byte-order mark first, so that Excel on Chinese Windows reads UTF-8.
  std::string Csv(bool bom = false) const;

 private:
  std::vector<std::string> headers_;
  std::vector<std::vector<std::string>> rows_;
};

// "2 h 30 min", "45 min".
std::string Hours(std::uint64_t minutes);
// First 12 hex digits of a key or id, for tables (full values are in --json).
std::string Short(const std::string& hex);
// "2026-11-23 14:05" in the community's local time.
std::string LocalTime(std::uint64_t ms, std::int32_t utc_offset_minutes);
// "2026-11-23T14:05+08:00": the same with its offset, for files read elsewhere (CSV).
std::string LocalTimeWithOffset(std::uint64_t ms, std::int32_t utc_offset_minutes);

// `text` as a QR code (error correction level L) drawn with half blocks, two rows of
// modules per line, with a quiet zone; "" if it does not fit in a QR code.
std::string QrCode(const std::string& text);
// The same code as an SVG image for HTML, `module_px` pixels a module; "" if it does
// not fit.
std::string QrSvg(const std::string& text, int module_px = 4);

}  // namespace lovebank::wallet
