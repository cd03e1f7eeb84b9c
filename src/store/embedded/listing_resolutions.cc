#include "store/embedded/listing_resolutions.h"

namespace vdpark {

std::shared_ptr<const ListingResolutions::Resolution> ListingResolutions::Find(
    const RangeListingCache::Keys* listing, std::string_view question) const {
  std::lock_guard lock(mu_);
  auto it = resolutions_.find(listing);
  if (it == resolutions_.end() || it->second->question != question) return nullptr;
  return it->second;
}

void ListingResolutions::Keep(std::shared_ptr<const Resolution> resolution) {
  const RangeListingCache::Keys* listing = resolution->listing.get();
  std::lock_guard lock(mu_);
  // Crude, and rare: a listing replaced leaves its resolution behind until then.
  if (resolutions_.size() >= kMaxResolutions && !resolutions_.contains(listing)) {
    resolutions_.clear();
  }
  resolutions_.insert_or_assign(listing, std::move(resolution));
}

}  // namespace vdpark
