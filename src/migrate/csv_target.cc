#include "migrate/csv_target.h"

#include <filesystem>
#include <system_error>

#include "store/csv/csv_store.h"
#include "store/store_place.h"

namespace vdpark {

std::string HaveRows(const std::string& folder, const std::vector<std::string>& files) {
  std::string text;
  for (size_t i = 0; i < files.size(); ++i) {
    if (i > 0) text += i + 1 == files.size() ? " and " : ", ";
    text += (std::filesystem::path(folder) / files[i]).string();
  }
  return text + (files.size() == 1 ? " has rows" : " have rows");
}

Result<std::vector<std::string>> TargetFilesWithRows(const std::string& target_url) {
  auto folder = CsvFolderOf(target_url);
  if (!folder || folder->empty()) return std::vector<std::string>();
  std::error_code ec;
  if (!std::filesystem::is_directory(*folder, ec)) return std::vector<std::string>();
  return CsvStore::FilesWithRows(*folder);
}

// Refused unless the caller knows better (a resumed load, --restart, --overwrite).
Status RefuseCsvTargetWithData(const std::string& target_url) {
  VDPARK_ASSIGN_OR_RETURN(auto files, TargetFilesWithRows(target_url));
  if (files.empty()) return Status::OK();
  return Status::InvalidArgument(
      "the target " + target_url + " already holds data (" +
      HaveRows(*CsvFolderOf(target_url), files) +
      "): a csv target is appended to, so loading into it again would double what it holds. "
      "Give --overwrite to replace what it holds; if a load into it was interrupted, run the "
      "command that started it again to resume it");
}

}  // namespace vdpark
