#include "store/record_store.h"

namespace vdpark {

std::string Origin::ToString() const {
  if (line == 0) return std::string(source);
  return std::string(source) + ":" + std::to_string(line);
}

}  // namespace vdpark
