// The operator dashboard (SPEC §5): the files of web/dashboard, built into the binary so that
// `vdpark serve` needs nothing on disk to serve `GET /`.
//
// The definitions are generated at build time by cmake/embed_files.cmake into
// ${CMAKE_BINARY_DIR}/generated/dashboard_assets.cc; editing a file in web/dashboard rebuilds it.
#pragma once

#include <optional>
#include <string_view>

// In a namespace of its own: api/http_server.h has a vdpark::StaticFile (owning strings) too.
namespace vdpark::dashboard {

// One embedded file. Both views point into static storage and live as long as the program.
struct StaticFile {
  std::string_view content_type;  // e.g. "text/html; charset=utf-8"
  std::string_view body;
};

// The dashboard file served at `path`, the path of a request target ("/app.js"); a query string
// ("?v=2") is ignored. "/" is index.html. Returns std::nullopt for any other path (no such file,
// no leading '/', "..", a directory): the caller answers 404.
std::optional<StaticFile> FindDashboardFile(std::string_view path);

}  // namespace vdpark::dashboard
