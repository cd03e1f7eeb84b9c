// A folder of the process's own for the fuzz targets' files: under /dev/shm when it can be written
// (no disk in the loop of a fuzzer), otherwise the temporary folder. Removed when the process ends
// normally; the folders of processes that ended otherwise are removed by the next one that makes
// its own.
#pragma once

#include <string>

namespace vdpark::fuzz {

// The folder, made on the first call: "<base>/vdpark-fuzz-<pid>/<name>", created empty.
std::string ScratchDir(const std::string& name);

// Replaces `path` with `text`.
void WriteWholeFile(const std::string& path, std::string_view text);

}  // namespace vdpark::fuzz
