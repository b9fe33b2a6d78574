// Result<T>: the one way Lovebank reports an expected failure (bad input, not found,
// overdraft, wrong passphrase, disk full). It mirrors the names of C++23's
// std::expected, which g++ 12 does not ship, so moving to it later is a rename.
// Exceptions never cross a module API; assertions are for our own bugs only.
#pragma once

#include <cassert>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <variant>

namespace lovebank {

// Canonical codes after Abseil's, with its retry guidance: kUnavailable and
// kResourceExhausted may succeed later; the others need a different request.
enum class ErrorCode {
  kInvalidArgument,
  kNotFound,
  kAlreadyExists,
  kFailedPrecondition,
  kPermissionDenied,
  kUnauthenticated,
  kResourceExhausted,
  kUnavailable,
  kDataLoss,
  kInternal,
};

// "invalid_argument", "not_found", ...: stable names for JSON and logs.
std::string_view ErrorCodeName(ErrorCode code);

// `message` says what happened and, where a person can act, what to do next.
struct Error {
  ErrorCode code;
  std::string message;
};

template <class T, class E = Error>
class [[nodiscard]] Result {
 public:
  Result(T value) : state_(std::in_place_index<0>, std::move(value)) {}  // NOLINT: implicit
  Result(E error) : state_(std::in_place_index<1>, std::move(error)) {}  // NOLINT: implicit

  bool has_value() const { return state_.index() == 0; }
  explicit operator bool() const { return has_value(); }

  T& value() & { assert(has_value()); return std::get<0>(state_); }
  const T& value() const& { assert(has_value()); return std::get<0>(state_); }
  T&& value() && { assert(has_value()); return std::get<0>(std::move(state_)); }
  const E& error() const { assert(!has_value()); return std::get<1>(state_); }

  T& operator*() & { return value(); }
  const T& operator*() const& { return value(); }
  T&& operator*() && { return std::move(*this).value(); }
  T* operator->() { return &value(); }
  const T* operator->() const { return &value(); }

 private:
  std::variant<T, E> state_;
};

template <class E>
class [[nodiscard]] Result<void, E> {
 public:
  Result() = default;
  Result(E error) : error_(std::move(error)) {}  // NOLINT: implicit

  bool has_value() const { return !error_.has_value(); }
  explicit operator bool() const { return has_value(); }
  const E& error() const { assert(error_); return *error_; }

 private:
  std::optional<E> error_;
};

using Status = Result<void>;

inline Status OkStatus() { return {}; }

inline Error MakeError(ErrorCode code, std::string message) {
  return Error{code, std::move(message)};
}

}  // namespace lovebank
