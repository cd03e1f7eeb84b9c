// ApiError: every failure the API answers with, one factory per kind, and the one function that
// writes it to the wire: {"error": "...", "message": "..."} with its status code. A store's
// failure becomes one here too, its detail logged and never sent (no stack trace, no URL).
#pragma once

#include <string>
#include <utility>

#include "api/http_types.h"
#include "common/result.h"
#include "common/status.h"

namespace vdpark {

struct ApiError {
  int status = 500;
  std::string error;    // what kind: "Zone not found", "Bad request", ...
  std::string message;  // what exactly, naming the parameter or the record

  static ApiError BadRequest(std::string message) {
    return {400, "Bad request", std::move(message)};
  }
  static ApiError Unauthorized(std::string message) {
    return {401, "Unauthorized", std::move(message)};
  }
  static ApiError Forbidden(std::string message) { return {403, "Forbidden", std::move(message)}; }
  // `error` names the record: "Zone not found", "Bay not found", "Sensor not found".
  static ApiError NotFound(std::string error, std::string message) {
    return {404, std::move(error), std::move(message)};
  }
  static ApiError MethodNotAllowed(std::string message) {
    return {405, "Method not allowed", std::move(message)};
  }
  static ApiError Conflict(std::string message) { return {409, "Conflict", std::move(message)}; }
  // The request names a host this server does not answer for (the Host header).
  static ApiError MisdirectedRequest(std::string message) {
    return {421, "Misdirected request", std::move(message)};
  }
  static ApiError UnsupportedMediaType(std::string message) {
    return {415, "Unsupported media type", std::move(message)};
  }
  static ApiError PayloadTooLarge(std::string message) {
    return {413, "Payload too large", std::move(message)};
  }
  static ApiError Internal() {
    return {500, "Internal error", "the server failed to answer; the log says why"};
  }
  static ApiError NotImplemented(std::string message) {
    return {501, "Not implemented", std::move(message)};
  }
  static ApiError Unavailable(std::string message) {
    return {503, "Service unavailable", std::move(message)};
  }

  // What the API answers when the store failed with `status` while doing `what`: 400 when the
  // store refused the request's input (a fixed text: the store's own may show its key layout),
  // 503 when the store may answer on a retry, 501 when it cannot answer such queries, 500
  // otherwise. The detail goes to the log only.
  static ApiError FromStore(const Status& status, std::string_view what);
};

// The error as a JSON response with its status.
ApiResponse ErrorResponse(const ApiError& error);

// A value or the ApiError that explains why there is none.
template <typename T>
using ApiResult = Result<T, ApiError>;

}  // namespace vdpark
