#include "wallet-cli/refusal_words.h"

#include "i18n/i18n.h"

namespace lovebank::wallet {
namespace {

struct Words {
  std::string_view code;
  const char* sentence;
};

// Every code of ledger/refusal.h and the wallet's own failures that come from a node.
constexpr Words kWords[] = {
    {"bad_request", N_("the node could not take this request; check the command's options")},
    {"too_large", N_("the request is larger than the node takes; send less at once")},
    {"method_not_allowed",
     N_("the node does not take this request; check that --node points at a lovebank-node")},
    {"not_found",
     N_("the node holds nothing by this name or id; check it, or wait until the node has synced")},
    {"bad_key", N_("that is not a key; a key is 64 hex digits (`lovebank key show`)")},
    {"bad_id", N_("that is not an id; give 8 or more of its hex digits")},
    {"ambiguous_id", N_("several entries start with these digits; give more of them")},
    {"bad_date", N_("that is not a date; write it as 2026-11-23")},
    {"bad_voucher", N_("that is not a voucher; scan or copy the whole voucher again")},
    {"oversize", N_("the entry is larger than the ledger takes; shorten the text")},
    {"malformed", N_("the entry is damaged; nothing was stored")},
    {"non_canonical", N_("the entry is not in the ledger's exact form; nothing was stored")},
    {"unknown_version",
     N_("the entry is of a version this node does not know; update the wallet or the node")},
    {"unknown_kind", N_("the entry is of a kind this node does not know; update the node")},
    {"out_of_range", N_("a number in the entry is out of range; check the amounts and minutes")},
    {"bad_signature", N_("the signature does not check; nothing was stored")},
    {"wrong_network", N_("the entry belongs to another community; check --node")},
    {"genesis_exists", N_("this node already has a community")},
    {"clock_skew",
     N_("the entry's time is far from the node's clock; check the computer's date and time")},
    {"chain_conflict", N_("this does not follow your chain on the node; run `lovebank key resync` "
                          "if no other copy of your key is in use")},
    {"missing_previous",
     N_("an earlier entry of your chain is not on this node yet; try again after it syncs")},
    {"key_fenced", N_("this key was replaced by a recovery; use your new key")},
    {"fork_suspended", N_("your account is forked and waits for an admin; ask a community admin")},
    {"role_missing",
     N_("you do not hold the role this needs; ask an admin to grant it (`lovebank role list`)")},
    {"self_confirmation",
     N_("you cannot confirm your own service; ask a coordinator or the resident you helped")},
    {"self_record", N_("you cannot record service for yourself; ask another coordinator")},
    {"self_transfer", N_("you cannot give points to yourself")},
    {"entry_cap_exceeded", N_("this is more minutes than one entry may carry; split it")},
    {"day_cap_exceeded", N_("this is more minutes than one day allows for this volunteer")},
    {"overlap", N_("this service overlaps service already counted for this volunteer; check the "
                   "start time (--start)")},
    {"unknown_category",
     N_("the community has no such category; see `lovebank status --json` for its categories")},
    {"rejected", N_("this claim was rejected and cannot be confirmed")},
    {"reversed", N_("this entry was reversed and no longer counts")},
    {"insufficient_points", N_("not enough points for this; see `lovebank balance`")},
    {"already_fulfilled",
     N_("this voucher was already handed over; do not hand over the gift again")},
    {"out_of_stock", N_("the gift is out of stock; restock it or choose another gift")},
    {"unknown_request", N_("this node knows no open help request with that id (or its opening does not count); check the id with `lovebank request list`")},
    {"own_request", N_("you cannot take a request you opened or one for yourself; another volunteer must take it")},
    {"request_full", N_("this request already has as many volunteers as it asked for; ask the steward whether another is needed")},
    {"already_taken", N_("you have already taken this request")},
    {"not_taken", N_("you have not taken this request (or your take does not count); take it first with `lovebank request take`")},
    {"stale_request", N_("the request has changed since (confirmed, reopened or closed); look at it with `lovebank request show` and try again")},
    {"not_resident", N_("only the resident helped, or a steward for a request phoned in or made on a visit, may do this")},
    {"item_withdrawn", N_("the station has withdrawn this gift from the catalogue; choose another "
                          "gift (`lovebank catalog list`)")},
    {"voucher_mismatch",
     N_("the voucher does not match the gift or station; check which station lists it")},
    {"conflicting_key_move",
     N_("another recovery of this account is already counted; ask an admin")},
    {"not_member",
     N_("this key is not an enrolled member; enrol them first (`lovebank member enrol`)")},
    {"out_of_window",
     N_("this service is older than the community allows to record; ask an admin")},
    {"already_enrolled",
     N_("this key is already enrolled; change the profile with `lovebank member update`")},
    {"stale_update", N_("someone changed this profile a moment ago; look at it again and retry")},
    {"takes_credit", N_("this would take away credit that already counts; check the times")},
    {"no_effect", N_("this would change nothing")},
    {"unknown_item", N_("no such gift in the catalogue; see `lovebank catalog list`")},
    {"unknown_voucher",
     N_("this node does not know the voucher; fulfil it with the voucher text itself")},
    {"not_your_item", N_("this gift is handed out by another station")},
    {"offline_limit",
     N_("over this station's limit for vouchers it cannot check offline; wait until it syncs")},
    {"fork", N_("the author's chain is forked; ask a community admin")},
    {"suspended", N_("this entry is suspended until an admin resolves a fork")},
    {"disk_full", N_("the node's disk is full; nothing was stored. Tell whoever runs the node")},
    {"storage_error",
     N_("the node could not store this; nothing was stored. Tell whoever runs the node")},
    {"busy", N_("the node is busy; try again in a moment")},
    {"shutting_down", N_("the node is shutting down; try again when it is back")},
    {"internal", N_("the node failed inside; tell whoever runs it")},
};

}  // namespace

std::optional<std::string> RefusalInWords(std::string_view code) {
  if (i18n::ProcessLang() == i18n::Lang::kEn) return std::nullopt;
  for (const auto& w : kWords) {
    if (w.code == code) return i18n::T(w.sentence);
  }
  return std::nullopt;
}

}  // namespace lovebank::wallet
