#include "wallet-cli/output.h"

#include <fmt/format.h>
#include <qrencode.h>

#include <algorithm>
#include <cctype>
#include <chrono>
#include <string_view>

#include "base/clock.h"

namespace lovebank::wallet {

namespace {

std::size_t Width(const std::string& s) {
  std::size_t n = 0;
  for (unsigned char c : s) n += (c & 0xC0) != 0x80;
  return n;
}

bool Numeric(const std::string& s) {
  return !s.empty() && std::all_of(s.begin(), s.end(), [](char c) {
    return (c >= '0' && c <= '9') || c == '-' || c == '+';
  });
}

}  // namespace

std::string Table::Render() const {
  std::vector<std::size_t> widths(headers_.size(), 0);
  for (std::size_t i = 0; i < headers_.size(); ++i) widths[i] = Width(headers_[i]);
  for (const auto& row : rows_) {
    for (std::size_t i = 0; i < row.size() && i < widths.size(); ++i) {
      widths[i] = std::max(widths[i], Width(row[i]));
    }
  }
  auto line = [&](const std::vector<std::string>& cells, bool header) {
    std::string out;
    for (std::size_t i = 0; i < widths.size(); ++i) {
      std::string cell = i < cells.size() ? cells[i] : "";
      std::string pad(widths[i] - Width(cell), ' ');
      bool right = !header && Numeric(cell);
      out += right ? pad + cell : cell + (i + 1 < widths.size() ? pad : "");
      if (i + 1 < widths.size()) out += "  ";
    }
    while (!out.empty() && out.back() == ' ') out.pop_back();
    return out + "\n";
  };
  std::string out = line(headers_, true);
  std::string rule;
  for (std::size_t i = 0; i < widths.size(); ++i) {
    rule += std::string(widths[i], '-') + (i + 1 < widths.size() ? "  " : "");
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

std::string Hours(std::uint64_t minutes) {
  if (minutes < 60) return fmt::format("{} min", minutes);
  if (minutes % 60 == 0) return fmt::format("{} h", minutes / 60);
  return fmt::format("{} h {} min", minutes / 60, minutes % 60);
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

std::string QrCode(const std::string& text) {
  auto modules = QrModules(text);
  if (modules.empty()) return {};
  const int n = static_cast<int>(modules.size());
  constexpr int kQuiet = 2;
  auto dark = [&](int x, int y) {
    if (x < 0 || y < 0 || x >= n || y >= n) return false;
    return static_cast<bool>(modules[static_cast<std::size_t>(y)][static_cast<std::size_t>(x)]);
  };
  // Light background, dark modules: draw light cells as blocks so the code scans on
  // a dark terminal.
  std::string out;
  for (int y = -kQuiet; y < n + kQuiet; y += 2) {
    for (int x = -kQuiet; x < n + kQuiet; ++x) {
      bool top = !dark(x, y), bottom = !dark(x, y + 1);
      out += top && bottom ? "\u2588" : top ? "\u2580" : bottom ? "\u2584" : " ";
    }
    out += "\n";
  }
  return out;
}

}  // namespace lovebank::wallet
