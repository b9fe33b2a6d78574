// Writes the seed corpus of every fuzz target into DIR/<target>/ (run by hand; the
// result is checked in as tests/fuzz/corpus/):
//
//   build/tests/fuzz/fuzz_make_corpus tests/fuzz/corpus
//
// Seeds are real, valid inputs of each kind made with the test community, so the
// fuzzer starts deep inside each format instead of at its first byte.
#include <filesystem>
#include <fstream>
#include <iostream>

#include "base/hex.h"
#include "crypto/keystore.h"
#include "ledger/certificate.h"
#include "ledger/export_file.h"
#include "ledger/voucher.h"
#include "net/frame.h"
#include "net/handshake.h"
#include "net/messages.h"
#include "tests/support/test_support.h"

namespace {

using namespace lovebank;
using namespace lovebank::ledger;

std::filesystem::path g_root;

void Write(const std::string& target, const std::string& name, ByteView data) {
  auto dir = g_root / target;
  std::filesystem::create_directories(dir);
  std::ofstream(dir / name, std::ios::binary).write(data.data(),
                                                    static_cast<std::streamsize>(data.size()));
}

}  // namespace

int main(int argc, char** argv) {
  if (argc != 2) {
    std::cerr << "usage: fuzz_make_corpus DIR\n";
    return 2;
  }
  crypto::InitCrypto();
  g_root = argv[1];
  constexpr std::uint64_t kDay = 1'767'225'600'000;
  lovebank::testing::TestCommunity c;
  std::vector<VerifiedEntry> entries;
  entries.push_back(c.Sign("admin", RoleGrant{c.key("coord"), Role::kCoordinator, 0}));
  entries.push_back(c.Sign("admin", Enrol{c.key("vol1"), "Auntie Chen", "Grid 1", "B2",
                                          {"medical care", "warm help"}}));
  std::vector<PublicKey> both{c.key("vol1"), c.key("vol2")};
  std::sort(both.begin(), both.end());
  entries.push_back(c.Sign("coord", ServiceRecord{"Courtyard clean-up", "cleaning", kDay, 120,
                                                  both}));
  entries.push_back(c.Sign("vol1", ServiceClaim{"Shopping", "care", kDay + 86'400'000, 60,
                                                c.key("vol2")}));
  entries.push_back(c.Sign("coord", ServiceConfirm{entries.back().id, "seen"}));
  entries.push_back(c.Sign("station", CatalogItem{"Rice 5kg", 12, 10}));
  entries.push_back(c.Sign("vol1", Transfer{c.key("vol2"), 5, "for the dumplings"}));
  entries.push_back(c.Sign("vol1", Redeem{entries[5].id, c.key("station"), 12, Bytes(16, 'n')}));
  entries.push_back(c.Sign("aud", AuditCheckpoint{Bytes(32, 'r'), 9, Bytes(32, 's'),
                                                  Bytes("\1\2\3\4\5\6\7\x08\x05\xa\xb\xc\xd", 13)}));
  entries.push_back(c.Sign("station", CatalogWithdraw{entries[5].id, "out of season"}));

  // entry: bodies and envelopes of each kind, the genesis too.
  Write("entry", "genesis_envelope", c.genesis().envelope);
  Write("entry", "genesis_body", EncodeEntryBody(c.genesis().entry));
  for (std::size_t i = 0; i < entries.size(); ++i) {
    std::string kind(KindName(entries[i].entry.kind));
    Write("entry", kind + "_envelope_" + std::to_string(i), entries[i].envelope);
    Write("entry", kind + "_body_" + std::to_string(i), EncodeEntryBody(entries[i].entry));
  }

  // voucher: vol1's chain ending in the redeem.
  std::vector<Bytes> chain;
  for (const auto& e : entries) {
    if (e.entry.author == c.key("vol1")) chain.push_back(e.envelope);
  }
  std::string voucher = EncodeVoucher(chain, 4096);
  Write("voucher", "chain_with_redeem", voucher);
  Write("voucher", "redeem_only", EncodeVoucher({chain.back()}, 4096));

  // frame: a stream of frames under the target's key (0x42...), chunk byte first.
  std::array<std::uint8_t, 32> frame_key{};
  frame_key.fill(0x42);
  net::FrameSealer sealer(frame_key);
  Bytes stream = "\x07";
  stream += sealer.Seal(net::EncodeMessage(net::Hello{net::kProtocolVersion, "127.0.0.1:7701", 9}));
  stream += sealer.Seal(net::EncodeMessage(net::Entries{{entries[2].envelope}, 0}));
  Write("frame", "two_frames", stream);
  Write("frame", "oversize_header", Bytes("\x03\xff\xff\xff\xf0", 5));

  // frame_roundtrip: payloads of a few sizes.
  Write("frame_roundtrip", "small", "\x05hello");
  Write("frame_roundtrip", "entry", "\x11" + entries[3].envelope);

  // handshake: real messages of a session with the target's keys and network key.
  {
    const crypto::SecretKey alice = crypto::SecretKey::FromSeed(Bytes(32, 'a'));
    const crypto::SecretKey bob = crypto::SecretKey::FromSeed(Bytes(32, 'b'));
    const net::NetworkKey network = *net::NetworkKey::FromView(Bytes(32, 'n'));
    net::Handshake initiator(net::HandshakeRole::kInitiator, alice, network);
    net::Handshake responder(net::HandshakeRole::kResponder, bob, network);
    Bytes m1 = *initiator.TakeOutgoing();
    (void)responder.Receive(m1);
    Bytes m2 = *responder.TakeOutgoing();
    (void)initiator.Receive(m2);
    Bytes m3 = *initiator.TakeOutgoing();
    Write("handshake", "message1", "\x00" + m1);
    Write("handshake", "message2", "\x01" + m2);
    Write("handshake", "message3", "\x02" + m3);
  }

  // message: one of each kind a peer sends.
  net::Probe probe;
  probe.round = 3;
  probe.count = 10;
  net::WantRequest want;
  want.round = 3;
  want.wants.push_back(net::Want{{}, 2});
  net::Descend descend;
  descend.round = 3;
  descend.nodes.push_back(net::NodeRequest{net::Prefix{}, false});
  const std::vector<std::pair<std::string, net::Message>> messages = {
      {"hello", net::Hello{net::kProtocolVersion, "127.0.0.1:7701", 9}},
      {"entries", net::Entries{{entries[0].envelope, entries[1].envelope}, 2}},
      {"probe", probe},
      {"descend", descend},
      {"want", want},
      {"want_done", net::WantDone{3, 7}},
      {"peer_list", net::PeerList{{"127.0.0.1:7701", "10.0.0.2:7701"}}},
      {"goodbye", net::Goodbye{"shutting down"}},
  };
  for (const auto& [name, m] : messages) Write("message", name, net::EncodeMessage(m));

  // http_body: what wallets send.
  Write("http_body", "one", "{\"envelope\": \"" + ToHex(entries[2].envelope) + "\"}");
  Write("http_body", "many", "{\"envelopes\": [\"" + ToHex(entries[0].envelope) + "\", \"" +
                                 ToHex(entries[1].envelope) + "\"]}");
  Write("http_body", "voucher", "{\"voucher\": \"" + voucher + "\"}");
  Write("http_body", "empty_object", "{}");

  // keystore: a real file sealed with the target's passphrase (cheap work factors).
  auto sealed = crypto::SealKeystore(crypto::SecretKey::FromSeed(Bytes(32, 'k')),
                                     "fuzz passphrase", crypto::KeystoreOptions{1, 8192});
  if (!sealed) {
    std::cerr << sealed.error().message << "\n";
    return 1;
  }
  Write("keystore", "sealed", *sealed);

  // export: a whole small ledger.
  Bytes file = EncodeExportStart(ExportHeader{c.network(), "Test Street", kDay, "corpus"});
  file += EncodeExportRecord(c.genesis().envelope);
  for (const auto& e : entries) file += EncodeExportRecord(e.envelope);
  file += EncodeExportEnd(entries.size() + 1);
  Write("export", "small_ledger", file);
  Write("export", "header_only", EncodeExportStart(ExportHeader{c.network(), "Test", 0, ""}) +
                                     EncodeExportEnd(0));
  // statement: what a certificate's QR code carries, signed by the admin, with a
  // Chinese name cut to the bound, and one with no name.
  CertificateStatement statement;
  statement.network = c.network();
  statement.serial = Bytes(16, 's');
  statement.volunteer = c.key("vol1");
  statement.issuer = c.key("admin");
  statement.issued_at_ms = kDay + 30 * 86'400'000ULL;
  statement.from_ms = kDay;
  statement.to_ms = kDay + 28 * 86'400'000ULL;
  statement.total_minutes = 180;
  statement.activities = 2;
  statement.volunteer_name = "陈阿姨";
  Write("statement", "signed", SignStatement(statement, c.secret("admin")));
  statement.volunteer_name.clear();
  statement.activities = 0;
  Write("statement", "no_name", SignStatement(statement, c.secret("admin")) + "\n");
  Write("statement", "not_base64", "lbc1:!!!!");
  std::cout << "corpus written to " << g_root << "\n";
  return 0;
}
