#include "migrate/resumable_load.h"

#include <spdlog/spdlog.h>

#include <string_view>
#include <utility>

#include "migrate/csv_target.h"

namespace vdpark {

namespace {

// Whether --overwrite empties `target_url` (csv: its files; postgres: its four tables).
bool IsReplacedByOverwrite(std::string_view target_url) {
  return target_url.starts_with("csv:") || target_url.starts_with("postgres://") ||
         target_url.starts_with("postgresql://") || target_url.starts_with("timescale://");
}

}  // namespace

Result<ResumableLoad> ResumableLoad::Prepare(ResumableLoadOptions options) {
  ResumableLoad load(std::move(options));
  VDPARK_RETURN_IF_ERROR(load.ReadCheckpoint());
  VDPARK_RETURN_IF_ERROR(load.CheckTarget());
  VDPARK_RETURN_IF_ERROR(load.CarryOnFromCheckpoint());
  return load;
}

Status ResumableLoad::ReadCheckpoint() {
  key_ = MigrateCheckpointKey(options_.source_url, options_.target_url, options_.since_text);
  checkpoint_path_ =
      options_.checkpoint_path.empty() ? DefaultCheckpointPath(key_) : options_.checkpoint_path;
  if (options_.restart) return RemoveCheckpoint(checkpoint_path_);
  VDPARK_ASSIGN_OR_RETURN(saved_, LoadCheckpoint(checkpoint_path_, key_));
  return Status::OK();
}

Status ResumableLoad::CheckTarget() {
  const std::string& target_url = options_.target_url;
  // A csv target appends: rows written after the checkpoint are cut off before carrying on.
  appended_ = AppendedEventsFile(target_url);
  // A csv target is never added to, except by the load that wrote it, resuming. Otherwise what
  // it holds is replaced (its files emptied first) with overwrite or restart (which starts
  // that load over), and without either a csv target that holds data is refused.
  empties_target_ = !saved_ && (options_.overwrite || (options_.restart && appended_));
  if (appended_ && !saved_ && !empties_target_) {
    VDPARK_RETURN_IF_ERROR(RefuseCsvTargetWithData(target_url));
  }
  if (options_.overwrite && !appended_ && !IsReplacedByOverwrite(target_url)) {
    spdlog::warn(
        "--overwrite: {} writes by key and is not emptied first; items it holds that the source "
        "lacks stay (verify lists them as extra)",
        target_url);
  }
  return Status::OK();
}

Status ResumableLoad::CarryOnFromCheckpoint() {
  if (!saved_) return Status::OK();
  options_.migrate.since = saved_->since;  // "90d" means what it meant when the load began
  options_.migrate.resume = saved_->progress;
  if (!appended_) return Status::OK();
  if (!saved_->target_events_bytes) {
    return Status::Corruption("checkpoint " + checkpoint_path_ +
                              " has no length for the csv target's events.csv");
  }
  return CutBackTo(*appended_, *saved_->target_events_bytes);
}

Result<MigrateStats> ResumableLoad::Run(RecordStore& source, RecordStore& target) {
  VDPARK_RETURN_IF_ERROR(SaveFirstCheckpoint(source, target));
  options_.migrate.on_durable = [this](const MigrateProgress& progress) {
    return RecordProgress(progress);
  };
  spdlog::info("migrating {} -> {}{}", source.DisplayName(), target.DisplayName(),
               saved_ ? " (resuming from " + checkpoint_path_ + ")" : "");
  VDPARK_ASSIGN_OR_RETURN(auto stats, Migrate(source, target, options_.migrate));
  if (Status s = RemoveCheckpoint(checkpoint_path_); !s.ok()) spdlog::warn("{}", s.ToString());
  return stats;
}

Status ResumableLoad::SaveFirstCheckpoint(const RecordStore& source, const RecordStore& target) {
  if (saved_) {
    checkpoint_ = *saved_;
    return Status::OK();
  }
  checkpoint_.key = key_;
  checkpoint_.source = source.DisplayName();
  checkpoint_.target = target.DisplayName();
  checkpoint_.since = options_.migrate.since;
  if (appended_) {
    VDPARK_ASSIGN_OR_RETURN(auto length, FileLength(*appended_));
    checkpoint_.target_events_bytes = empties_target_ ? 0 : length;
  }
  // Saved before the first write, so that a csv target killed at once is cut back too.
  VDPARK_RETURN_IF_ERROR(SaveCheckpoint(checkpoint_path_, checkpoint_));
  first_saved_ = true;
  return Status::OK();
}

Status ResumableLoad::RecordProgress(const MigrateProgress& progress) {
  checkpoint_.progress = progress;
  if (appended_) {
    // flushed just before: this is what is durable
    VDPARK_ASSIGN_OR_RETURN(checkpoint_.target_events_bytes, FileLength(*appended_));
  }
  return SaveCheckpoint(checkpoint_path_, checkpoint_);
}

}  // namespace vdpark
