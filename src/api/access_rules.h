// Who may ask the API what, from where: the rules a request meets before any route reads the
// store (the "Security" section of the README says the same for users).
//
// Keyless (no API keys, loopback only): a browser page of any other site must not be able to use
// the server through the user's browser. So the Host must be a loopback name or address
// (localhost, 127.0.0.0/8, [::1], with or without a port; DNS rebinding gives another name), no
// CORS header is ever sent, and a write (POST) must come from the server's own origin (no Origin,
// or Origin http://HOST) with Content-Type application/json, which a page of another site cannot
// send without a preflight that gets no CORS answer.
// Keyed: every data route needs an X-Api-Key header (never a cookie); CORS headers are sent only
// to an Origin configured with --cors-origin ("*": any); writes take application/json.
#pragma once

#include <optional>
#include <string_view>

#include "api/api_error.h"
#include "api/http_types.h"
#include "common/status.h"

namespace vdpark {

struct ApiContext;

// Keyless only: 421 naming the Host header when `request.host` is not loopback; nullopt when the
// request may go on (always with keys; an absent Host too: the server refuses HTTP/1.1 without
// one, and HTTP/1.0 comes from no browser).
std::optional<ApiError> CheckHost(const ApiRequest& request, const ApiContext& context);

// For a write: 415 naming Content-Type when it is not application/json; keyless, 403 naming
// Origin when an Origin other than the server's own (http://HOST) sent it. nullopt: fine.
std::optional<ApiError> CheckWrite(const ApiRequest& request, const ApiContext& context);

// The CORS headers for `request`'s Origin, when it is one of context.cors_origins (keyed mode):
// Access-Control-Allow-Origin (the origin, or * when "*" is configured), -Allow-Methods,
// -Allow-Headers, -Max-Age and Vary: Origin. Nothing otherwise (always nothing keyless).
void AddCorsHeaders(const ApiRequest& request, const ApiContext& context, ApiResponse* response);

// A --cors-origin value: "*" or scheme://host[:port] with nothing after it. InvalidArgument saying
// what is wrong otherwise.
Status CheckCorsOrigin(std::string_view origin);

// Whether `host` (a Host header: "localhost:8080", "127.0.0.1", "[::1]:80") names this machine's
// loopback interface.
bool IsLoopbackHost(std::string_view host);

}  // namespace vdpark
