// The identity graph as a snapshot holds it, for the component walk
// (component.h) of read-only views: explain and review. Sees only committed
// state; never touches the writer's tables.
#pragma once

#include <functional>
#include <map>
#include <optional>
#include <string>

#include "identity/graph.h"
#include "identity/match_model.h"
#include "identity/person.h"
#include "store/store.h"

namespace seam::identity {

class SnapshotSource {
 public:
  explicit SnapshotSource(store::Reader& reader) : reader_(reader) {}

  Status ForEachSigOfNode(const std::string& node, const std::function<bool(const std::string&)>& fn);
  Result<std::optional<SigInfo>> Sig(const std::string& id);
  Result<std::optional<MatchEdges>> Edges(const std::string& node);
  Result<uint64_t> BlockCount(const std::string& block);
  Result<std::optional<NodeDecisions>> Decisions(const std::string& node);
  Result<std::optional<NodeGuard>> Guard(const std::string& node);
  Result<std::optional<PreparedPerson>> Prepared(const std::string& node);
  Result<std::optional<PersonAttributes>> Attributes(const std::string& node);
  Result<std::optional<std::string>> ProfileOf(const std::string& node);

 private:
  template <typename T>
  Result<std::optional<T>> Load(store::Cf cf, const std::string& key);
  store::Reader& reader_;
};

}  // namespace seam::identity
