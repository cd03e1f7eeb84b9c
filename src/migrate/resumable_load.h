// ResumableLoad: the load of `vdpark migrate`, which a crash does not undo (SPEC §7: a load killed
// at any moment and started again finishes with every item exactly once). Migrate (migrate.h)
// copies and reports its progress once it is durable; this keeps that progress in a checkpoint
// file (checkpoint.h) and carries on from it.
//
// What is checkpointed: the load's key (from the source URL, the target URL and the --since text:
// the same command names the same load), the stores' display names, --since as resolved when the
// load began, Migrate's progress (how far it got, its slices, the completeness guard's count) and,
// for a csv target, the length of its events.csv.
// When: once before the first write (so that a csv target killed at once is cut back too), then
// each time Migrate reports progress (after the target's Flush: every checkpoint_every events, or
// at the end of each slice). The file is removed once the load has succeeded, and kept when it
// failed: the same command carries on from it.
// What a resumed run guarantees: with the checkpoint of the same load, it keeps the since and the
// slices the load began with, does not write again what the checkpoint counts, and ends with
// every event in the target once. A target that writes by key is written again only from a point
// no later than the crash; a csv target, which appends, has its events.csv cut back to the
// checkpointed length before anything opens it, so that rows written after the checkpoint are
// not there twice.
//
// The target of a new load: a csv target that holds data is refused (loading into it again would
// double what it holds) unless given overwrite, or restart, which empty it first. overwrite also
// empties a postgres:// or timescale:// target's tables; other targets write by key and are not
// emptied (a warning says that what they hold and the source lacks stays).
//
// Two steps, because the checkpoint decides how the target is opened: Prepare() before the stores
// are opened (it reads the checkpoint, refuses or cuts back a csv target, and says whether the
// target is to be emptied), then Run() with both open.
#pragma once

#include <optional>
#include <string>

#include "common/result.h"
#include "migrate/checkpoint.h"
#include "migrate/migrate.h"
#include "store/open_store.h"

namespace vdpark {

struct ResumableLoadOptions {
  std::string source_url, target_url;  // as given: with since_text, they name the load
  std::string since_text;              // --since as given ("90d"); "" = every event
  std::string checkpoint_path;         // "" = DefaultCheckpointPath() of the load's key
  bool restart = false;    // drop any checkpoint and start over (a csv target is emptied first)
  bool overwrite = false;  // a new load replaces what the target holds
  // Migrate's options. `since` is the window of a new load (since_text resolved by the caller);
  // a resumed load keeps the one it began with. `resume` and `on_durable` are the load's.
  MigrateOptions migrate;
};

class ResumableLoad {
 public:
  // Step 1, before the stores are opened. With restart, removes any checkpoint of the load;
  // otherwise reads it (kCorruption naming the file when it is not a checkpoint, kInvalidArgument
  // when it belongs to another load: LoadCheckpoint). A new load into a csv target that holds data
  // and is not to be emptied: kInvalidArgument naming its files. A resumed csv target: its
  // events.csv cut back to the checkpointed length (kCorruption when it is shorter, or when the
  // checkpoint has no length).
  static Result<ResumableLoad> Prepare(ResumableLoadOptions options);

  // How to open the target: emptied first (StoreOptions::truncate) when true. A resumed load
  // keeps what the first run wrote.
  bool empties_target() const { return empties_target_; }
  bool resumes() const { return saved_.has_value(); }
  const std::string& checkpoint_path() const { return checkpoint_path_; }
  // Whether the checkpoint file records this load: from Prepare() on when it resumes, once Run()
  // has saved the first checkpoint when it is new. A failed load carries on from there.
  bool checkpoint_recorded() const { return resumes() || first_saved_; }

  // Step 2: Migrate(source, target) from the checkpoint, recording its progress as above, with
  // Migrate's errors. On success the checkpoint is removed (a failure to remove it is logged,
  // not returned); on failure it stays, recording what was loaded.
  Result<MigrateStats> Run(RecordStore& source, RecordStore& target);

 private:
  explicit ResumableLoad(ResumableLoadOptions options) : options_(std::move(options)) {}
  // Prepare's steps.
  Status ReadCheckpoint();
  Status CheckTarget();
  Status CarryOnFromCheckpoint();
  // Run's.
  Status SaveFirstCheckpoint(const RecordStore& source, const RecordStore& target);
  Status RecordProgress(const MigrateProgress& progress);

  ResumableLoadOptions options_;
  std::string key_;
  std::string checkpoint_path_;
  std::optional<MigrateCheckpoint> saved_;  // the checkpoint resumed from
  std::optional<std::string> appended_;     // a csv target's events.csv (AppendedEventsFile)
  bool empties_target_ = false;
  bool first_saved_ = false;
  MigrateCheckpoint checkpoint_;  // as last saved
};

}  // namespace vdpark
