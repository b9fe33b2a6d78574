// What the wallet prints for people: aligned tables, points and minutes in words a
// volunteer reads at a glance, and QR codes drawn with block characters.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "i18n/i18n.h"

namespace lovebank::wallet {

class Table {
 public:
  explicit Table(std::vector<std::string> headers) : headers_(std::move(headers)) {}
  void Add(std::vector<std::string> row) { rows_.push_back(std::move(row)); }
  bool empty() const { return rows_.empty(); }
  // Columns padded to their widest cell, measured in terminal columns (a Chinese
  // character takes two), numbers right-aligned. A table wider than `max_columns` (0:
  // no limit) has its widest text columns cut, each cut cell ending in "…", until it
  // fits or every column is down to 8 columns. Numbers and short ids (8 or more hex
  // digits, what a person types to act on a row) are never cut.
  std::string Render(std::size_t max_columns) const;
  // The same, fitted to the terminal (TerminalColumns()).
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

// How many lines the terminal on stdout has; 0 if it is not a terminal.
std::size_t TerminalLines();
// How wide the output may be: $COLUMNS when it is a number, else the width of the
// terminal on stdout, else 0 (not a terminal: no limit, so that files keep every
// character).
std::size_t TerminalColumns();
// Whether to colour what goes to `fd`: a terminal, and NO_COLOR (no-color.org) not set.
bool UseColour(int fd);

// `text` safe inside HTML text and attribute values (& < > " ' escaped).
std::string HtmlEscape(std::string_view text);

// "2 h 30 min", "45 min" (in Chinese "2 小时 30 分钟").
std::string Hours(std::uint64_t minutes);
// The same in `lang`, for pages that show both languages.
std::string Hours(std::uint64_t minutes, i18n::Lang lang);
// First 12 hex digits of a key or id, for tables (full values are in --json).
std::string Short(const std::string& hex);
// "2026-11-23 14:05" in the community's local time.
std::string LocalTime(std::uint64_t ms, std::int32_t utc_offset_minutes);
// "2026-11-23T14:05+08:00": the same with its offset, for files read elsewhere (CSV).
std::string LocalTimeWithOffset(std::uint64_t ms, std::int32_t utc_offset_minutes);

// `text` as a QR code (error correction level L) drawn with half blocks, two rows of
// modules per line, with a quiet zone of kTerminalQuiet modules; "" if it does not fit
// in a QR code. With `ansi` its colours are set (black on white) so that it scans on
// light and dark terminals alike; without, it is drawn for a dark terminal.
inline constexpr std::size_t kTerminalQuiet = 2;
std::string QrCode(const std::string& text, bool ansi);
// The terminal columns and lines QrCode(text) takes (0, 0 if it does not fit).
struct QrSize {
  std::size_t columns = 0, lines = 0;
};
QrSize QrCodeSize(const std::string& text);
// The same code as a PNG image (8-bit greyscale, a 4-module quiet zone), `module_px`
// pixels a module, for printing or showing on a phone; "" if it does not fit.
std::string QrPng(const std::string& text, int module_px = 8);
// The same code as an SVG image for HTML, `module_px` pixels a module; "" if it does
// not fit.
std::string QrSvg(const std::string& text, int module_px = 4);

}  // namespace lovebank::wallet
