// Rules that every TileStore and LogStateStore implementation enforces, in one
// place so the in-memory stores that tests use and the durable stores that
// production uses cannot drift apart (STYLE.md "Avoid": two implementations).
#ifndef MTC_LOG_STORE_RULES_H_
#define MTC_LOG_STORE_RULES_H_

#include <cstdint>
#include <string_view>

#include "log/storage.h"
#include "mtc/base/result.h"

namespace mtc::log {

// The mutable objects of a log (C2SP tlog-tiles §Checkpoints; the landmarks
// file of draft-ietf-plants-merkle-tree-certs §Publishing Landmarks).
inline constexpr std::string_view kCheckpointPath = "checkpoint";
inline constexpr std::string_view kLandmarksPath = "landmarks";

// OK for a hash tile or entry bundle path in canonical form
// (tlog::ParseTilePath), kInvalidArgument otherwise. Canonical paths contain
// no "..", no leading '/', no empty element, so they cannot name anything
// outside a log's directory.
Status CheckImmutablePath(std::string_view path);
// OK for "checkpoint" and "landmarks", kInvalidArgument otherwise.
Status CheckMutablePath(std::string_view path);
// OK for either kind.
Status CheckObjectPath(std::string_view path);

// What a tree head compare-and-swap may do once `current` equals `expected`:
// a log only grows, so `next` must not be smaller than `expected`, and a
// head of the same size must have the same root (anything else is a fork of
// the log, which LogStateStore exists to prevent). kInvalidArgument otherwise.
Status CheckTreeHeadTransition(const TreeHead& expected, const TreeHead& next);

// The rule of LogStateStore::AppendLandmark
// (draft-ietf-plants-merkle-tree-certs §Landmark Tree Sizes: numbered
// consecutively from zero, landmark zero has size zero, sizes strictly
// increasing): `number` must be `last_number + 1` and `tree_size` must exceed
// `last_size`, where (0, 0) stands for the implicit landmark zero. kConflict
// otherwise.
Status CheckLandmarkAppend(uint64_t last_number, uint64_t last_size,
                           uint64_t number, uint64_t tree_size);

// Issuance moves only to a newer log (docs/design.md §4): `next` must exceed
// `expected`. kInvalidArgument otherwise.
Status CheckCurrentLogTransition(uint32_t expected, uint32_t next);

}  // namespace mtc::log

#endif  // MTC_LOG_STORE_RULES_H_
