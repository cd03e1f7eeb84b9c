// A csv target appends: loading into one that holds data doubles what it holds. What such a
// target holds, in words for a message, and the refusal a new load into it meets (the load
// itself: resumable_load.h; a dry run only says so).
#pragma once

#include <string>
#include <vector>

#include "common/result.h"

namespace vdpark {

// The files of a csv target that hold rows; empty for any other target (they write by key, so
// loading into one again doubles nothing), and for a csv folder that does not exist. IOError
// when a file cannot be read.
Result<std::vector<std::string>> TargetFilesWithRows(const std::string& target_url);

// "events.csv has rows", "bays.csv and events.csv have rows", "a, b and c have rows", each file
// under `folder`.
std::string HaveRows(const std::string& folder, const std::vector<std::string>& files);

// OK when `target_url` is not a csv target holding data; otherwise kInvalidArgument naming the
// files and saying what to do (--overwrite, or the command that started the load to resume it).
Status RefuseCsvTargetWithData(const std::string& target_url);

}  // namespace vdpark
