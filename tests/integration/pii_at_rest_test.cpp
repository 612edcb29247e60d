// SPEC §7: a copy of the data dir alone reveals no email, phone or name in
// any form. Proven both ways, so the test can fail: with encryption on no
// form is found in any file (SSTs after a flush, and the WAL); with
// encryption off the same search finds them.
#include <filesystem>
#include <fstream>
#include <sstream>

#include <gtest/gtest.h>

#include "support/test_client.h"
#include "support/test_server.h"

namespace seam::testing {
namespace {

const std::vector<std::string> kForms = {
    "Pii.Person@Example.com", "pii.person@example.com",  // raw, normalised
    "010-9876-5432", "01098765432", "+821098765432",     // raw, national, E.164
    "김 민수", "김민수",                                   // raw, normalised Hangul name
    "Hong Gildong", "hong gildong",                        // a Latin-script name trait
};

std::string Slurp(const std::filesystem::path& p) {
  std::ifstream in(p, std::ios::binary);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

// form -> files it was found in
std::map<std::string, std::vector<std::string>> Search(const std::string& dir) {
  std::map<std::string, std::vector<std::string>> found;
  for (const auto& e : std::filesystem::recursive_directory_iterator(dir)) {
    if (!e.is_regular_file()) continue;
    const std::string bytes = Slurp(e.path());
    for (const auto& form : kForms)
      if (bytes.find(form) != std::string::npos) found[form].push_back(e.path().filename().string());
  }
  return found;
}

std::map<std::string, std::vector<std::string>> IngestAndSearch(bool encrypt, bool flush) {
  TestServer server([&](Config& c) {
    c.compression = "none";  // nothing hides the bytes but our own encryption
    c.encrypt_at_rest = encrypt;
  });
  TestClient client(server.port());
  nlohmann::json batch = {
      {"batch",
       {{{"type", "identify"}, {"userId", "pii-user"}, {"messageId", "p1"},
         {"traits", {{"email", "Pii.Person@Example.com"}, {"phone", "010-9876-5432"}, {"name", "김 민수"}}}},
        {{"type", "identify"}, {"userId", "pii-user-2"}, {"messageId", "p2"},
         {"traits", {{"email", "pii.person@example.com"}, {"phone", "01098765432"}, {"name", "Hong Gildong"}}}},
        {{"type", "track"}, {"userId", "pii-user"}, {"event", "Signed Up"}, {"messageId", "p3"},
         {"properties", {{"contact", "+821098765432"}, {"full_name", "김민수"}, {"alias", "hong gildong"}}}}}}};
  auto r = client.Request("POST", "/v1/batch", batch.dump(), {{"Authorization", BasicAuth(kWriteKey)}});
  EXPECT_EQ(r.status, 200) << r.body;
  EXPECT_EQ(r.json()["accepted"], 3);
  // The profile reads back in clear through the API.
  auto p = client.Request("GET", "/v1/profiles/email%3Apii.person%40example.com", "",
                          {{"Authorization", Bearer(kReadKey)}});
  EXPECT_EQ(p.status, 200) << p.body;
  if (flush) {
    EXPECT_TRUE(server.app().FlushStore().ok());
  }
  return Search(server.data_dir());
}

TEST(PiiAtRest, NoFormOfAnyIdentifierInTheWalWhenEncrypted) {
  auto found = IngestAndSearch(true, false);
  for (const auto& [form, files] : found) ADD_FAILURE() << form << " found in " << files.front();
}

TEST(PiiAtRest, NoFormOfAnyIdentifierInSstFilesWhenEncrypted) {
  auto found = IngestAndSearch(true, true);
  for (const auto& [form, files] : found) ADD_FAILURE() << form << " found in " << files.front();
}

TEST(PiiAtRest, TheSameSearchFindsThemWithEncryptionOff) {
  auto wal = IngestAndSearch(false, false);
  auto sst = IngestAndSearch(false, true);
  for (const auto& form : kForms) {
    EXPECT_TRUE(wal.count(form) || sst.count(form)) << form << " not found: the search cannot see it";
  }
  bool in_sst = false;
  for (const auto& [form, files] : sst)
    for (const auto& f : files) in_sst |= f.find(".sst") != std::string::npos;
  EXPECT_TRUE(in_sst) << "no form found in an SST file after the flush";
}

}  // namespace
}  // namespace seam::testing
