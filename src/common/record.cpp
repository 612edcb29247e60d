#include "seam/record.h"

namespace seam {

const char* ChannelName(Channel c) {
  switch (c) {
    case Channel::kWeb: return "web";
    case Channel::kApp: return "app";
    case Channel::kServer: return "server";
    case Channel::kPos: return "pos";
    case Channel::kCrm: return "crm";
  }
  return "server";
}

}  // namespace seam
