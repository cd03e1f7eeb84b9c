// RecordSlot: the record (a Bay, a Sensor, a Zone) made of one stored version of an item, kept
// beside that version by an item store that keeps its items in memory (the embedded store's
// StoredValueCache), so that the version is decoded into its record at most once, and not at all
// when its writer handed the record over with the write (TransactItem::record).
//
// Why: live ingest reads the bay, the sensor and the zone of every message, and making the records
// of their items (reading and checking every attribute) was an eighth of the processor's time,
// although the items had mostly been written by the previous message of that sensor, from those
// very records.
//
// Coherent as the item store's cache is: a slot belongs to one stored version, and a write makes a
// new version with a new slot (empty, or holding the writer's record); nothing is ever kept for a
// version but the record made of it. Keyed by record type: a slot holding a record of another
// type than the one asked for answers nothing. Thread-safe: the first record kept stays.
#pragma once

#include <atomic>
#include <memory>

namespace vdpark {

// A record kept in a slot, of any type (see KeptRecordOf).
class KeptRecord {
 public:
  virtual ~KeptRecord() = default;
  // Identifies the record's type: the address of a per-type tag (no RTTI on the read path).
  const void* type() const { return type_; }

 protected:
  explicit KeptRecord(const void* type) : type_(type) {}

 private:
  const void* type_;
};

template <typename Record>
class KeptRecordOf final : public KeptRecord {
 public:
  explicit KeptRecordOf(Record record) : KeptRecord(Tag()), record(std::move(record)) {}
  static const void* Tag() {
    static const char tag = 0;
    return &tag;
  }
  const Record record;
};

// `record`, to be kept in a slot (or handed over with a write).
template <typename Record>
std::shared_ptr<const KeptRecord> KeepRecord(Record record) {
  return std::make_shared<const KeptRecordOf<Record>>(std::move(record));
}

class RecordSlot {
 public:
  RecordSlot() = default;
  explicit RecordSlot(std::shared_ptr<const KeptRecord> kept) : kept_(std::move(kept)) {}
  RecordSlot(const RecordSlot&) = delete;
  RecordSlot& operator=(const RecordSlot&) = delete;

  // The Record kept, sharing the kept record's lifetime; null when none is kept, or one of
  // another type.
  template <typename Record>
  std::shared_ptr<const Record> Get() const {
    std::shared_ptr<const KeptRecord> kept = kept_.load(std::memory_order_acquire);
    if (!kept || kept->type() != KeptRecordOf<Record>::Tag()) return nullptr;
    const auto* of = static_cast<const KeptRecordOf<Record>*>(kept.get());
    return std::shared_ptr<const Record>(std::move(kept), &of->record);
  }

  // Keeps `kept` unless a record is kept already (the first one stays: both were made of the same
  // version). `kept` must be the record made of this slot's version.
  void Keep(std::shared_ptr<const KeptRecord> kept) const {
    std::shared_ptr<const KeptRecord> none;
    kept_.compare_exchange_strong(none, std::move(kept), std::memory_order_acq_rel);
  }

 private:
  mutable std::atomic<std::shared_ptr<const KeptRecord>> kept_;
};

}  // namespace vdpark
