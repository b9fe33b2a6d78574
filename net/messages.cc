#include "net/messages.h"

#include <cstring>

#include "ledger/entry.h"
#include "wire.pb.h"

namespace lovebank::net {
namespace {

namespace pb = wire;

Error Malformed(std::string what) {
  return Error{ErrorCode::kInvalidArgument, "malformed message: " + std::move(what)};
}

void ToPb(const Prefix& p, pb::Prefix* out) {
  out->set_depth(p.depth);
  out->set_nibbles(reinterpret_cast<const char*>(p.nibbles.data()), (p.depth + 1) / 2);
}

Result<Prefix> FromPb(const pb::Prefix& in) {
  if (in.depth() > kMaxPrefixDepth) return Malformed("prefix deeper than 32 nibbles");
  Prefix p;
  p.depth = static_cast<std::uint8_t>(in.depth());
  if (in.nibbles().size() != (p.depth + 1u) / 2) return Malformed("prefix length");
  std::memcpy(p.nibbles.data(), in.nibbles().data(), in.nibbles().size());
  if (p.depth % 2 == 1 && (p.nibbles[p.depth / 2] & 0x0F) != 0) {
    return Malformed("prefix has bits past its depth");
  }
  return p;
}

void ToPb(const NodeView& v, pb::NodeView* out) {
  ToPb(v.prefix, out->mutable_prefix());
  out->set_is_leaves(v.is_leaves);
  if (v.is_leaves) {
    for (const Leaf& leaf : v.leaves) {
      auto* l = out->add_leaves();
      l->set_author(reinterpret_cast<const char*>(leaf.author.data()), leaf.author.size());
      l->set_head_seq(leaf.head_seq);
      l->set_count(leaf.count);
      l->set_fingerprint(leaf.fingerprint);
    }
  } else {
    out->set_children(reinterpret_cast<const char*>(v.children.data()), v.children.size());
  }
}

Result<NodeView> FromPb(const pb::NodeView& in) {
  NodeView v;
  auto prefix = FromPb(in.prefix());
  if (!prefix) return prefix.error();
  v.prefix = *prefix;
  v.is_leaves = in.is_leaves();
  if (v.is_leaves) {
    if (!in.children().empty()) return Malformed("node with both leaves and children");
    v.leaves.reserve(static_cast<std::size_t>(in.leaves_size()));
    for (const auto& l : in.leaves()) {
      if (l.author().size() != kAuthorPrefixBytes) return Malformed("leaf author prefix length");
      Leaf leaf;
      std::memcpy(leaf.author.data(), l.author().data(), kAuthorPrefixBytes);
      if (!v.prefix.Covers(leaf.author)) return Malformed("leaf outside its node");
      if (l.head_seq() > ledger::kMaxSeq || l.count() > (1ull << 60)) {
        return Malformed("leaf seq or count out of range");
      }
      leaf.head_seq = l.head_seq();
      leaf.count = l.count();
      leaf.fingerprint = l.fingerprint();
      v.leaves.push_back(leaf);
    }
  } else {
    if (in.leaves_size() != 0) return Malformed("node with both leaves and children");
    if (in.children().size() != v.children.size()) return Malformed("children fingerprints");
    if (v.prefix.depth >= kMaxPrefixDepth) return Malformed("children below the deepest node");
    std::memcpy(v.children.data(), in.children().data(), v.children.size());
  }
  return v;
}

void ToPb(const NodeRequest& r, pb::NodeRequest* out) {
  ToPb(r.prefix, out->mutable_prefix());
  out->set_leaves(r.leaves);
}

Result<NodeRequest> FromPb(const pb::NodeRequest& in) {
  auto prefix = FromPb(in.prefix());
  if (!prefix) return prefix.error();
  return NodeRequest{*prefix, in.leaves()};
}

template <class T, class P>
Status Convert(const P& list, std::vector<T>& out, std::size_t bound, const char* what) {
  if (static_cast<std::size_t>(list.size()) > bound) {
    return Malformed(std::string("too many ") + what);
  }
  out.reserve(static_cast<std::size_t>(list.size()));
  for (const auto& item : list) {
    auto converted = FromPb(item);
    if (!converted) return converted.error();
    out.push_back(std::move(*converted));
  }
  return OkStatus();
}

bool ValidText(const std::string& text, std::size_t bound) {
  if (text.size() > bound) return false;
  for (unsigned char c : text) {
    if (c < 0x20 || c == 0x7F) return false;
  }
  return true;
}

}  // namespace

Prefix Prefix::Child(std::uint8_t nibble) const {
  Prefix out = *this;
  std::size_t i = depth;
  out.nibbles[i / 2] |= static_cast<std::uint8_t>((nibble & 0xF) << (i % 2 == 0 ? 4 : 0));
  out.depth = static_cast<std::uint8_t>(depth + 1);
  return out;
}

bool Prefix::Covers(const AuthorPrefix& author) const {
  for (std::size_t i = 0; i < depth; ++i) {
    std::uint8_t a = static_cast<std::uint8_t>((author[i / 2] >> (i % 2 == 0 ? 4 : 0)) & 0xF);
    if (a != Nibble(i)) return false;
  }
  return true;
}

Bytes EncodeMessage(const Message& message) {
  pb::Frame frame;
  std::visit(
      [&](const auto& m) {
        using T = std::decay_t<decltype(m)>;
        if constexpr (std::is_same_v<T, Hello>) {
          auto* h = frame.mutable_hello();
          h->set_version(m.version);
          h->set_listen(m.listen);
          h->set_entries(m.entries);
        } else if constexpr (std::is_same_v<T, Entries>) {
          auto* e = frame.mutable_entries();
          for (const auto& envelope : m.envelopes) e->add_envelopes(envelope);
          e->set_want_round(m.want_round);
        } else if constexpr (std::is_same_v<T, Probe>) {
          auto* p = frame.mutable_probe();
          p->set_round(m.round);
          p->set_root(std::string(m.root.view()));
          p->set_count(m.count);
        } else if constexpr (std::is_same_v<T, ProbeReply>) {
          auto* p = frame.mutable_probe_reply();
          p->set_round(m.round);
          p->set_in_sync(m.in_sync);
          p->set_count(m.count);
          p->set_salt(m.salt);
          for (const auto& n : m.nodes) ToPb(n, p->add_nodes());
        } else if constexpr (std::is_same_v<T, Descend>) {
          auto* d = frame.mutable_descend();
          d->set_round(m.round);
          d->set_salt(m.salt);
          for (const auto& n : m.nodes) ToPb(n, d->add_nodes());
        } else if constexpr (std::is_same_v<T, DescendReply>) {
          auto* d = frame.mutable_descend_reply();
          d->set_round(m.round);
          for (const auto& n : m.nodes) ToPb(n, d->add_nodes());
          for (const auto& n : m.unanswered) ToPb(n, d->add_unanswered());
        } else if constexpr (std::is_same_v<T, WantRequest>) {
          auto* w = frame.mutable_want_request();
          w->set_round(m.round);
          for (const auto& want : m.wants) {
            auto* x = w->add_wants();
            x->set_author(reinterpret_cast<const char*>(want.author.data()), want.author.size());
            x->set_from_seq(want.from_seq);
          }
        } else if constexpr (std::is_same_v<T, WantDone>) {
          auto* w = frame.mutable_want_done();
          w->set_round(m.round);
          w->set_sent(m.sent);
        } else if constexpr (std::is_same_v<T, PeerList>) {
          auto* p = frame.mutable_peer_list();
          for (const auto& a : m.addresses) p->add_addresses(a);
        } else if constexpr (std::is_same_v<T, Goodbye>) {
          frame.mutable_goodbye()->set_reason(m.reason);
        }
      },
      message);
  return frame.SerializeAsString();
}

Result<Message> DecodeMessage(ByteView payload) {
  pb::Frame frame;
  if (!frame.ParseFromArray(payload.data(), static_cast<int>(payload.size()))) {
    return Malformed("not a Frame");
  }
  switch (frame.kind_case()) {
    case pb::Frame::kHello: {
      const auto& h = frame.hello();
      if (!ValidText(h.listen(), kMaxAddressBytes)) return Malformed("hello listen address");
      return Message(Hello{h.version(), h.listen(), h.entries()});
    }
    case pb::Frame::kEntries: {
      Entries e;
      e.want_round = frame.entries().want_round();
      e.envelopes.reserve(static_cast<std::size_t>(frame.entries().envelopes_size()));
      for (const auto& envelope : frame.entries().envelopes()) {
        if (envelope.empty() || envelope.size() > ledger::kMaxEnvelopeBytes) {
          return Malformed("entry envelope size");
        }
        e.envelopes.push_back(envelope);
      }
      return Message(std::move(e));
    }
    case pb::Frame::kProbe: {
      const auto& p = frame.probe();
      auto root = crypto::Digest::FromView(p.root());
      if (!root) return Malformed("probe root is not 32 bytes");
      return Message(Probe{p.round(), *root, p.count()});
    }
    case pb::Frame::kProbeReply: {
      const auto& p = frame.probe_reply();
      ProbeReply r{p.round(), p.in_sync(), p.count(), p.salt(), {}};
      if (auto s = Convert(p.nodes(), r.nodes, kMaxNodesPerMessage, "nodes"); !s) return s.error();
      return Message(std::move(r));
    }
    case pb::Frame::kDescend: {
      const auto& d = frame.descend();
      Descend r{d.round(), d.salt(), {}};
      if (auto s = Convert(d.nodes(), r.nodes, kMaxNodesPerMessage, "nodes"); !s) return s.error();
      return Message(std::move(r));
    }
    case pb::Frame::kDescendReply: {
      const auto& d = frame.descend_reply();
      DescendReply r{d.round(), {}, {}};
      if (auto s = Convert(d.nodes(), r.nodes, kMaxNodesPerMessage, "nodes"); !s) return s.error();
      if (auto s = Convert(d.unanswered(), r.unanswered, kMaxNodesPerMessage, "nodes"); !s) {
        return s.error();
      }
      return Message(std::move(r));
    }
    case pb::Frame::kWantRequest: {
      const auto& w = frame.want_request();
      if (static_cast<std::size_t>(w.wants_size()) > kMaxWantsPerRequest) {
        return Malformed("too many wants");
      }
      WantRequest r{w.round(), {}};
      for (const auto& x : w.wants()) {
        if (x.author().size() != kAuthorPrefixBytes) return Malformed("want author prefix length");
        if (x.from_seq() == 0 || x.from_seq() > ledger::kMaxSeq) return Malformed("want seq");
        Want want;
        std::memcpy(want.author.data(), x.author().data(), kAuthorPrefixBytes);
        want.from_seq = x.from_seq();
        r.wants.push_back(want);
      }
      return Message(std::move(r));
    }
    case pb::Frame::kWantDone:
      return Message(WantDone{frame.want_done().round(), frame.want_done().sent()});
    case pb::Frame::kPeerList: {
      const auto& p = frame.peer_list();
      if (static_cast<std::size_t>(p.addresses_size()) > kMaxPeerAddresses) {
        return Malformed("too many peer addresses");
      }
      PeerList r;
      for (const auto& a : p.addresses()) {
        if (a.empty() || !ValidText(a, kMaxAddressBytes)) return Malformed("peer address");
        r.addresses.push_back(a);
      }
      return Message(std::move(r));
    }
    case pb::Frame::kGoodbye: {
      const auto& reason = frame.goodbye().reason();
      return Message(Goodbye{reason.substr(0, kMaxReasonBytes)});
    }
    case pb::Frame::KIND_NOT_SET:
      break;
  }
  return Malformed("unknown or empty frame kind");
}

std::string_view MessageName(const Message& message) {
  static constexpr std::string_view kNames[] = {"hello",   "entries",       "probe",
                                                "probe_reply", "descend", "descend_reply",
                                                "want_request", "want_done", "peer_list",
                                                "goodbye"};
  return kNames[message.index()];
}

}  // namespace lovebank::net
