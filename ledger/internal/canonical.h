// The canonical-encoding check for signed protobuf bodies. It walks the wire bytes
// against the message descriptor, so it never re-serializes anything: a body is
// canonical when its fields come in number order (a repeated field's elements
// together), no field is unknown or repeated twice, no oneof has two members, no
// scalar holds its default value, every varint is minimal and every enum value is
// known. Messages in entry.proto use only varint and length-delimited fields.
#pragma once

#include <optional>
#include <string>

#include "base/bytes.h"

namespace google::protobuf {
class Descriptor;
}

namespace lovebank::ledger::internal {

struct CanonicalProblem {
  bool unknown_kind = false;  // an unknown field in Entry's kind range (10..99)
  std::string message;
};

// nullopt when `bytes` is the canonical encoding of a `descriptor` message.
std::optional<CanonicalProblem> CheckCanonical(ByteView bytes,
                                               const google::protobuf::Descriptor* descriptor);

}  // namespace lovebank::ledger::internal
