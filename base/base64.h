// Base64 with the URL-safe alphabet (RFC 4648 §5), without padding: the text form of
// vouchers, safe in URLs, file names, QR codes and shell arguments.
#pragma once

#include <optional>
#include <string>
#include <string_view>

#include "base/bytes.h"

namespace lovebank {

std::string ToBase64Url(ByteView bytes);

// nullopt on a character outside the alphabet or an impossible length. Whitespace
// (line breaks from a copied voucher) is skipped.
std::optional<Bytes> FromBase64Url(std::string_view text);

}  // namespace lovebank
