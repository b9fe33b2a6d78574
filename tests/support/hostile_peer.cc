// A hostile peer for the integration tests: speaks just enough of the wire protocol
// (docs/wire-protocol.md) to attack a real lovebank-node, then reports whether the
// node cut it off.
//
//   hostile_peer HOST:PORT NETWORK_KEY_HEX NODE_SEED_HEX MODE [ARG]
//
// MODE: prehandshake (random bytes instead of message 1), stall (half of message 1,
// then nothing), garbage (a frame of random bytes after the handshake), oversize (a
// frame header announcing 4 GiB), truncated (a frame header and half its bytes, then
// nothing), malformed (a sealed frame that is not a message), badsig (a gossiped entry
// with one signature bit flipped; ARG: its envelope hex), flood (thousands of small
// frames as fast as possible), orphans (ARG entries, each the seq-2 entry of a fresh
// key whose seq 1 never comes; ARG: "COUNT:NETWORK_ID_HEX"; exits 0 once sent).
// Exit 0: the node closed the connection; 1: it kept the connection open for 10 s;
// 2: setup failed (could not connect, or the handshake was refused).
#include <boost/asio.hpp>
#include <chrono>
#include <iostream>

#include "base/hex.h"
#include "crypto/keys.h"
#include "crypto/secret_file.h"
#include "ledger/entry.h"
#include "net/frame.h"
#include "net/handshake.h"
#include "net/messages.h"

namespace asio = boost::asio;
using asio::ip::tcp;
using namespace lovebank;

namespace {

// Waits until the node closes the socket (read returns an error) or 10 s pass.
int AwaitClose(tcp::socket& socket) {
  socket.non_blocking(true);
  auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(10);
  char buffer[4096];
  while (std::chrono::steady_clock::now() < deadline) {
    boost::system::error_code ec;
    socket.read_some(asio::buffer(buffer), ec);
    if (ec == asio::error::would_block) {
      std::this_thread::sleep_for(std::chrono::milliseconds(20));
      continue;
    }
    if (ec) {
      std::cout << "node closed the connection: " << ec.message() << "\n";
      return 0;
    }
  }
  std::cout << "node kept the connection open\n";
  return 1;
}

}  // namespace

int main(int argc, char** argv) {
  crypto::InitCrypto();
  if (argc < 5) {
    std::cerr << "usage: hostile_peer HOST:PORT NETWORK_KEY_HEX NODE_SEED_HEX MODE [ENVELOPE_HEX]\n";
    return 2;
  }
  std::string address = argv[1], mode = argv[4];
  auto network_key = FromHex(argv[2]);
  auto seed = FromHex(argv[3]);
  if (!network_key || network_key->size() != 32 || !seed || seed->size() != 32) {
    std::cerr << "bad key arguments\n";
    return 2;
  }
  auto colon = address.rfind(':');
  asio::io_context io;
  tcp::socket socket(io);
  boost::system::error_code ec;
  socket.connect({asio::ip::make_address(address.substr(0, colon)),
                  static_cast<unsigned short>(std::stoi(address.substr(colon + 1)))},
                 ec);
  if (ec) {
    std::cerr << "cannot connect: " << ec.message() << "\n";
    return 2;
  }
  if (mode == "prehandshake") {
    asio::write(socket, asio::buffer(crypto::RandomBytes(net::Handshake::kMessage1Size)), ec);
    return AwaitClose(socket);
  }
  if (mode == "stall") {
    asio::write(socket, asio::buffer(crypto::RandomBytes(net::Handshake::kMessage1Size / 2)), ec);
    return AwaitClose(socket);
  }
  crypto::SecretKey key = crypto::SecretKey::FromSeed(*seed);
  net::Handshake hs(net::HandshakeRole::kInitiator, key, *net::NetworkKey::FromView(*network_key));
  asio::write(socket, asio::buffer(*hs.TakeOutgoing()), ec);
  Bytes m2(net::Handshake::kMessage2Size, '\0');
  asio::read(socket, asio::buffer(m2), ec);
  if (ec || !hs.Receive(m2)) {
    std::cerr << "handshake refused\n";
    return 2;
  }
  asio::write(socket, asio::buffer(*hs.TakeOutgoing()), ec);
  net::FrameSealer sealer(hs.keys().send);
  // Let the node check the roster and say hello before the attack.
  std::this_thread::sleep_for(std::chrono::milliseconds(200));
  if (mode == "garbage") {
    // A plausible length, then bytes that were never sealed with the session key.
    Bytes frame;
    AppendBigEndian32(frame, 200);
    frame += crypto::RandomBytes(200);
    asio::write(socket, asio::buffer(frame), ec);
  } else if (mode == "oversize") {
    Bytes header;
    AppendBigEndian32(header, 0xFFFFFFF0u);
    asio::write(socket, asio::buffer(header), ec);
  } else if (mode == "truncated") {
    Bytes frame = sealer.Seal(net::EncodeMessage(net::PeerList{{"127.0.0.1:1"}}));
    frame.resize(frame.size() / 2);
    asio::write(socket, asio::buffer(frame), ec);
  } else if (mode == "orphans") {
    if (argc < 6) return 2;
    std::string arg = argv[5];
    auto colon_at = arg.find(':');
    auto network = FromHex(arg.substr(colon_at + 1));
    if (colon_at == std::string::npos || !network || network->size() != 32) return 2;
    int count = std::stoi(arg.substr(0, colon_at));
    auto now = std::chrono::duration_cast<std::chrono::milliseconds>(
                   std::chrono::system_clock::now().time_since_epoch())
                   .count();
    net::Entries batch;
    for (int i = 0; i < count && !ec; ++i) {
      ledger::Entry e;
      crypto::SecretKey author = crypto::SecretKey::Generate();
      e.author = author.public_key();
      e.seq = 2;
      e.prev = *ledger::EntryId::FromView(crypto::RandomBytes(32));
      e.network = *ledger::EntryId::FromView(*network);
      e.timestamp_ms = static_cast<std::uint64_t>(now);
      e.kind = ledger::ServiceClaim{"Orphan", "care", static_cast<std::uint64_t>(now) - 3'600'000,
                                    30, std::nullopt};
      batch.envelopes.push_back(ledger::SignEntry(e, author).envelope);
      if (batch.envelopes.size() == 100 || i + 1 == count) {
        asio::write(socket, asio::buffer(sealer.Seal(net::EncodeMessage(batch))), ec);
        batch.envelopes.clear();
      }
    }
    // Valid entries are not misbehaviour: stay a moment so the node takes them, then go.
    std::this_thread::sleep_for(std::chrono::seconds(2));
    std::cout << (ec ? "send failed: " + ec.message() : "sent") << "\n";
    return ec ? 1 : 0;
  } else if (mode == "malformed") {
    asio::write(socket, asio::buffer(sealer.Seal("\xff\xff\xff\xff not a message")), ec);
  } else if (mode == "badsig") {
    if (argc < 6) return 2;
    auto envelope = FromHex(argv[5]);
    if (!envelope) return 2;
    (*envelope)[envelope->size() - 1] ^= 0x01;  // the signature is the envelope's last field
    net::Entries entries;
    entries.envelopes.push_back(*envelope);
    asio::write(socket, asio::buffer(sealer.Seal(net::EncodeMessage(entries))), ec);
  } else if (mode == "flood") {
    Bytes burst;
    Bytes hello = net::EncodeMessage(net::PeerList{{"127.0.0.1:1"}});
    for (int i = 0; i < 20000 && !ec; ++i) {
      burst += sealer.Seal(hello);
      if (burst.size() > 64 * 1024) {
        asio::write(socket, asio::buffer(burst), ec);
        burst.clear();
      }
    }
    if (!ec) asio::write(socket, asio::buffer(burst), ec);
  } else {
    std::cerr << "unknown mode " << mode << "\n";
    return 2;
  }
  return AwaitClose(socket);
}
