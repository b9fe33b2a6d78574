// The auditor's commands end to end, with the real node and wallet: export, audit of
// a file and of a live node (one whose stored balance was edited in RocksDB), import
// into a fresh node, checkpoints signed and checked, and certificates issued, verified
// and tampered with.
#include <fmt/format.h>
#include <gtest/gtest.h>
#include <rocksdb/db.h>

#include <filesystem>
#include <fstream>
#include <sstream>

#include "base/hex.h"
#include "crypto/keys.h"
#include "ledger/certificate.h"
#include "ledger/internal/schema.h"
#include "tests/e2e/community_fixture.h"

namespace lovebank {
namespace {

Bytes ReadFileBytes(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::ostringstream s;
  s << in.rdbuf();
  return s.str();
}

class Audit : public Community {
 protected:
  // A little history: a coordinator, an auditor, two volunteers with service, a
  // confirmed claim and a transfer.
  void History() {
    coord_ = Member("coord", "coordinator");
    auditor_ = Member("auditor", "auditor");
    vol1_ = Member("vol1", {}, {"--team", "elders"});
    vol2_ = Member("vol2");
    Ok("coord", {"service", "record", "--activity", "Visit", "--category", "care", "--minutes",
                 "120", "--volunteer", vol1_, "--volunteer", vol2_, "--start",
                 "2026-03-02T10:00"});
    Ok("coord", {"service", "record", "--activity", "Sweep", "--category", "cleaning",
                 "--minutes", "60", "--volunteer", vol1_, "--start", "2026-03-09T10:00"});
    auto claim = Ok("vol1", {"service", "claim", "--activity", "Shopping", "--category", "care",
                             "--minutes", "30", "--start", "2026-03-10T09:00"});
    Ok("coord", {"service", "confirm", Str(claim.at("id"))});
    Ok("vol1", {"transfer", vol2_, "5", "--memo", "tea"});
  }

  std::string coord_, auditor_, vol1_, vol2_;
};

TEST_F(Audit, ExportAuditAndImportIntoAFreshNode) {
  History();
  std::string file = dir_.Sub("ledger.lbx");
  auto exported = Ok("auditor", {"export", "--out", file});
  auto status = Ok("auditor", {"status"});
  EXPECT_EQ(U64(exported.at("entries")), U64(status.at("entries")));
  // Never overwritten.
  EXPECT_NE(Refused(2, "auditor", {"export", "--out", file}).find("already exists"),
            std::string::npos);
  // Nor written through a symlink planted at the name.
  std::filesystem::create_symlink(dir_.Sub("victim"), dir_.Sub("planted.lbx"));
  EXPECT_NE(Refused(2, "auditor", {"export", "--out", dir_.Sub("planted.lbx")}).find("already exists"),
            std::string::npos);
  EXPECT_FALSE(std::filesystem::exists(dir_.Sub("victim")));

  auto audit = Ok("auditor", {"audit", "--file", file});
  EXPECT_EQ(Str(audit.at("result")), "verified");
  EXPECT_EQ(Str(audit.at("state_hash")), Str(status.at("state_hash")));
  EXPECT_EQ(U64(audit.at("failure_count")), 0u);
  EXPECT_EQ(U64(audit.at("total_minutes")), 120u * 2 + 60 + 30);
  // A path that is not there is a usage problem, not a failed audit.
  EXPECT_NE(Refused(8, "auditor", {"audit", "--file", dir_.Sub("missing.lbx")}).find("cannot read"),
            std::string::npos);
  auto text = Wallet("auditor", {"audit", "--file", file});
  EXPECT_EQ(text.exit_code, 0) << text.err;
  EXPECT_NE(text.out.find("RESULT: VERIFIED"), std::string::npos) << text.out;

  // A second node seeded from the file has the same state.
  std::string data = dir_.Sub("copy");
  auto init = RunProcess({LOVEBANK_NODE_BIN, "init", "--data", data, "--genesis",
                          dir_.Sub("community/genesis.entry"), "--network-key",
                          dir_.Sub("community/network.key")});
  ASSERT_EQ(init.exit_code, 0) << init.err;
  auto imported = RunProcess({LOVEBANK_NODE_BIN, "import", "--data", data, file});
  ASSERT_EQ(imported.exit_code, 0) << imported.err;
  EXPECT_NE(imported.out.find(Str(status.at("state_hash"))), std::string::npos) << imported.out;
  // Everything but the genesis (which `init` stored) is new; nothing is refused.
  EXPECT_NE(imported.out.find(fmt::format("{} new, 1 already here, 0 waiting for their "
                                          "previous entry, 0 refused",
                                          U64(exported.at("entries")) - 1)),
            std::string::npos)
      << imported.out;

  // A damaged file is refused by import with the reason, and by the audit with exit 16.
  Bytes bytes = ReadFileBytes(file);
  std::ofstream(dir_.Sub("cut.lbx"), std::ios::binary) << bytes.substr(0, bytes.size() - 40);
  auto bad = Wallet("auditor", {"audit", "--file", dir_.Sub("cut.lbx")});
  EXPECT_EQ(bad.exit_code, 16) << bad.out;
  EXPECT_NE(bad.out.find("[truncated]"), std::string::npos) << bad.out;
}

TEST_F(Audit, LiveNodeWithAnEditedBalanceIsReported) {
  History();
  auto clean = Wallet("auditor", {"--json", "audit"});
  ASSERT_EQ(clean.exit_code, 0) << clean.err << clean.out;
  EXPECT_TRUE(Json(clean).at("node_compared").as_bool());

  // Someone with the disk edits vol1's balance row directly in RocksDB.
  node_->Stop();
  {
    std::string path = dir_.Sub("office") + "/ledger";
    std::vector<std::string> names;
    ASSERT_TRUE(rocksdb::DB::ListColumnFamilies(rocksdb::DBOptions(), path, &names).ok());
    std::vector<rocksdb::ColumnFamilyDescriptor> families;
    for (const auto& n : names) families.emplace_back(n, rocksdb::ColumnFamilyOptions());
    std::vector<rocksdb::ColumnFamilyHandle*> handles;
    rocksdb::DB* raw = nullptr;
    ASSERT_TRUE(rocksdb::DB::Open(rocksdb::DBOptions(), path, families, &handles, &raw).ok());
    std::unique_ptr<rocksdb::DB> db(raw);
    rocksdb::ColumnFamilyHandle* state = nullptr;
    for (std::size_t i = 0; i < names.size(); ++i) {
      if (names[i] == ledger::internal::kStateFamily) state = handles[i];
    }
    ASSERT_NE(state, nullptr);
    auto account = *FixedFromHex<ledger::PublicKey>(vol1_);
    std::string row;
    Bytes key = ledger::internal::AccountRowKey(account);
    ASSERT_TRUE(db->Get(rocksdb::ReadOptions(), state, key, &row).ok());
    auto view = ledger::internal::DecodeAccountRow(account, row);
    ASSERT_TRUE(view);
    view->balance += 1000;
    ASSERT_TRUE(db->Put(rocksdb::WriteOptions(), state, key,
                        ledger::internal::EncodeAccountRow(*view))
                    .ok());
    for (auto* h : handles) db->DestroyColumnFamilyHandle(h);
  }
  node_ = StartNode("office");
  ASSERT_TRUE(node_);
  auto audit = Wallet("auditor", {"audit"});
  EXPECT_EQ(audit.exit_code, 16) << audit.out << audit.err;
  EXPECT_NE(audit.out.find("[node_mismatch] account " + vol1_.substr(0, 12)), std::string::npos)
      << audit.out;
  EXPECT_NE(audit.out.find("balance"), std::string::npos);
  EXPECT_NE(audit.out.find("RESULT: FAILED"), std::string::npos);
}

TEST_F(Audit, CheckpointSignedThenExtended) {
  History();
  auto signed_audit = Ok("auditor", {"audit", "--sign"});
  std::string checkpoint = Str(signed_audit.at("signed_checkpoint"));
  ASSERT_EQ(checkpoint.size(), 64u);
  // Only auditors sign checkpoints.
  auto volunteer = Wallet("vol2", {"audit", "--sign"});
  EXPECT_EQ(volunteer.exit_code, 6) << volunteer.out << volunteer.err;

  Ok("coord", {"service", "record", "--activity", "Visit", "--category", "care", "--minutes",
               "45", "--volunteer", vol2_, "--start", "2026-04-01T10:00"});
  auto later = Ok("auditor", {"audit", "--since-checkpoint", checkpoint});
  const auto& cp = later.at("checkpoint").as_object();
  EXPECT_TRUE(cp.at("consistent").as_bool());
  EXPECT_EQ(U64(cp.at("new_entries_by_kind").at("service_record")), 1u);
  bool vol2_changed = false;
  for (const auto& a : cp.at("changed_accounts").as_array()) {
    if (Str(a.at("account")) == vol2_) {
      vol2_changed = true;
      EXPECT_EQ(U64(a.at("minutes_now")) - U64(a.at("minutes_then")), 45u);
    }
  }
  EXPECT_TRUE(vol2_changed);
  // The checkpoint's first 12 digits, as the wallet prints them, name it too.
  auto text = Wallet("auditor", {"audit", "--since-checkpoint", checkpoint.substr(0, 12)});
  EXPECT_NE(text.out.find("the ledger extends it"), std::string::npos) << text.out << text.err;
  // A prefix no checkpoint has is not found; a non-hex one is a usage error, refused
  // before anything is downloaded.
  std::string absent = checkpoint.substr(0, 11) + (checkpoint[11] == '0' ? "1" : "0");
  auto missing = Wallet("auditor", {"audit", "--since-checkpoint", absent});
  EXPECT_EQ(missing.exit_code, 8) << missing.out << missing.err;
  EXPECT_NE(missing.err.find("no checkpoint"), std::string::npos) << missing.err;
  EXPECT_EQ(Wallet("auditor", {"audit", "--since-checkpoint", "zz"}).exit_code, 2);
}

TEST_F(Audit, CertificateIssuedVerifiedAndTampered) {
  History();
  std::string cert = dir_.Sub("zhou.lbc"), html = dir_.Sub("zhou.html");
  auto issued = Ok("coord", {"certificate", "issue", "vol1", "--from", "2026-03-01", "--to",
                             "2026-03-31", "--out", cert, "--html", html});
  EXPECT_EQ(U64(issued.at("total_minutes")), 120u + 60 + 30);
  EXPECT_EQ(U64(issued.at("lines")), 3u);
  std::string serial = Str(issued.at("serial"));

  auto verified = Ok("auditor", {"certificate", "verify", cert});
  EXPECT_TRUE(verified.at("valid").as_bool());
  EXPECT_EQ(Str(verified.at("volunteer_name")), "vol1");
  EXPECT_EQ(U64(verified.at("by_category").at("care")), 150u);
  EXPECT_EQ(U64(verified.at("by_team").at("elders")), 210u);
  Bytes page = ReadFileBytes(html);
  EXPECT_NE(page.find(serial), std::string::npos);
  EXPECT_NE(page.find("<svg"), std::string::npos);
  EXPECT_NE(page.find("3 h 30 min"), std::string::npos) << page.substr(0, 2000);

  // Only coordinators and admins issue.
  Refused(6, "vol2", {"certificate", "issue", "vol1", "--out", dir_.Sub("mine.lbc")});

  // One byte changed inside a carried entry: its signature and the issuer's fail.
  Bytes bytes = ReadFileBytes(cert);
  auto at = bytes.find("Shopping");
  ASSERT_NE(at, std::string::npos);
  bytes[at] = 'Z';
  std::ofstream(dir_.Sub("forged.lbc"), std::ios::binary) << bytes;
  auto forged = Wallet("auditor", {"certificate", "verify", dir_.Sub("forged.lbc")});
  EXPECT_EQ(forged.exit_code, 18);
  EXPECT_NE(forged.out.find("NOT VALID"), std::string::npos) << forged.out;
}

// The printed page says it in Chinese with English beneath, lists every activity with
// its day, names the issuer and leaves room for a seal; its QR statement is checked
// without the certificate file, against the node, and a forged or altered one is not
// valid.
TEST_F(Audit, CertificatePageAndItsQrStatement) {
  History();
  std::string cert = dir_.Sub("zhou.lbc"), html = dir_.Sub("zhou.html");
  auto issued = Ok("coord", {"certificate", "issue", "vol1", "--from", "2026-03-01", "--to",
                             "2026-03-31", "--out", cert, "--html", html});
  std::string statement = Str(issued.at("statement"));
  ASSERT_TRUE(statement.starts_with("lbc1:")) << statement;

  Bytes page = ReadFileBytes(html);
  for (const char* want :
       {"志愿服务证明", "Certificate of Volunteer Service", "<html lang=\"zh-CN\">",
        "3 小时 30 分钟", "3 h 30 min", "2026-03-02", "2026-03-09", "2026-03-10", "签发人",
        "coord（协调员 / coordinator）", "社区盖章", "Seal of the community", "签名", "(UTC+00:00)",
        "Test Street"}) {
    EXPECT_NE(page.find(want), std::string::npos) << want;
  }
  auto verified = Ok("auditor", {"certificate", "verify", cert});
  EXPECT_EQ(Str(verified.at("issuer_name")), "coord");
  EXPECT_EQ(Str(verified.at("issuer_role")), "coordinator");
  EXPECT_EQ(Str(verified.at("statement")), statement);
  EXPECT_EQ(verified.at("lines").as_array().size(), 3u);

  // Against the node: the same community, a coordinator, the minutes credited.
  auto qr = Ok("auditor", {"certificate", "verify", "--qr", statement});
  EXPECT_TRUE(qr.at("valid").as_bool()) << qr;
  EXPECT_TRUE(qr.at("checked_against_ledger").as_bool());
  EXPECT_EQ(Str(qr.at("issuer_role")), "coordinator");
  EXPECT_EQ(Str(qr.at("volunteer_name")), "vol1");
  EXPECT_EQ(U64(qr.at("total_minutes")), 210u);
  EXPECT_EQ(U64(qr.at("activities")), 3u);
  EXPECT_GE(U64(qr.at("credited_minutes")), 210u);
  auto zh = WalletWith({{"LANG", "zh_CN.UTF-8"}}, "auditor",
                       {"certificate", "verify", "--qr", statement});
  EXPECT_EQ(zh.exit_code, 0) << zh.err;
  EXPECT_NE(zh.out.find("有效：签发人 coord（"), std::string::npos) << zh.out;
  auto en = Wallet("auditor", {"certificate", "verify", "--qr", statement});
  EXPECT_NE(en.out.find("VALID: signed by coord (" + coord_.substr(0, 12) + "), coordinator"),
            std::string::npos)
      << en.out;

  // Offline: the signature only, said as such.
  auto offline =
      Wallet("auditor", {"--json", "certificate", "verify", "--qr", statement, "--offline"});
  EXPECT_EQ(offline.exit_code, 0) << offline.err;
  auto off = Json(offline);
  EXPECT_FALSE(off.at("valid").as_bool());
  EXPECT_TRUE(off.at("signature_valid").as_bool());
  EXPECT_FALSE(off.at("checked_against_ledger").as_bool());
  // No node: the same, and an exit code that says so.
  auto unreachable =
      Wallet("auditor", {"certificate", "verify", "--qr", statement}, "http://127.0.0.1:1");
  EXPECT_EQ(unreachable.exit_code, 3) << unreachable.out << unreachable.err;
  EXPECT_NE(unreachable.out.find("not checked against the ledger"), std::string::npos)
      << unreachable.out;

  // One character changed: not valid.
  std::string altered = statement;
  altered[40] = altered[40] == 'A' ? 'B' : 'A';
  auto bad = Wallet("auditor", {"certificate", "verify", "--qr", altered});
  EXPECT_EQ(bad.exit_code, 18) << bad.out << bad.err;
  EXPECT_NE(bad.out.find("NOT VALID"), std::string::npos) << bad.out;

  // A statement a stranger signs with a key of their own, naming this community and
  // this volunteer with a year of service: its signature holds, and the ledger shows
  // the key is nobody's coordinator and the minutes are not there.
  auto status = Ok("auditor", {"status"});
  ledger::CertificateStatement forged;
  forged.network = *FixedFromHex<ledger::NetworkId>(Str(status.at("network")));
  forged.serial = Bytes(16, '\x42');
  forged.volunteer = *FixedFromHex<crypto::PublicKey>(vol1_);
  auto stranger = crypto::SecretKey::Generate();
  forged.issuer = stranger.public_key();
  forged.to_ms = 1'800'000'000'000;
  forged.total_minutes = 60 * 1000;
  forged.activities = 200;
  forged.volunteer_name = "vol1";
  auto refused = Wallet("auditor", {"--json", "certificate", "verify", "--qr",
                                    ledger::SignStatement(forged, stranger)});
  EXPECT_EQ(refused.exit_code, 18) << refused.out << refused.err;
  auto why = Json(refused);
  EXPECT_FALSE(why.at("valid").as_bool());
  EXPECT_TRUE(why.at("signature_valid").as_bool());
  ASSERT_EQ(why.at("problems").as_array().size(), 2u) << why;
  EXPECT_NE(Str(why.at("problems").at(0)).find("neither the coordinator nor the admin"),
            std::string::npos);
  EXPECT_NE(Str(why.at("problems").at(1)).find("less than the 1000 h stated"), std::string::npos);
  // Of another community: not checkable here, and not valid.
  forged.network = ledger::NetworkId();
  auto elsewhere =
      Wallet("auditor", {"certificate", "verify", "--qr", ledger::SignStatement(forged, stranger)});
  EXPECT_EQ(elsewhere.exit_code, 18);
  EXPECT_NE(elsewhere.out.find("another community"), std::string::npos) << elsewhere.out;
  // The file or the statement, not both and not neither.
  EXPECT_EQ(Wallet("auditor", {"certificate", "verify", cert, "--qr", statement}).exit_code, 2);
  EXPECT_EQ(Wallet("auditor", {"certificate", "verify"}).exit_code, 2);
}

}  // namespace
}  // namespace lovebank
