#pragma once

#include <cassert>
#include <type_traits>
#include <utility>
#include <variant>

#include "base/error.h"

namespace tessera {

// Result<T> holds either a T or an Error, in the shape of C++23 std::expected
// (which GCC 12 offers only in C++23 mode). Functions in config/, db/, dicom/,
// archive/ and auth/ return it and never throw.
//
//   Result<Study> FindStudy(std::string_view uid);
//   auto study = FindStudy(uid);
//   if (!study) return study.error();
//   Use(*study);
template <class T>
class [[nodiscard]] Result {
 public:
  using value_type = T;

  Result(const T& value) : state_(std::in_place_index<0>, value) {}
  Result(T&& value) : state_(std::in_place_index<0>, std::move(value)) {}
  Result(Error error) : state_(std::in_place_index<1>, std::move(error)) {}
  template <class U>
    requires(std::is_constructible_v<T, U&&> && !std::is_same_v<std::remove_cvref_t<U>, T> &&
             !std::is_same_v<std::remove_cvref_t<U>, Error> &&
             !std::is_same_v<std::remove_cvref_t<U>, Result>)
  Result(U&& value) : state_(std::in_place_index<0>, std::forward<U>(value)) {}

  bool has_value() const { return state_.index() == 0; }
  explicit operator bool() const { return has_value(); }

  T& value() & {
    assert(has_value() && "value() on an error Result");
    return std::get<0>(state_);
  }
  const T& value() const& {
    assert(has_value() && "value() on an error Result");
    return std::get<0>(state_);
  }
  T&& value() && {
    assert(has_value() && "value() on an error Result");
    return std::get<0>(std::move(state_));
  }
  T& operator*() & { return value(); }
  const T& operator*() const& { return value(); }
  T&& operator*() && { return std::move(*this).value(); }
  T* operator->() { return &value(); }
  const T* operator->() const { return &value(); }

  const Error& error() const& {
    assert(!has_value() && "error() on a successful Result");
    return std::get<1>(state_);
  }
  Error&& error() && {
    assert(!has_value() && "error() on a successful Result");
    return std::get<1>(std::move(state_));
  }

  template <class U>
  T value_or(U&& fallback) const& {
    return has_value() ? value() : static_cast<T>(std::forward<U>(fallback));
  }

 private:
  std::variant<T, Error> state_;
};

// Result<void>: success carries nothing. `return {};` or `return Ok();` succeeds.
template <>
class [[nodiscard]] Result<void> {
 public:
  using value_type = void;

  Result() = default;
  Result(Error error) : error_(std::move(error)), ok_(false) {}

  bool has_value() const { return ok_; }
  explicit operator bool() const { return ok_; }

  const Error& error() const& {
    assert(!ok_ && "error() on a successful Result");
    return error_;
  }
  Error&& error() && {
    assert(!ok_ && "error() on a successful Result");
    return std::move(error_);
  }

 private:
  Error error_;
  bool ok_ = true;
};

using Status = Result<void>;

inline Status Ok() { return {}; }

// Builds an Error; reads well at return sites: `return Fail(kNotFound, "no such study");`
inline Error Fail(ErrorCode code, std::string message) { return Error{code, std::move(message)}; }

}  // namespace tessera
