#include "wallet-cli/output.h"

#include <fmt/format.h>
#include <qrencode.h>
#include <sys/ioctl.h>
#include <unistd.h>

#include <algorithm>
#include <array>
#include <cctype>
#include <chrono>
#include <cstdlib>
#include <string_view>

#include "base/clock.h"
#include "i18n/i18n.h"
#include "i18n/width.h"

namespace lovebank::wallet {

namespace {

bool Numeric(const std::string& s) {
  return !s.empty() && std::all_of(s.begin(), s.end(), [](char c) {
    return (c >= '0' && c <= '9') || c == '-' || c == '+';
  });
}

// A short id or key (8 or more hex digits): what a person types to act on a row, so
// never cut.
bool HexId(const std::string& s) {
  return s.size() >= 8 && std::all_of(s.begin(), s.end(), [](char c) {
           return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f');
         });
}

// A day or a time ("2026-03-05 10:00", "10:00"): cut, it would read as another day.
bool Timeish(const std::string& s) {
  return !s.empty() && s.find_first_of("-:") != std::string::npos &&
         std::all_of(s.begin(), s.end(), [](char c) {
           return (c >= '0' && c <= '9') || c == '-' || c == ':' || c == ' ' || c == 'T' ||
                  c == '+';
         });
}

// Text columns are not cut below this; a table of many columns may then stay wider
// than the terminal, and the terminal wraps it.
constexpr std::size_t kNarrowestColumn = 8;

}  // namespace

std::size_t TerminalColumns() {
  if (const char* env = std::getenv("COLUMNS"); env != nullptr && *env != '\0') {
    char* end = nullptr;
    const unsigned long n = std::strtoul(env, &end, 10);
    if (*end == '\0' && n > 0 && n < 10'000) return n;
  }
  winsize size{};
  if (::isatty(STDOUT_FILENO) != 0 && ::ioctl(STDOUT_FILENO, TIOCGWINSZ, &size) == 0 &&
      size.ws_col > 0) {
    return size.ws_col;
  }
  return 0;
}

std::size_t TerminalLines() {
  winsize size{};
  if (::isatty(STDOUT_FILENO) != 0 && ::ioctl(STDOUT_FILENO, TIOCGWINSZ, &size) == 0) {
    return size.ws_row;
  }
  return 0;
}

bool UseColour(int fd) {
  const char* no_colour = std::getenv("NO_COLOR");
  if (no_colour != nullptr && *no_colour != '\0') return false;
  return ::isatty(fd) != 0;
}

std::string Table::Render() const { return Render(TerminalColumns()); }

std::string Table::Render(std::size_t max_columns) const {
  const std::size_t n = headers_.size();
  std::vector<std::size_t> widths(n, 0);
  std::vector<bool> numeric(n, true);
  std::vector<bool> fixed(n, true);  // ids, days and times: never cut
  std::vector<bool> empty(n, true);
  std::vector<bool> shown(n, true);
  for (std::size_t i = 0; i < n; ++i) widths[i] = i18n::DisplayWidth(headers_[i]);
  for (const auto& row : rows_) {
    for (std::size_t i = 0; i < row.size() && i < n; ++i) {
      widths[i] = std::max(widths[i], i18n::DisplayWidth(row[i]));
      numeric[i] = numeric[i] && (row[i].empty() || Numeric(row[i]));
      fixed[i] = fixed[i] && (row[i].empty() || HexId(row[i]) || Timeish(row[i]));
      empty[i] = empty[i] && row[i].empty();
    }
  }
  if (max_columns > 0 && n > 0) {
    // Two spaces between shown columns. A column empty in every row is left out first;
    // then the widest text column loses a column at a time until the table fits.
    // Numbers, ids, days and times are never cut.
    auto total = [&] {
      std::size_t t = 0, columns = 0;
      for (std::size_t i = 0; i < n; ++i) {
        if (!shown[i]) continue;
        t += widths[i];
        ++columns;
      }
      return t + (columns > 0 ? 2 * (columns - 1) : 0);
    };
    for (std::size_t i = 0; i < n && total() > max_columns; ++i) {
      if (empty[i] && !rows_.empty()) shown[i] = false;
    }
    while (total() > max_columns) {
      std::size_t widest = n;
      for (std::size_t i = 0; i < n; ++i) {
        if (!shown[i] || numeric[i] || fixed[i] || widths[i] <= kNarrowestColumn) continue;
        if (widest == n || widths[i] > widths[widest]) widest = i;
      }
      if (widest == n) break;
      --widths[widest];
    }
  }
  std::size_t last_shown = 0;
  for (std::size_t i = 0; i < n; ++i) {
    if (shown[i]) last_shown = i;
  }
  auto line = [&](const std::vector<std::string>& cells, bool header) {
    std::string out;
    for (std::size_t i = 0; i < n; ++i) {
      if (!shown[i]) continue;
      const std::string cell = i18n::Truncate(i < cells.size() ? cells[i] : "", widths[i]);
      const bool last = i == last_shown;
      const bool right = !header && Numeric(cell);
      out += last && !right ? cell : i18n::Pad(cell, widths[i], right);
      if (!last) out += "  ";
    }
    while (!out.empty() && out.back() == ' ') out.pop_back();
    return out + "\n";
  };
  std::string out = line(headers_, true);
  std::string rule;
  for (std::size_t i = 0; i < n; ++i) {
    if (shown[i]) rule += std::string(widths[i], '-') + (i != last_shown ? "  " : "");
  }
  out += rule + "\n";
  for (const auto& row : rows_) out += line(row, false);
  return out;
}

std::string Table::Csv(bool bom) const {
  // A plain number, signed or not ("+40", "-5", "1.5"), is data; anything else that
  // starts like a formula is shown as text.
  auto number = [](const std::string& s) {
    std::size_t i = s.size() > 1 && (s[0] == '+' || s[0] == '-') ? 1 : 0;
    bool digits = false, point = false;
    for (; i < s.size(); ++i) {
      if (std::isdigit(static_cast<unsigned char>(s[i]))) {
        digits = true;
      } else if (s[i] == '.' && !point) {
        point = true;
      } else {
        return false;
      }
    }
    return digits;
  };
  auto field = [&](std::string s) {
    if (!s.empty() && std::string_view("=+-@\t\r").find(s[0]) != std::string_view::npos &&
        !number(s)) {
      s.insert(s.begin(), '\'');
    }
    if (s.find_first_of(",\"\r\n") == std::string::npos) return s;
    std::string out = "\"";
    for (char c : s) out += c == '"' ? std::string("\"\"") : std::string(1, c);
    return out + "\"";
  };
  auto line = [&](const std::vector<std::string>& cells) {
    std::string out;
    for (std::size_t i = 0; i < cells.size(); ++i) out += (i ? "," : "") + field(cells[i]);
    return out + "\r\n";
  };
  std::string out = bom ? "\xEF\xBB\xBF" : "";
  out += line(headers_);
  for (const auto& row : rows_) out += line(row);
  return out;
}

std::string HtmlEscape(std::string_view in) {
  std::string out;
  out.reserve(in.size());
  for (char c : in) {
    switch (c) {
      case '&':
        out += "&amp;";
        break;
      case '<':
        out += "&lt;";
        break;
      case '>':
        out += "&gt;";
        break;
      case '"':
        out += "&quot;";
        break;
      case '\'':
        out += "&#39;";
        break;
      default:
        out += c;
    }
  }
  return out;
}

std::string Hours(std::uint64_t minutes) { return Hours(minutes, i18n::ProcessLang()); }

std::string Hours(std::uint64_t minutes, i18n::Lang lang) {
  if (minutes < 60) return i18n::TrF(lang, "{} min", minutes);
  if (minutes % 60 == 0) return i18n::TrF(lang, "{} h", minutes / 60);
  return i18n::TrF(lang, "{} h {} min", minutes / 60, minutes % 60);
}

std::string Short(const std::string& hex) { return hex.substr(0, 12); }

std::string LocalTime(std::uint64_t ms, std::int32_t offset) {
  return ::lovebank::LocalTime(ms, offset);
}

std::string LocalTimeWithOffset(std::uint64_t ms, std::int32_t offset) {
  std::string t = ::lovebank::LocalTime(ms, offset);
  if (t.size() > 10 && t[10] == ' ') t[10] = 'T';
  const std::int32_t minutes = offset < 0 ? -offset : offset;
  return t + fmt::format("{}{:02}:{:02}", offset < 0 ? '-' : '+', minutes / 60, minutes % 60);
}

namespace {

// The modules of `text`'s QR code (level L), row by row; empty if it does not fit.
std::vector<std::vector<bool>> QrModules(const std::string& text) {
  QRcode* code = QRcode_encodeString8bit(text.c_str(), 0, QR_ECLEVEL_L);
  if (!code) return {};
  const int n = code->width;
  std::vector<std::vector<bool>> out(static_cast<std::size_t>(n),
                                     std::vector<bool>(static_cast<std::size_t>(n)));
  for (int y = 0; y < n; ++y) {
    for (int x = 0; x < n; ++x) {
      out[static_cast<std::size_t>(y)][static_cast<std::size_t>(x)] =
          (code->data[y * n + x] & 1) != 0;
    }
  }
  QRcode_free(code);
  return out;
}

}  // namespace

std::string QrSvg(const std::string& text, int module_px) {
  auto modules = QrModules(text);
  if (modules.empty()) return {};
  const int n = static_cast<int>(modules.size());
  constexpr int kQuiet = 4;
  const int size = (n + 2 * kQuiet) * module_px;
  std::string out = fmt::format(
      "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"{0}\" height=\"{0}\" "
      "viewBox=\"0 0 {0} {0}\" role=\"img\"><rect width=\"{0}\" height=\"{0}\" "
      "fill=\"#fff\"/><path fill=\"#000\" d=\"",
      size);
  for (int y = 0; y < n; ++y) {
    for (int x = 0; x < n; ++x) {
      if (modules[static_cast<std::size_t>(y)][static_cast<std::size_t>(x)]) {
        out += fmt::format("M{} {}h{}v{}h-{}z", (x + kQuiet) * module_px,
                           (y + kQuiet) * module_px, module_px, module_px, module_px);
      }
    }
  }
  return out + "\"/></svg>";
}

QrSize QrCodeSize(const std::string& text) {
  auto modules = QrModules(text);
  if (modules.empty()) return {};
  const std::size_t side = modules.size() + 2 * kTerminalQuiet;
  return {side, (side + 1) / 2};
}

std::string QrCode(const std::string& text, bool ansi) {
  auto modules = QrModules(text);
  if (modules.empty()) return {};
  const int n = static_cast<int>(modules.size());
  constexpr int kQuiet = static_cast<int>(kTerminalQuiet);
  auto dark = [&](int x, int y) {
    if (x < 0 || y < 0 || x >= n || y >= n) return false;
    return static_cast<bool>(modules[static_cast<std::size_t>(y)][static_cast<std::size_t>(x)]);
  };
  // With colours: black blocks for dark modules on a white background, whatever the
  // terminal's theme. Without: light cells drawn as blocks, which scans on a dark
  // terminal (the blocks take the light text colour) and is inverted on a light one.
  std::string out;
  for (int y = -kQuiet; y < n + kQuiet; y += 2) {
    if (ansi) out += "\x1b[30;107m";
    for (int x = -kQuiet; x < n + kQuiet; ++x) {
      bool top = dark(x, y) == ansi, bottom = dark(x, y + 1) == ansi;
      out += top && bottom ? "\u2588" : top ? "\u2580" : bottom ? "\u2584" : " ";
    }
    if (ansi) out += "\x1b[0m";
    out += "\n";
  }
  return out;
}

namespace {

std::uint32_t Crc32(std::string_view bytes) {
  static const auto table = [] {
    std::array<std::uint32_t, 256> t{};
    for (std::uint32_t i = 0; i < 256; ++i) {
      std::uint32_t c = i;
      for (int k = 0; k < 8; ++k) c = (c & 1) ? 0xEDB88320u ^ (c >> 1) : c >> 1;
      t[i] = c;
    }
    return t;
  }();
  std::uint32_t c = 0xFFFFFFFFu;
  for (unsigned char b : bytes) c = table[(c ^ b) & 0xFF] ^ (c >> 8);
  return c ^ 0xFFFFFFFFu;
}

void Put32(std::string& out, std::uint32_t v) {
  for (int shift = 24; shift >= 0; shift -= 8) out.push_back(static_cast<char>(v >> shift));
}

void Chunk(std::string& png, const char* type, const std::string& data) {
  Put32(png, static_cast<std::uint32_t>(data.size()));
  std::string body = std::string(type, 4) + data;
  png += body;
  Put32(png, Crc32(body));
}

}  // namespace

std::string QrPng(const std::string& text, int module_px) {
  auto modules = QrModules(text);
  if (modules.empty() || module_px < 1) return {};
  constexpr int kQuiet = 4;  // the quiet zone ISO/IEC 18004 asks of print
  const int n = static_cast<int>(modules.size());
  const auto side = static_cast<std::uint32_t>((n + 2 * kQuiet) * module_px);
  // 8-bit greyscale rows, each after its filter byte (0: none).
  std::string raw;
  raw.reserve(static_cast<std::size_t>(side) * (side + 1));
  for (std::uint32_t py = 0; py < side; ++py) {
    raw.push_back('\0');
    const int y = static_cast<int>(py) / module_px - kQuiet;
    for (std::uint32_t px = 0; px < side; ++px) {
      const int x = static_cast<int>(px) / module_px - kQuiet;
      const bool is_dark = x >= 0 && y >= 0 && x < n && y < n &&
                           modules[static_cast<std::size_t>(y)][static_cast<std::size_t>(x)];
      raw.push_back(is_dark ? '\0' : static_cast<char>(0xFF));
    }
  }
  // zlib stream of stored (uncompressed) deflate blocks: a QR image is small, and no
  // compression library is needed to write one.
  std::string z = "\x78\x01";
  for (std::size_t at = 0; at < raw.size() || at == 0; at += 65535) {
    const std::size_t len = std::min<std::size_t>(65535, raw.size() - at);
    const bool last = at + len >= raw.size();
    z.push_back(last ? '\1' : '\0');
    z.push_back(static_cast<char>(len & 0xFF));
    z.push_back(static_cast<char>(len >> 8));
    z.push_back(static_cast<char>(~len & 0xFF));
    z.push_back(static_cast<char>((~len >> 8) & 0xFF));
    z.append(raw, at, len);
    if (last) break;
  }
  std::uint32_t a = 1, b = 0;  // Adler-32 of the raw rows
  for (unsigned char c : raw) {
    a = (a + c) % 65521;
    b = (b + a) % 65521;
  }
  Put32(z, (b << 16) | a);
  std::string png = "\x89PNG\r\n\x1a\n";
  std::string ihdr;
  Put32(ihdr, side);
  Put32(ihdr, side);
  ihdr += std::string("\x08\x00\x00\x00\x00", 5);  // 8-bit greyscale, no interlace
  Chunk(png, "IHDR", ihdr);
  Chunk(png, "IDAT", z);
  Chunk(png, "IEND", "");
  return png;
}

}  // namespace lovebank::wallet
