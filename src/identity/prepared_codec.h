// The stored form of a PreparedPerson, so that loading a match candidate is
// one read and a decode: preparing (ICU transliteration, jamo, nickname
// groups) and hashing the blocking keys cost more than the comparison.
//
// A stored prepared form is only as good as the code that prepared it, so
// each one carries PrepareFingerprint(): the digest of what Prepare makes of
// a fixed set of probe persons in this build. A form written by a build that
// prepares differently (a new transliteration rule, another nickname table)
// fails the check and the reader prepares again from the attributes.
#pragma once

#include <string>
#include <string_view>

#include "identity/graph.h"
#include "identity/match_model.h"
#include "seam/status.h"

namespace seam::identity {

std::string EncodePrepared(const PreparedPerson& person);
// False on malformed input (then `out` is unspecified).
bool DecodePrepared(std::string_view bytes, PreparedPerson& out);

// 8 bytes, computed once per process.
const std::string& PrepareFingerprint();

// Prepare of EncodePerson bytes.
Result<PreparedPerson> PrepareEncoded(std::string_view encoded_person);
// The prepared form of a stored entry: the stored one when this build
// prepares the same, else prepared again from its attributes.
Result<PreparedPerson> PreparedOf(const AttrsEntry& entry);

}  // namespace seam::identity
