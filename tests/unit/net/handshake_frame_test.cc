// The handshake and the frame cipher as pure state machines: bytes in, bytes out.
#include <gtest/gtest.h>

#include "crypto/secret_file.h"
#include "net/frame.h"
#include "net/handshake.h"

namespace lovebank::net {
namespace {

NetworkKey RandomNetworkKey() { return *NetworkKey::FromView(crypto::RandomBytes(32)); }

struct Pair {
  crypto::SecretKey a = crypto::SecretKey::Generate();
  crypto::SecretKey b = crypto::SecretKey::Generate();
};

// Runs both sides to the end; returns false at the first refused message.
bool Complete(Handshake& initiator, Handshake& responder) {
  auto m1 = initiator.TakeOutgoing();
  if (!m1 || !responder.Receive(*m1)) return false;
  auto m2 = responder.TakeOutgoing();
  if (!m2 || !initiator.Receive(*m2)) return false;
  auto m3 = initiator.TakeOutgoing();
  if (!m3 || !responder.Receive(*m3)) return false;
  return initiator.done() && responder.done();
}

TEST(Handshake, BothSidesLearnEachOtherAndAgreeOnKeys) {
  Pair p;
  NetworkKey nk = RandomNetworkKey();
  Handshake i(HandshakeRole::kInitiator, p.a, nk), r(HandshakeRole::kResponder, p.b, nk);
  EXPECT_EQ(i.ExpectedSize(), 0u);
  EXPECT_EQ(r.ExpectedSize(), Handshake::kMessage1Size);
  ASSERT_TRUE(Complete(i, r));
  EXPECT_EQ(*i.peer(), p.b.public_key());
  EXPECT_EQ(*r.peer(), p.a.public_key());
  EXPECT_EQ(i.keys().send, r.keys().receive);
  EXPECT_EQ(i.keys().receive, r.keys().send);
  EXPECT_NE(i.keys().send, i.keys().receive);
}

TEST(Handshake, FreshKeysEverySession) {
  Pair p;
  NetworkKey nk = RandomNetworkKey();
  Handshake i1(HandshakeRole::kInitiator, p.a, nk), r1(HandshakeRole::kResponder, p.b, nk);
  Handshake i2(HandshakeRole::kInitiator, p.a, nk), r2(HandshakeRole::kResponder, p.b, nk);
  ASSERT_TRUE(Complete(i1, r1));
  ASSERT_TRUE(Complete(i2, r2));
  EXPECT_NE(i1.keys().send, i2.keys().send);
}

TEST(Handshake, WrongNetworkKeyIsRefusedAtTheFirstMessage) {
  Pair p;
  Handshake i(HandshakeRole::kInitiator, p.a, RandomNetworkKey());
  Handshake r(HandshakeRole::kResponder, p.b, RandomNetworkKey());
  auto m1 = i.TakeOutgoing();
  auto s = r.Receive(*m1);
  ASSERT_FALSE(s);
  EXPECT_EQ(s.error().code, ErrorCode::kUnauthenticated);
  EXPECT_TRUE(r.failed());
  EXPECT_FALSE(r.TakeOutgoing());  // nothing is ever sent back
  EXPECT_FALSE(r.peer());
}

TEST(Handshake, TamperedMessagesFail) {
  NetworkKey nk = RandomNetworkKey();
  for (int message = 1; message <= 3; ++message) {
    for (std::size_t byte : {0u, 31u, 40u, 100u}) {
      Pair p;
      Handshake i(HandshakeRole::kInitiator, p.a, nk), r(HandshakeRole::kResponder, p.b, nk);
      auto m1 = *i.TakeOutgoing();
      if (message == 1) m1[byte % m1.size()] ^= 1;
      if (!r.Receive(m1)) continue;  // refused: good
      auto m2 = *r.TakeOutgoing();
      if (message == 2) m2[byte % m2.size()] ^= 1;
      if (!i.Receive(m2)) continue;
      auto m3 = *i.TakeOutgoing();
      if (message == 3) m3[byte % m3.size()] ^= 1;
      EXPECT_FALSE(r.Receive(m3)) << "message " << message << " byte " << byte;
    }
  }
}

TEST(Handshake, AReplayedFirstMessageCannotBeCompleted) {
  // An eavesdropper replays an honest initiator's message 1 to the responder; it
  // gets a message 2 under a key it cannot derive, and its message 3 fails.
  Pair p;
  NetworkKey nk = RandomNetworkKey();
  Handshake honest(HandshakeRole::kInitiator, p.a, nk);
  auto m1 = *honest.TakeOutgoing();
  Handshake victim(HandshakeRole::kResponder, p.b, nk);
  ASSERT_TRUE(victim.Receive(m1));
  ASSERT_TRUE(victim.TakeOutgoing());
  // Whatever the attacker sends as message 3 (here: a message 3 from another session).
  Handshake other_i(HandshakeRole::kInitiator, p.a, nk), other_r(HandshakeRole::kResponder, p.b, nk);
  ASSERT_TRUE(Complete(other_i, other_r));
  Handshake again_i(HandshakeRole::kInitiator, p.a, nk), again_r(HandshakeRole::kResponder, p.b, nk);
  auto a1 = *again_i.TakeOutgoing();
  ASSERT_TRUE(again_r.Receive(a1));
  ASSERT_TRUE(again_i.Receive(*again_r.TakeOutgoing()));
  auto a3 = *again_i.TakeOutgoing();
  EXPECT_FALSE(victim.Receive(a3));
}

TEST(Handshake, MessagesOutOfTurnOrOfTheWrongSizeFail) {
  Pair p;
  NetworkKey nk = RandomNetworkKey();
  Handshake r(HandshakeRole::kResponder, p.b, nk);
  EXPECT_FALSE(r.Receive(Bytes(10, 'x')));
  Handshake i(HandshakeRole::kInitiator, p.a, nk);
  EXPECT_FALSE(i.Receive(Bytes(Handshake::kMessage2Size, 'x')));  // before sending message 1
}

std::array<std::uint8_t, 32> Key(std::uint8_t fill) {
  std::array<std::uint8_t, 32> k{};
  k.fill(fill);
  return k;
}

TEST(Frame, RoundTripInOrder) {
  FrameSealer sealer(Key(7));
  FrameDecoder decoder(Key(7));
  Bytes stream;
  for (int i = 0; i < 5; ++i) stream += sealer.Seal("frame " + std::to_string(i));
  stream += sealer.Seal("");
  // Arriving one byte at a time changes nothing.
  for (char c : stream) ASSERT_TRUE(decoder.Feed(ByteView(&c, 1)));
  for (int i = 0; i < 5; ++i) EXPECT_EQ(*decoder.Next(), "frame " + std::to_string(i));
  EXPECT_EQ(*decoder.Next(), "");
  EXPECT_FALSE(decoder.Next());
}

TEST(Frame, TamperedHeaderOrBodyFails) {
  for (std::size_t flip : {2u, 3u, 5u, 20u}) {
    FrameSealer sealer(Key(1));
    FrameDecoder decoder(Key(1));
    Bytes frame = sealer.Seal("hello neighbour");
    frame[flip] ^= 0x01;
    auto s = decoder.Feed(frame);
    if (flip < kFrameHeaderSize) {
      // A changed length is either caught as such or leaves the frame incomplete,
      // then fails authentication once the bytes are there.
      if (s) s = decoder.Feed(Bytes(300, 'x'));
    }
    EXPECT_FALSE(s) << "flip " << flip;
    EXPECT_FALSE(decoder.Next());
  }
}

TEST(Frame, ReplayedReorderedOrDroppedFramesFail) {
  FrameSealer sealer(Key(2));
  Bytes f0 = sealer.Seal("zero"), f1 = sealer.Seal("one");
  {
    FrameDecoder d(Key(2));
    ASSERT_TRUE(d.Feed(f0));
    EXPECT_FALSE(d.Feed(f0));  // replay
  }
  {
    FrameDecoder d(Key(2));
    EXPECT_FALSE(d.Feed(f1));  // reordered / first one dropped
  }
  {
    FrameDecoder d(Key(3));
    EXPECT_FALSE(d.Feed(f0));  // another session's key
  }
}

TEST(Frame, OversizeLengthIsRefusedFromTheHeaderAlone) {
  FrameDecoder decoder(Key(4), 1024);
  Bytes header;
  AppendBigEndian32(header, 0xFFFFFFFFu);
  auto s = decoder.Feed(header);
  ASSERT_FALSE(s);
  EXPECT_EQ(s.error().code, ErrorCode::kResourceExhausted);
  EXPECT_EQ(decoder.buffered(), 0u);  // nothing was kept, let alone allocated
  FrameOpener opener(Key(4), 1024);
  EXPECT_TRUE(opener.BodySize(ByteView("\x00\x00\x04\x10", 4)));   // 1024 + 16
  EXPECT_FALSE(opener.BodySize(ByteView("\x00\x00\x04\x11", 4)));  // one more
  EXPECT_FALSE(opener.BodySize(ByteView("\x00\x00\x00\x0f", 4)));  // shorter than a tag
}

TEST(Frame, AFailedSessionStaysFailed) {
  FrameSealer sealer(Key(5));
  FrameDecoder d(Key(5));
  Bytes bad = sealer.Seal("x");
  bad.back() ^= 1;
  EXPECT_FALSE(d.Feed(bad));
  FrameSealer fresh(Key(5));
  EXPECT_FALSE(d.Feed(fresh.Seal("x")));
}

}  // namespace
}  // namespace lovebank::net
