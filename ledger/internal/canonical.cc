#include "ledger/internal/canonical.h"

#include <google/protobuf/descriptor.h>

#include <cstdint>
#include <limits>
#include <set>

namespace lovebank::ledger::internal {
namespace {

using google::protobuf::Descriptor;
using google::protobuf::FieldDescriptor;

constexpr int kMaxDepth = 8;
constexpr int kFirstKindField = 10;
constexpr int kLastKindField = 99;

class Walker {
 public:
  std::optional<CanonicalProblem> Walk(ByteView bytes, const Descriptor* descriptor, int depth) {
    if (depth > kMaxDepth) return Problem("messages nested too deeply");
    auto* p = reinterpret_cast<const std::uint8_t*>(bytes.data());
    const auto* end = p + bytes.size();
    int last_number = 0;
    std::set<int> oneofs_seen;
    while (p < end) {
      std::uint64_t tag;
      if (!ReadVarint(p, end, tag)) return Problem(error_);
      if (tag > std::numeric_limits<std::uint32_t>::max()) return Problem("field tag too large");
      int number = static_cast<int>(tag >> 3);
      int wire_type = static_cast<int>(tag & 7);
      const FieldDescriptor* field = descriptor->FindFieldByNumber(number);
      if (field == nullptr) {
        CanonicalProblem problem{false, "unknown field " + std::to_string(number) + " in " +
                                            std::string(descriptor->name())};
        problem.unknown_kind = depth == 0 && number >= kFirstKindField && number <= kLastKindField;
        return problem;
      }
      if (number < last_number || (number == last_number && !field->is_repeated())) {
        return Problem("field " + std::string(field->name()) + " out of order or repeated");
      }
      if (number != last_number && field->containing_oneof() != nullptr &&
          !oneofs_seen.insert(field->containing_oneof()->index()).second) {
        return Problem("two members of oneof " + std::string(field->containing_oneof()->name()));
      }
      last_number = number;
      if (auto problem = CheckValue(p, end, field, wire_type, depth)) return problem;
    }
    return std::nullopt;
  }

 private:
  static CanonicalProblem Problem(std::string message) { return {false, std::move(message)}; }

  // Reads a varint and insists on its shortest form.
  bool ReadVarint(const std::uint8_t*& p, const std::uint8_t* end, std::uint64_t& value) {
    value = 0;
    for (int i = 0; i < 10; ++i) {
      if (p == end) {
        error_ = "truncated varint";
        return false;
      }
      std::uint8_t byte = *p++;
      if (i == 9 && byte > 1) {
        error_ = "varint overflows 64 bits";
        return false;
      }
      value |= static_cast<std::uint64_t>(byte & 0x7f) << (7 * i);
      if ((byte & 0x80) == 0) {
        if (byte == 0 && i > 0) {
          error_ = "varint not in its shortest form";
          return false;
        }
        return true;
      }
    }
    error_ = "varint longer than 10 bytes";
    return false;
  }

  std::optional<CanonicalProblem> CheckValue(const std::uint8_t*& p, const std::uint8_t* end,
                                             const FieldDescriptor* field, int wire_type,
                                             int depth) {
    const std::string name(field->name());
    // Without explicit presence a default value is never written; a oneof member is
    // written even when empty, since being set is its value.
    const bool omits_default = !field->is_repeated() && field->containing_oneof() == nullptr;
    switch (field->type()) {
      case FieldDescriptor::TYPE_UINT32:
      case FieldDescriptor::TYPE_UINT64:
      case FieldDescriptor::TYPE_INT32:
      case FieldDescriptor::TYPE_INT64:
      case FieldDescriptor::TYPE_BOOL:
      case FieldDescriptor::TYPE_ENUM: {
        if (wire_type != 0) return Problem("field " + name + " has the wrong wire type");
        if (field->is_repeated()) return Problem("repeated scalar " + name + " is not allowed");
        std::uint64_t value;
        if (!ReadVarint(p, end, value)) return Problem(error_);
        if (omits_default && value == 0) return Problem("field " + name + " holds its default");
        auto as_signed = static_cast<std::int64_t>(value);
        switch (field->type()) {
          case FieldDescriptor::TYPE_UINT32:
            if (value > std::numeric_limits<std::uint32_t>::max()) {
              return Problem("field " + name + " overflows uint32");
            }
            break;
          case FieldDescriptor::TYPE_INT32:
          case FieldDescriptor::TYPE_ENUM:
            if (as_signed < std::numeric_limits<std::int32_t>::min() ||
                as_signed > std::numeric_limits<std::int32_t>::max()) {
              return Problem("field " + name + " overflows int32");
            }
            if (field->type() == FieldDescriptor::TYPE_ENUM &&
                field->enum_type()->FindValueByNumber(static_cast<int>(as_signed)) == nullptr) {
              return Problem("field " + name + " holds an unknown enum value");
            }
            break;
          case FieldDescriptor::TYPE_BOOL:
            if (value > 1) return Problem("field " + name + " is not 0 or 1");
            break;
          default:
            break;
        }
        return std::nullopt;
      }
      case FieldDescriptor::TYPE_STRING:
      case FieldDescriptor::TYPE_BYTES:
      case FieldDescriptor::TYPE_MESSAGE: {
        if (wire_type != 2) return Problem("field " + name + " has the wrong wire type");
        std::uint64_t length;
        if (!ReadVarint(p, end, length)) return Problem(error_);
        if (length > static_cast<std::uint64_t>(end - p)) {
          return Problem("field " + name + " runs past the end");
        }
        ByteView inner(reinterpret_cast<const char*>(p), length);
        p += length;
        // An empty singular message is still "set" (has_x() is true), so writing it
        // is the canonical encoding of a message that has it.
        if (field->type() == FieldDescriptor::TYPE_MESSAGE) {
          return Walk(inner, field->message_type(), depth + 1);
        }
        if (omits_default && length == 0) return Problem("field " + name + " holds its default");
        return std::nullopt;
      }
      default:
        return Problem("field " + name + " has a type entries may not use");
    }
  }

  std::string error_;
};

}  // namespace

std::optional<CanonicalProblem> CheckCanonical(ByteView bytes, const Descriptor* descriptor) {
  return Walker().Walk(bytes, descriptor, 0);
}

}  // namespace lovebank::ledger::internal
