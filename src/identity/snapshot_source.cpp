#include "identity/snapshot_source.h"

#include "identity/prepared_codec.h"

namespace seam::identity {

using store::Cf;

template <typename T>
Result<std::optional<T>> SnapshotSource::Load(Cf cf, const std::string& key) {
  auto raw = reader_.Get(cf, key);
  if (!raw.ok()) return raw.status();
  if (!raw->has_value()) return std::optional<T>();
  T value;
  if (!T::Decode(**raw, value)) return Status::Internal(std::string("corrupt value in ") + store::CfName(cf));
  return std::optional<T>(std::move(value));
}

Status SnapshotSource::ForEachSigOfNode(const std::string& node, const std::function<bool(const std::string&)>& fn) {
  auto list = Load<SigList>(Cf::kNodeSigs, node);
  if (!list.ok()) return list.status();
  if (*list)
    for (const auto& s : (*list)->sigs)
      if (!fn(s)) break;
  return Status::Ok();
}

Result<std::optional<SigInfo>> SnapshotSource::Sig(const std::string& id) { return Load<SigInfo>(Cf::kSigs, id); }

Result<std::optional<MatchEdges>> SnapshotSource::Edges(const std::string& node) {
  return Load<MatchEdges>(Cf::kMatches, node);
}

Result<uint64_t> SnapshotSource::BlockCount(const std::string& block) {
  auto c = Load<BlockInfo>(Cf::kBlockCounts, block);
  if (!c.ok()) return c.status();
  return *c ? (*c)->count : uint64_t{0};
}

Result<std::optional<NodeDecisions>> SnapshotSource::Decisions(const std::string& node) {
  return Load<NodeDecisions>(Cf::kDecisions, node);
}

Result<std::optional<NodeGuard>> SnapshotSource::Guard(const std::string& node) {
  return Load<NodeGuard>(Cf::kGuards, node);
}

Result<std::optional<PersonAttributes>> SnapshotSource::Attributes(const std::string& node) {
  auto a = Load<AttrsEntry>(Cf::kAttrs, node);
  if (!a.ok()) return a.status();
  if (!*a) return std::optional<PersonAttributes>();
  auto person = DecodePerson((*a)->encoded);
  if (!person.ok()) return person.status();
  return std::optional<PersonAttributes>(std::move(*person));
}

Result<std::optional<PreparedPerson>> SnapshotSource::Prepared(const std::string& node) {
  auto a = Load<AttrsEntry>(Cf::kAttrs, node);
  if (!a.ok()) return a.status();
  if (!*a) return std::optional<PreparedPerson>();
  auto prepared = PreparedOf(**a);
  if (!prepared.ok()) return prepared.status();
  return std::optional<PreparedPerson>(std::move(*prepared));
}

Result<std::optional<std::string>> SnapshotSource::ProfileOf(const std::string& node) {
  return reader_.Get(Cf::kNodeProfile, node);
}

}  // namespace seam::identity
