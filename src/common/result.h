// Result<T, E>: a value, or the error E that explains why there is none. E is a Status everywhere
// but the API's routes, whose errors are ApiErrors (api/api_error.h: ApiResult<T>).
//
// VDPARK_ASSIGN_OR_RETURN(lhs, expr) evaluates `expr` (a Result), returns its error from the
// enclosing function when it has one, and otherwise moves its value into `lhs` (a declaration,
// `auto x`, or a variable). VDPARK_ASSIGN_OR_RETURN_WITH(lhs, expr, context) puts `context` in
// front of the error's message (Status::WithContext), evaluating it only when there is an error.
#pragma once

#include <cassert>
#include <type_traits>
#include <utility>
#include <variant>

#include "common/status.h"

namespace vdpark {

template <typename T, typename E = Status>
class [[nodiscard]] Result {
 public:
  Result(T value) : v_(std::move(value)) {}  // NOLINT: implicit on purpose, like std::expected
  Result(E error) : v_(std::move(error)) {   // NOLINT
    if constexpr (std::is_same_v<E, Status>) {
      assert(!std::get<Status>(v_).ok() && "a Result built from a Status must carry an error");
    }
  }

  bool ok() const { return std::holds_alternative<T>(v_); }
  // The error; only when !ok().
  const E& error() const& { return std::get<E>(v_); }
  E&& error() && { return std::get<E>(std::move(v_)); }
  // The error as a Status; Status::OK() when there is a value.
  Status status() const requires std::is_same_v<E, Status> {
    return ok() ? Status::OK() : std::get<Status>(v_);
  }

  T& value() & { return std::get<T>(v_); }
  const T& value() const& { return std::get<T>(v_); }
  T&& value() && { return std::get<T>(std::move(v_)); }
  T& operator*() & { return value(); }
  const T& operator*() const& { return value(); }
  T&& operator*() && { return std::move(*this).value(); }
  T* operator->() { return &value(); }
  const T* operator->() const { return &value(); }

 private:
  std::variant<T, E> v_;
};

#define VDPARK_RESULT_CONCAT_INNER(a, b) a##b
#define VDPARK_RESULT_CONCAT(a, b) VDPARK_RESULT_CONCAT_INNER(a, b)

#define VDPARK_ASSIGN_OR_RETURN(lhs, expr) \
  VDPARK_ASSIGN_OR_RETURN_IMPL(VDPARK_RESULT_CONCAT(_vdpark_result_, __LINE__), lhs, expr)
#define VDPARK_ASSIGN_OR_RETURN_IMPL(result, lhs, expr) \
  auto result = (expr);                                 \
  if (!result.ok()) return std::move(result).error();   \
  lhs = std::move(result).value()

#define VDPARK_ASSIGN_OR_RETURN_WITH(lhs, expr, context)                                        \
  VDPARK_ASSIGN_OR_RETURN_WITH_IMPL(VDPARK_RESULT_CONCAT(_vdpark_result_, __LINE__), lhs, expr, \
                                    context)
#define VDPARK_ASSIGN_OR_RETURN_WITH_IMPL(result, lhs, expr, context) \
  auto result = (expr);                                               \
  if (!result.ok()) return result.status().WithContext(context);      \
  lhs = std::move(result).value()

}  // namespace vdpark
